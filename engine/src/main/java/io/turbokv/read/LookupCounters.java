package io.turbokv.read;

import java.util.concurrent.atomic.LongAdder;

/**
 * The read path's outcome counters, as the Rust original's {@code stats} feature: striped ({@link LongAdder}), so
 * they stay on. A lookup counts its misses in its {@link ReadContext} and adds them once, and adds nothing for a zero.
 */
public final class LookupCounters {
    private final LongAdder familyMisses = new LongAdder();
    private final LongAdder rangeMisses = new LongAdder();
    private final LongAdder filterMisses = new LongAdder();
    private final LongAdder keyMisses = new LongAdder();
    private final LongAdder deletedHits = new LongAdder();
    private final LongAdder valueHits = new LongAdder();
    private final LongAdder blobHits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /** Meta files of another family, SSTs whose hash range or key filter ruled the key out, SSTs without it. */
    public void skipped(int family, int range, int filter, int key) {
        add(familyMisses, family);
        add(rangeMisses, range);
        add(filterMisses, filter);
        add(keyMisses, key);
    }

    /** The outcome of one key's lookup: not found, or found with values, blob values, or only a tombstone. */
    public void outcome(boolean found, int values, int blobs) {
        if (!found) {
            misses.increment();
        } else if (values > 0) {
            valueHits.increment();
        } else if (blobs > 0) {
            blobHits.increment();
        } else {
            deletedHits.increment();
        }
    }

    /** {@code count} keys no SST knew. */
    public void notFound(int count) {
        add(misses, count);
    }

    private static void add(LongAdder adder, int count) {
        if (count != 0) {
            adder.add(count);
        }
    }

    public long familyMisses() {
        return familyMisses.sum();
    }

    public long rangeMisses() {
        return rangeMisses.sum();
    }

    public long filterMisses() {
        return filterMisses.sum();
    }

    public long keyMisses() {
        return keyMisses.sum();
    }

    public long deletedHits() {
        return deletedHits.sum();
    }

    public long valueHits() {
        return valueHits.sum();
    }

    public long blobHits() {
        return blobHits.sum();
    }

    public long misses() {
        return misses.sum();
    }
}
