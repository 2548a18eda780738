package io.turbokv.read;

import java.lang.foreign.MemorySegment;

/**
 * A read context's reusable working memory for {@code batchGet}: the batch's hashes, its order by hash, the keys
 * still unresolved and, per key length, one key buffer with its segment, so that a batch allocates nothing on the
 * heap beyond the values it returns. Grows to the largest batch seen; one per {@link ReadContext}, not
 * thread-safe.
 */
final class BatchScratch {
    /** Keys this long or longer get a segment of their own per use rather than a pooled buffer. */
    private static final int POOLED_KEY_LENGTH = 256;

    long[] hashes = new long[0];
    /** Indexes into the batch, ascending by unsigned hash; the first {@code pending} are not resolved yet. */
    int[] order = new int[0];
    /** Per position of {@link #order} in the group being probed: whether the SST may hold the key. */
    final boolean[] mayHold = new boolean[Lookups.PIPELINE];
    private final byte[][] keyBytes = new byte[POOLED_KEY_LENGTH][];
    private final MemorySegment[] keySegments = new MemorySegment[POOLED_KEY_LENGTH];

    /** Makes room for a batch of {@code n} keys. */
    void prepare(int n) {
        if (hashes.length < n) {
            hashes = new long[n];
            order = new int[n];
        }
    }

    /**
     * {@return {@code key} as a segment, valid until the next call with a key of the same length}: a copy in this
     * scratch's buffer for that length.
     *
     * @param key the key's bytes
     */
    MemorySegment key(byte[] key) {
        int length = key.length;
        if (length >= POOLED_KEY_LENGTH) {
            return MemorySegment.ofArray(key);
        }
        byte[] buffer = keyBytes[length];
        if (buffer == null) {
            buffer = new byte[length];
            keyBytes[length] = buffer;
            keySegments[length] = MemorySegment.ofArray(buffer);
        }
        System.arraycopy(key, 0, buffer, 0, length);
        return keySegments[length];
    }
}
