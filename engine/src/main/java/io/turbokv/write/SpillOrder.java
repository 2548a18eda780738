package io.turbokv.write;

import io.turbokv.io.SequenceAllocator;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Puts a batch's SSTs in the order readers need before the commit lists them: in each multi-valued family, every
 * SST of the batch's tombstones below every SST of its values.
 *
 * <p>A delete in a multi-valued family removes the values of <em>earlier batches</em>; the key keeps every value its
 * own batch adds, before or after the delete. Readers and compaction know one rule: the SST with the higher number
 * is newer, and a tombstone hides everything older. The batch collects such tombstones apart
 * ({@link BatchCollector}), and this class renames each value SST of the family numbered below the highest
 * tombstone SST to a fresh number, in their original order, so that the batch's values all sit above its
 * tombstones, which still sit above every earlier batch. The files are not committed yet (their numbers are above
 * {@code CURRENT}), so a rename touches nothing a reader sees; the commit's directory sync makes the new names
 * durable before {@code CURRENT} points at them, and a rollback deletes them like any other file of the batch.
 * Nothing is renamed in a batch without such deletes, nor when the tombstone SST already is the oldest (a batch
 * whose collector was cut only at the commit).
 */
public final class SpillOrder {
    private SpillOrder() {}

    /**
     * The batch's SSTs, renamed where needed so that, per family, its multi-valued tombstone SSTs are numbered below
     * its other SSTs.
     *
     * @param ssts      every SST the batch spilled
     * @param sequence   the batch's sequence numbers
     * @param store     the store's directory, where the SSTs are and renames go through
     * @return the SSTs under their final numbers
     * @throws IOException when a rename fails (the caller rolls back)
     */
    public static List<SpilledSst> tombstonesFirst(StoreDirectory store, List<SpilledSst> ssts,
                                                   SequenceAllocator sequence)
            throws IOException {
        List<SpilledSst> ordered = new ArrayList<>(ssts);
        ordered.sort(Comparator.comparingLong((SpilledSst s) -> Integer.toUnsignedLong(s.seq())));
        List<SpilledSst> result = new ArrayList<>(ordered.size());
        for (SpilledSst sst : ordered) {
            long highestTombstones = highestTombstoneSeq(ordered, sst.family());
            if (sst.multiValuedTombstones() || Integer.toUnsignedLong(sst.seq()) > highestTombstones) {
                result.add(sst);
                continue;
            }
            int seq = sequence.next();
            store.files().rename(store.path(StoreFileNames.Kind.SST, sst.seq()),
                    store.path(StoreFileNames.Kind.SST, seq));
            result.add(sst.renumbered(seq));
        }
        return result;
    }

    /** The highest number of a tombstone SST of {@code family}, or -1 when it has none. */
    private static long highestTombstoneSeq(List<SpilledSst> ssts, int family) {
        long highest = -1;
        for (SpilledSst sst : ssts) {
            if (sst.family() == family && sst.multiValuedTombstones()) {
                highest = Math.max(highest, Integer.toUnsignedLong(sst.seq()));
            }
        }
        return highest;
    }
}
