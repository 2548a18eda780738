package io.turbokv;

/**
 * How a family orders its keys on disk, fixed when the store is created (recorded in its {@code SCHEMA}).
 *
 * <p>Point reads ({@code get}, {@code getMultiple}, {@code batchGet}) work the same on either order, within a few
 * tens of percent of each other in speed, and absent keys are answered by the same per-file filters. Only a
 * key-ordered family serves ordered reads: {@link ReadScope#range} and {@link ReadScope#prefix} read a range of
 * {@code m} entries in {@code O(log n + m)} block reads.
 */
public enum KeyOrder {
    /**
     * Keys are ordered by their 64-bit hash: spreads any key distribution evenly, and a lookup interpolates to its
     * key. The default; such a family has no ordered reads (only a whole-family scan in no useful order).
     */
    HASH,
    /**
     * Keys are ordered by their bytes, compared unsigned and lexicographically (a key sorts before every longer
     * key it is a prefix of): range, prefix and ordered whole-family reads through cursors.
     */
    KEY
}
