package io.turbokv.write;

import io.turbokv.sst.SstSummary;

/**
 * An SST file a write batch wrote and synced, not yet committed.
 *
 * @param family                the family whose entries it holds
 * @param seq                   its sequence number
 * @param summary               what the writer reports: counts, hash range, size, key hashes for the filter
 * @param multiValuedTombstones whether it holds only tombstones of a multi-valued family, which the commit orders
 *                              before the batch's other SSTs of that family ({@link SpillOrder})
 */
public record SpilledSst(int family, int seq, SstSummary summary, boolean multiValuedTombstones) {
    /** The same SST under another sequence number (after a rename). */
    SpilledSst renumbered(int newSeq) {
        return new SpilledSst(family, newSeq, summary, multiValuedTombstones);
    }
}
