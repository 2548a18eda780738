package io.turbokv.filter;

import java.util.Arrays;

/**
 * Builds the fingerprint array of a {@link KeyFilter}: a 3-wise binary fuse filter (Graf and Lemire, "Binary Fuse
 * Filters: Fast and Smaller Than Xor Filters", 2022), following the reference construction of
 * {@code FastFilter/xor_singleheader}'s {@code binary_fuse8_populate}.
 *
 * <p>Each key (its mixed hash) owns three slots, one in each of three consecutive segments. Construction "peels" the
 * hypergraph: a slot used by exactly one key fixes that key, which is then removed from its other two slots, until
 * every key is fixed; the fingerprints are then assigned in reverse peeling order so that the XOR of each key's
 * three slots equals its fingerprint. Peeling fails with a small probability (for example when a slot's 6-bit use
 * count overflows or two keys share all three slots); the builder then retries with the next seed of a fixed
 * SplitMix64 sequence, so a given key set always yields the same bytes.
 *
 * <p>Keys must be distinct, which {@link KeyFilter#build} ensures. Memory: 14 bytes per slot plus 17 bytes per key
 * (about 33 bytes per key) of primitive arrays, no object per key.
 */
final class BinaryFuseBuilder {
    /**
     * A seed fails for at most about 6 % of distinct key sets (measured at 1 to 300,000 keys; worst near 20 keys,
     * none seen above 100,000), so this many failures in a row do not happen.
     */
    private static final int MAX_ATTEMPTS = 1_000;
    private static final long FIRST_SEED_STATE = 0x726B2B9D438B9D4DL;

    private final long[] keys;
    private final int size;
    private final int segmentLengthLog2;
    private final int segmentLengthMask;
    private final long segmentCountLength;
    private final int arrayLength;
    private final int bucketBits;

    /** Per slot: 4 * (number of keys using it) + XOR of the slot's index (0, 1, 2) within each key's triple. */
    private final byte[] slotCounts;
    /** Per slot: XOR of the mixed hashes of the keys using it; the one key's hash once the count is 1. */
    private final long[] slotHashes;
    private final int[] singleSlots;
    /** The mixed hashes, grouped by their top bits so that slot updates walk memory roughly in order. */
    private final long[] mixedHashes;
    private final int[] bucketStarts;
    private final long[] peeledHashes;
    private final byte[] peeledSlotIndexes;

    private BinaryFuseBuilder(long[] keys, int size, int segmentLengthLog2, int segmentCount) {
        this.keys = keys;
        this.size = size;
        this.segmentLengthLog2 = segmentLengthLog2;
        this.segmentLengthMask = (1 << segmentLengthLog2) - 1;
        this.segmentCountLength = (long) segmentCount << segmentLengthLog2;
        this.arrayLength = KeyFilter.fingerprintCount(segmentLengthLog2, segmentCount);
        int bits = 1;
        while ((1 << bits) < segmentCount) {
            bits++;
        }
        this.bucketBits = bits;
        this.slotCounts = new byte[arrayLength];
        this.slotHashes = new long[arrayLength];
        this.singleSlots = new int[arrayLength];
        this.mixedHashes = new long[size];
        this.bucketStarts = new int[1 << bits];
        this.peeledHashes = new long[size];
        this.peeledSlotIndexes = new byte[size];
    }

    /**
     * Fills {@code fingerprints} ({@link KeyFilter#fingerprintCount} bytes, all zero) for {@code keys[0, size)},
     * which must be distinct, and returns the seed the filter must be queried with.
     *
     * @throws IllegalStateException if no seed peels, which for distinct keys does not happen in practice
     */
    static long build(long[] keys, int size, int segmentLengthLog2, int segmentCount, byte[] fingerprints) {
        return new BinaryFuseBuilder(keys, size, segmentLengthLog2, segmentCount).build(fingerprints);
    }

    private long build(byte[] fingerprints) {
        long seedState = FIRST_SEED_STATE;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            seedState += 0x9E3779B97F4A7C15L;
            long seed = splitMix64(seedState);
            if (peel(seed)) {
                assign(fingerprints);
                return seed;
            }
            Arrays.fill(slotCounts, (byte) 0);
            Arrays.fill(slotHashes, 0);
        }
        throw new IllegalStateException("binary fuse construction failed " + MAX_ATTEMPTS + " times for " + size
                + " distinct keys");
    }

    private boolean peel(long seed) {
        groupMixedHashesByBucket(seed);
        boolean countOverflow = false;
        for (int i = 0; i < size; i++) {
            long hash = mixedHashes[i];
            countOverflow |= addToSlot(slot(0, hash), hash, 0);
            countOverflow |= addToSlot(slot(1, hash), hash, 1);
            countOverflow |= addToSlot(slot(2, hash), hash, 2);
        }
        if (countOverflow) {
            return false;
        }
        int queued = 0;
        for (int i = 0; i < arrayLength; i++) {
            singleSlots[queued] = i;
            queued += keyCount(i) == 1 ? 1 : 0;
        }
        int peeled = 0;
        while (queued > 0) {
            int index = singleSlots[--queued];
            if (keyCount(index) != 1) {
                continue;
            }
            long hash = slotHashes[index];
            int found = slotCounts[index] & 3;
            peeledHashes[peeled] = hash;
            peeledSlotIndexes[peeled] = (byte) found;
            peeled++;
            for (int step = 1; step <= 2; step++) {
                int which = (found + step) % 3;
                int other = slot(which, hash);
                singleSlots[queued] = other;
                queued += keyCount(other) == 2 ? 1 : 0;
                slotCounts[other] = (byte) ((slotCounts[other] - 4) ^ which);
                slotHashes[other] ^= hash;
            }
        }
        return peeled == size;
    }

    /** A counting sort of the mixed hashes by their top {@code bucketBits}, which orders them by segment. */
    private void groupMixedHashesByBucket(long seed) {
        Arrays.fill(bucketStarts, 0);
        int shift = Long.SIZE - bucketBits;
        // peeledHashes is free until peeling starts: it holds the mixed hashes in input order meanwhile.
        for (int i = 0; i < size; i++) {
            long hash = KeyFilter.mix(keys[i], seed);
            peeledHashes[i] = hash;
            bucketStarts[(int) (hash >>> shift)]++;
        }
        int start = 0;
        for (int bucket = 0; bucket < bucketStarts.length; bucket++) {
            int count = bucketStarts[bucket];
            bucketStarts[bucket] = start;
            start += count;
        }
        for (int i = 0; i < size; i++) {
            long hash = peeledHashes[i];
            mixedHashes[bucketStarts[(int) (hash >>> shift)]++] = hash;
        }
    }

    /** Adds one key to a slot; true if the 6-bit key count wrapped around. */
    private boolean addToSlot(int slot, long hash, int which) {
        int count = ((slotCounts[slot] & 0xFF) + 4) ^ which;
        slotCounts[slot] = (byte) count;
        slotHashes[slot] ^= hash;
        return (count & 0xFF) < 4;
    }

    private int keyCount(int slot) {
        return (slotCounts[slot] & 0xFF) >>> 2;
    }

    private void assign(byte[] fingerprints) {
        for (int i = size - 1; i >= 0; i--) {
            long hash = peeledHashes[i];
            int found = peeledSlotIndexes[i];
            int own = slot(found, hash);
            fingerprints[own] = (byte) (KeyFilter.fingerprint(hash)
                    ^ fingerprints[slot((found + 1) % 3, hash)]
                    ^ fingerprints[slot((found + 2) % 3, hash)]);
        }
    }

    private int slot(int which, long hash) {
        return (int) KeyFilter.slot(which, hash, segmentCountLength, segmentLengthLog2, segmentLengthMask);
    }

    private static long splitMix64(long state) {
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
