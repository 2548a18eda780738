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

    /** Counters at zero; a store has one set for its whole life. */
    public LookupCounters() {
        // the adders start at zero
    }

    /**
     * Meta files of another family, SSTs whose hash range or key filter ruled the key out, SSTs without it.
     *
     * @param family meta files skipped as another family's
     * @param range  SSTs skipped because the key's hash is outside their hash range
     * @param filter SSTs skipped because their key filter ruled the key out
     * @param key    SSTs searched that did not have the key
     */
    public void skipped(int family, int range, int filter, int key) {
        add(familyMisses, family);
        add(rangeMisses, range);
        add(filterMisses, filter);
        add(keyMisses, key);
    }

    /**
     * The outcome of one key's lookup: not found, or found with values, blob values, or only a tombstone.
     *
     * @param found  whether any SST had an entry for the key
     * @param values how many inline or block values were found
     * @param blobs  how many blob values were found
     */
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

    /**
     * {@code count} keys no SST knew.
     *
     * @param count how many keys were not found
     */
    public void notFound(int count) {
        add(misses, count);
    }

    private static void add(LongAdder adder, int count) {
        if (count != 0) {
            adder.add(count);
        }
    }

    /** {@return how many meta files lookups skipped as another family's} */
    public long familyMisses() {
        return familyMisses.sum();
    }

    /** {@return how many SSTs lookups skipped because the key's hash was outside their hash range} */
    public long rangeMisses() {
        return rangeMisses.sum();
    }

    /** {@return how many SSTs lookups skipped because their key filter ruled the key out} */
    public long filterMisses() {
        return filterMisses.sum();
    }

    /** {@return how many SSTs lookups searched without finding the key} */
    public long keyMisses() {
        return keyMisses.sum();
    }

    /** {@return how many lookups found only a tombstone} */
    public long deletedHits() {
        return deletedHits.sum();
    }

    /** {@return how many lookups found at least one inline or block value} */
    public long valueHits() {
        return valueHits.sum();
    }

    /** {@return how many lookups found blob values only} */
    public long blobHits() {
        return blobHits.sum();
    }

    /** {@return how many lookups found no entry for the key} */
    public long misses() {
        return misses.sum();
    }
}
