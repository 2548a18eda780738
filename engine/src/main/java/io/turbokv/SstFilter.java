package io.turbokv;

import org.agrona.collections.Int2IntHashMap;

/**
 * Decides which SST entries of which meta files are live (DESIGN.md §1.9), applied to meta files newest first.
 *
 * <p>A compaction's meta file lists the SSTs it consumed as obsolete, and the SSTs it moved unchanged as its own
 * entries, so one SST can be listed by an older and a newer meta file. Walking newest first, the first meta file
 * to list an SST keeps it; older listings of it are dropped. An obsolete mark hides the SST in every older meta
 * file; once an older meta file needed it, the mark is {@code OBSOLETE} (its meta file must be kept so the mark
 * survives), otherwise {@code UNUSED_OBSOLETE}. Not thread-safe: one open or one commit uses it.
 */
final class SstFilter {
    private static final int ACTIVE = 1;
    private static final int UNUSED_OBSOLETE = 2;
    private static final int OBSOLETE = 3;
    private static final int MISSING = 0;

    private final Int2IntHashMap states = new Int2IntHashMap(MISSING);

    /**
     * Phase 1 for one meta file: which of its entries stay live.
     *
     * @param entrySeqs the SST sequence numbers of the meta file's entries
     * @param obsolete  the meta file's obsolete list
     * @return per entry, whether it is live
     */
    boolean[] apply(int[] entrySeqs, int[] obsolete) {
        boolean[] live = new boolean[entrySeqs.length];
        for (int i = 0; i < entrySeqs.length; i++) {
            int state = states.get(entrySeqs[i]);
            if (state == MISSING) {
                states.put(entrySeqs[i], ACTIVE);
                live[i] = true;
            } else if (state == UNUSED_OBSOLETE) {
                states.put(entrySeqs[i], OBSOLETE);
            }
        }
        for (int seq : obsolete) {
            if (states.get(seq) == MISSING) {
                states.put(seq, UNUSED_OBSOLETE);
            }
        }
        return live;
    }

    /**
     * Phase 2 for one meta file, after phase 1 ran over all of them: whether the meta file can be deleted (none of
     * its obsolete marks was needed by an older file, and it has no live entry).
     */
    boolean applyAndGetRemove(int[] obsolete, boolean hasLiveEntries) {
        boolean needed = false;
        for (int seq : obsolete) {
            int state = states.remove(seq);
            if (state == OBSOLETE) {
                needed = true;
            }
        }
        return !needed && !hasLiveEntries;
    }
}
