package io.turbokv.read;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * What lookups found and what they passed over since the store opened: per call, its outcome (a value, a blob, a
 * tombstone, nothing); per SST a call ruled out, the cause (a meta file of another family, the hash range, the key
 * filter, the key block).
 *
 * <p>Each {@link ReadContext} counts in a {@link Tally} of its own, which only the thread holding the context
 * writes (the pool lends a context to one thread at a time), with plain stores: a read pays no atomic instruction
 * for its counts, where a {@code LongAdder} per counter cost two or three compare-and-sets per get (about 8 % of
 * a get of an absent key, measured). A sum adds up the tallies of the live contexts and what closed contexts left
 * behind, under this object's lock; only statistics sum, and contexts are made and closed rarely (a reader that
 * finds the pool empty makes one for its call and closes it after).
 */
public final class LookupCounters {
    static final int FAMILY_MISSES = 0;
    static final int RANGE_MISSES = 1;
    static final int FILTER_MISSES = 2;
    static final int KEY_MISSES = 3;
    static final int DELETED_HITS = 4;
    static final int VALUE_HITS = 5;
    static final int BLOB_HITS = 6;
    static final int MISSES = 7;
    private static final int COUNTERS = 8;

    /** The tallies of the contexts that are open. */
    private final List<Tally> live = new ArrayList<>();
    /** The counts of the contexts closed so far. */
    private final long[] retired = new long[COUNTERS];

    /** Counters at zero, with no tally yet. */
    public LookupCounters() {
        // contexts register their tallies as they are made
    }

    /** {@return a new tally, counted in the sums until {@link #retire} is given it} */
    synchronized Tally register() {
        Tally tally = new Tally();
        live.add(tally);
        return tally;
    }

    /** Keeps the counts of {@code tally}, whose context is closed, and stops reading it. */
    synchronized void retire(Tally tally) {
        if (live.remove(tally)) {
            for (int i = 0; i < COUNTERS; i++) {
                retired[i] += tally.get(i);
            }
        }
    }

    private synchronized long sum(int counter) {
        long sum = retired[counter];
        for (Tally tally : live) {
            sum += tally.get(counter);
        }
        return sum;
    }

    /** {@return how many meta files lookups skipped as another family's} */
    public long familyMisses() {
        return sum(FAMILY_MISSES);
    }

    /** {@return how many SSTs lookups skipped because the key's hash was outside their hash range} */
    public long rangeMisses() {
        return sum(RANGE_MISSES);
    }

    /** {@return how many SSTs lookups skipped because their key filter ruled the key out} */
    public long filterMisses() {
        return sum(FILTER_MISSES);
    }

    /** {@return how many SSTs lookups searched without finding the key} */
    public long keyMisses() {
        return sum(KEY_MISSES);
    }

    /** {@return how many lookups found only a tombstone} */
    public long deletedHits() {
        return sum(DELETED_HITS);
    }

    /** {@return how many lookups found at least one inline or block value} */
    public long valueHits() {
        return sum(VALUE_HITS);
    }

    /** {@return how many lookups found blob values only} */
    public long blobHits() {
        return sum(BLOB_HITS);
    }

    /** {@return how many lookups found no entry for the key} */
    public long misses() {
        return sum(MISSES);
    }

    /**
     * One context's counts. Written by the thread that holds the context, read by any thread that sums: opaque
     * accesses, so a sum never reads half of a count's 64 bits. Padded so that the counts of two threads' tallies
     * never share a cache line.
     */
    static final class Tally {
        private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
        /** Longs on either side of the counts, one cache line's worth. */
        private static final int PAD = 8;
        private final long[] counts = new long[PAD + COUNTERS + PAD];

        private Tally() {}

        /** Adds {@code n} to {@code counter}; only the thread that holds the tally's context calls this. */
        void add(int counter, long n) {
            int i = PAD + counter;
            COUNTS.setOpaque(counts, i, (long) COUNTS.getOpaque(counts, i) + n);
        }

        long get(int counter) {
            return (long) COUNTS.getOpaque(counts, PAD + counter);
        }

        /** Counts the outcome of one lookup: found with values, with blobs only, a tombstone, or nothing. */
        void outcome(boolean found, int values, int blobs) {
            add(!found ? MISSES : values > 0 ? VALUE_HITS : blobs > 0 ? BLOB_HITS : DELETED_HITS, 1);
        }
    }
}
