package io.turbokv.write;

import io.turbokv.sst.SstSummary;

/**
 * An SST file a write batch (or a compaction) wrote and synced, not yet committed.
 *
 * @param family  the family whose entries it holds
 * @param seq     its sequence number
 * @param summary what the writer reports: counts, hash range, size, key hashes for the filter
 */
public record SpilledSst(int family, int seq, SstSummary summary) {}
