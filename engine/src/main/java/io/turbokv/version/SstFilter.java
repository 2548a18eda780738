package io.turbokv.version;

import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntArrayQueue;
import org.agrona.collections.IntHashSet;

/**
 * Decides which SST entries of which meta files are live, applied to meta files newest first.
 *
 * <p>A compaction's meta file lists the SSTs it consumed as obsolete, and the SSTs it moved unchanged as its own
 * entries, so one SST can be listed by an older and a newer meta file. Walking newest first, the first meta file
 * to list an SST keeps it; older listings of it are dropped. An obsolete mark hides the SST in every older meta
 * file. Not thread-safe: one open or one commit uses it.
 */
public final class SstFilter {
    private static final int ACTIVE = 1;
    private static final int MARKED = 2;
    private static final int MISSING = 0;

    private final Int2IntHashMap states = new Int2IntHashMap(MISSING);

    /** A filter that has seen no meta file yet. */
    public SstFilter() {
        // every SST starts MISSING
    }

    /**
     * Phase 1 for one meta file: which of its entries stay live.
     *
     * @param entrySeqs the SST sequence numbers of the meta file's entries
     * @param obsolete  the meta file's obsolete list
     * @return per entry, whether it is live
     */
    public boolean[] apply(int[] entrySeqs, int[] obsolete) {
        boolean[] live = new boolean[entrySeqs.length];
        for (int i = 0; i < entrySeqs.length; i++) {
            int state = states.get(entrySeqs[i]);
            if (state == MISSING) {
                states.put(entrySeqs[i], ACTIVE);
                live[i] = true;
            }
        }
        for (int seq : obsolete) {
            if (states.get(seq) == MISSING) {
                states.put(seq, MARKED);
            }
        }
        return live;
    }

    /**
     * Phase 2, after phase 1 ran over every meta file: which meta files a commit can delete. A meta file with a live
     * entry stays. Every other entry a staying meta file lists is either live in a newer one (which stays) or
     * obsolete, and then a newer staying meta file must mark it, or the next open would bring the SST back; when no
     * staying meta file does, the newest meta file that marks it stays too, and its own entries count from then on.
     * Everything else goes. Choosing the newest marker matters: a compaction repeats in its new meta file (which
     * stays, holding the merged SSTs) the marks of the meta files left with no live entry
     * ({@code Compactor.FamilyInput#carriedObsolete}), so those can go. Keeping the oldest marker instead, as
     * turbo-persistence does, makes every compaction's meta file pin the next one's under a long-lived older meta
     * file: one more file per compaction, without bound. A meta file that goes is named in the commit's
     * {@code .del}, which every open replays before it reads a meta file.
     *
     * @param entrySeqs      per meta file, newest first: the SST numbers of all its entries, live or not
     * @param obsolete       per meta file, newest first: its obsolete list
     * @param hasLiveEntries per meta file, newest first: whether phase 1 left it a live entry
     * @param live           every SST number phase 1 left live
     * @return per meta file, newest first, whether it can be deleted
     */
    public static boolean[] removable(int[][] entrySeqs, int[][] obsolete, boolean[] hasLiveEntries, IntHashSet live) {
        int n = entrySeqs.length;
        Int2ObjectHashMap<IntArrayList> markers = new Int2ObjectHashMap<>(); // per SST, ascending: newest first
        for (int i = 0; i < n; i++) {
            for (int seq : obsolete[i]) {
                markers.computeIfAbsent(seq, k -> new IntArrayList()).addInt(i);
            }
        }
        boolean[] keep = hasLiveEntries.clone();
        IntArrayQueue pending = new IntArrayQueue();
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                pending.offerInt(i);
            }
        }
        while (!pending.isEmpty()) {
            int lister = pending.pollInt();
            for (int seq : entrySeqs[lister]) {
                IntArrayList marking = live.contains(seq) ? null : markers.get(seq);
                if (marking == null || isKeptBefore(marking, keep, lister)) {
                    continue; // live, or shadowed by a newer listing, or marked by a meta file that stays
                }
                int newest = marking.getInt(0);
                if (newest < lister) {
                    keep[newest] = true;
                    pending.offerInt(newest);
                }
            }
        }
        boolean[] remove = new boolean[n];
        for (int i = 0; i < n; i++) {
            remove[i] = !keep[i];
        }
        return remove;
    }

    /** Whether a meta file in {@code marking} newer than {@code lister} (a lower index) stays. */
    private static boolean isKeptBefore(IntArrayList marking, boolean[] keep, int lister) {
        for (int k = 0; k < marking.size() && marking.getInt(k) < lister; k++) {
            if (keep[marking.getInt(k)]) {
                return true;
            }
        }
        return false;
    }
}
