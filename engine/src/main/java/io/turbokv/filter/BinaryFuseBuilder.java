package io.turbokv.filter;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.turbokv.io.Bytes;
import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.MemorySegment;
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
 * SplitMix64 sequence, so a given key set always yields the same bytes. The input order does not matter: slot counts
 * and hash XORs are sums, the peeling queue is filled by slot index, so the same set peels the same way however its
 * keys are ordered.
 *
 * <p>Keys must be distinct, which {@link KeyFilter} ensures. Memory: 13 bytes per slot plus 17 bytes per key
 * (31.6 bytes per key at 1 Mi keys, 32.0 at 256 Ki, 35.3 at 1,000, more for smaller sets), all off-heap in one
 * buffer that {@link #build} borrows from the caller's {@link WriteBufferPool} and returns (the pool lends a power
 * of two: a 16 MiB buffer for the 8.40 MB of a spill's 262,144 keys, 64 bytes per key, and a 32 MiB one for the
 * 33.16 MB of a compaction's 1 Mi keys), so building the filters of a compaction or a spill puts nothing
 * proportional to the key count on the heap (the only heap array is one {@code int} per segment, a few hundred at
 * most). The scratch uses native byte order: it never leaves this class.
 *
 * <p>Why a pooled buffer: fresh memory costs a page fault per 4 KiB at its first write (the kernel zeroes it), and
 * the scratch of a 256 Ki-key filter is 8.40 MB: zeroed fresh memory from {@code Arena.allocate} was 4.4 % of a
 * million-entry batch's CPU. A store's pool hands back memory already faulted in; only the slot counts and hashes,
 * which peeling sums into, are cleared, the rest is written before it is read.
 */
final class BinaryFuseBuilder {
    /**
     * A seed fails for at most about 6 % of distinct key sets (measured at 1 to 300,000 keys; worst near 20 keys,
     * none seen above 100,000), so this many failures in a row do not happen.
     */
    private static final int MAX_ATTEMPTS = 1_000;
    private static final long FIRST_SEED_STATE = 0x726B2B9D438B9D4DL;

    private final MemorySegment keys;
    private final int size;
    private final int segmentLengthLog2;
    private final int segmentLengthMask;
    private final long segmentCountLength;
    private final int arrayLength;
    private final int bucketBits;

    /** Per slot (byte): 4 * (number of keys using it) + XOR of the slot's index (0, 1, 2) within each key's triple. */
    private final MemorySegment slotCounts;
    /** Per slot (long): XOR of the mixed hashes of the keys using it; the one key's hash once the count is 1. */
    private final MemorySegment slotHashes;
    /** The peeling queue (int per slot): slots that held exactly one key when queued. */
    private final MemorySegment singleSlots;
    /** The mixed hashes (long per key), grouped by their top bits so that slot updates walk memory roughly in order. */
    private final MemorySegment mixedHashes;
    private final int[] bucketStarts;
    /** The mixed hashes (long per key) in peeling order. */
    private final MemorySegment peeledHashes;
    /** Per key (byte): which of its three slots (0, 1, 2) fixed it, in peeling order. */
    private final MemorySegment peeledSlotIndexes;

    private BinaryFuseBuilder(MemorySegment keys, int size, int segmentLengthLog2, int segmentCount,
                              MemorySegment scratch) {
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
        // longs first, then ints, then bytes: each array aligned to its element (the buffer is 16-byte aligned)
        long at = 0;
        this.slotHashes = scratch.asSlice(at, (long) arrayLength * Long.BYTES);
        at += slotHashes.byteSize();
        this.mixedHashes = scratch.asSlice(at, (long) size * Long.BYTES);
        at += mixedHashes.byteSize();
        this.peeledHashes = scratch.asSlice(at, (long) size * Long.BYTES);
        at += peeledHashes.byteSize();
        this.singleSlots = scratch.asSlice(at, (long) arrayLength * Integer.BYTES);
        at += singleSlots.byteSize();
        this.slotCounts = scratch.asSlice(at, arrayLength);
        at += slotCounts.byteSize();
        this.peeledSlotIndexes = scratch.asSlice(at, size);
        this.bucketStarts = new int[1 << bits];
    }

    /** {@return the scratch bytes a build of {@code size} keys into {@code arrayLength} slots takes} */
    private static long scratchBytes(int size, int arrayLength) {
        return (long) arrayLength * (Long.BYTES + Integer.BYTES + 1) + (long) size * (2 * Long.BYTES + 1);
    }

    /**
     * Fills {@code fingerprints} ({@link KeyFilter#fingerprintCount} slots of one byte, or two big-endian bytes when
     * {@code wide}, all zero) for the {@code size} keys in
     * {@code keys} (8-byte longs in native byte order, {@link java.lang.foreign.ValueLayout#JAVA_LONG_UNALIGNED}),
     * which must be distinct, and returns the seed the filter must be queried with. The scratch memory, borrowed
     * from {@code scratch}, goes back to it before this returns, whether it succeeds or not.
     *
     * @throws IllegalStateException if no seed peels, which for distinct keys does not happen in practice
     */
    static long build(MemorySegment keys, int size, int segmentLengthLog2, int segmentCount,
                      MemorySegment fingerprints, boolean wide, WriteBufferPool scratch) {
        int arrayLength = KeyFilter.fingerprintCount(segmentLengthLog2, segmentCount);
        WriteBufferPool.Buffer buffer = scratch.borrow(scratchBytes(size, arrayLength));
        try {
            return new BinaryFuseBuilder(keys, size, segmentLengthLog2, segmentCount, buffer.segment())
                    .build(fingerprints, wide);
        } finally {
            scratch.release(buffer);
        }
    }

    private long build(MemorySegment fingerprints, boolean wide) {
        long seedState = FIRST_SEED_STATE;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            seedState += 0x9E3779B97F4A7C15L;
            long seed = splitMix64(seedState);
            slotCounts.fill((byte) 0); // peeling sums into them; the pool's memory holds what its last owner left
            slotHashes.fill((byte) 0);
            if (peel(seed)) {
                if (wide) {
                    assignWide(fingerprints);
                } else {
                    assign(fingerprints);
                }
                return seed;
            }
        }
        throw new IllegalStateException("binary fuse construction failed " + MAX_ATTEMPTS + " times for " + size
                + " distinct keys");
    }

    private boolean peel(long seed) {
        groupMixedHashesByBucket(seed);
        boolean countOverflow = false;
        for (int i = 0; i < size; i++) {
            long hash = mixedHashes.getAtIndex(JAVA_LONG, i);
            countOverflow |= addToSlot(slot(0, hash), hash, 0);
            countOverflow |= addToSlot(slot(1, hash), hash, 1);
            countOverflow |= addToSlot(slot(2, hash), hash, 2);
        }
        if (countOverflow) {
            return false;
        }
        int queued = 0;
        for (int i = 0; i < arrayLength; i++) {
            singleSlots.setAtIndex(JAVA_INT, queued, i);
            queued += keyCount(i) == 1 ? 1 : 0;
        }
        int peeled = 0;
        while (queued > 0) {
            int index = singleSlots.getAtIndex(JAVA_INT, --queued);
            if (keyCount(index) != 1) {
                continue;
            }
            long hash = slotHashes.getAtIndex(JAVA_LONG, index);
            int found = slotCounts.get(JAVA_BYTE, index) & 3;
            peeledHashes.setAtIndex(JAVA_LONG, peeled, hash);
            peeledSlotIndexes.set(JAVA_BYTE, peeled, (byte) found);
            peeled++;
            for (int step = 1; step <= 2; step++) {
                int which = (found + step) % 3;
                int other = slot(which, hash);
                singleSlots.setAtIndex(JAVA_INT, queued, other);
                queued += keyCount(other) == 2 ? 1 : 0;
                slotCounts.set(JAVA_BYTE, other, (byte) ((slotCounts.get(JAVA_BYTE, other) - 4) ^ which));
                slotHashes.setAtIndex(JAVA_LONG, other, slotHashes.getAtIndex(JAVA_LONG, other) ^ hash);
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
            long hash = KeyFilter.mix(keys.getAtIndex(JAVA_LONG_UNALIGNED, i), seed);
            peeledHashes.setAtIndex(JAVA_LONG, i, hash);
            bucketStarts[(int) (hash >>> shift)]++;
        }
        int start = 0;
        for (int bucket = 0; bucket < bucketStarts.length; bucket++) {
            int count = bucketStarts[bucket];
            bucketStarts[bucket] = start;
            start += count;
        }
        for (int i = 0; i < size; i++) {
            long hash = peeledHashes.getAtIndex(JAVA_LONG, i);
            mixedHashes.setAtIndex(JAVA_LONG, bucketStarts[(int) (hash >>> shift)]++, hash);
        }
    }

    /** Adds one key to a slot; true if the 6-bit key count wrapped around. */
    private boolean addToSlot(int slot, long hash, int which) {
        int count = ((slotCounts.get(JAVA_BYTE, slot) & 0xFF) + 4) ^ which;
        slotCounts.set(JAVA_BYTE, slot, (byte) count);
        slotHashes.setAtIndex(JAVA_LONG, slot, slotHashes.getAtIndex(JAVA_LONG, slot) ^ hash);
        return (count & 0xFF) < 4;
    }

    private int keyCount(int slot) {
        return (slotCounts.get(JAVA_BYTE, slot) & 0xFF) >>> 2;
    }

    private void assign(MemorySegment fingerprints) {
        for (int i = size - 1; i >= 0; i--) {
            long hash = peeledHashes.getAtIndex(JAVA_LONG, i);
            int found = peeledSlotIndexes.get(JAVA_BYTE, i);
            int own = slot(found, hash);
            fingerprints.set(JAVA_BYTE, own, (byte) (KeyFilter.fingerprint(hash)
                    ^ fingerprints.get(JAVA_BYTE, slot((found + 1) % 3, hash))
                    ^ fingerprints.get(JAVA_BYTE, slot((found + 2) % 3, hash))));
        }
    }

    /** As {@link #assign}, for 16-bit fingerprints in two-byte big-endian slots. */
    private void assignWide(MemorySegment fingerprints) {
        for (int i = size - 1; i >= 0; i--) {
            long hash = peeledHashes.getAtIndex(JAVA_LONG, i);
            int found = peeledSlotIndexes.get(JAVA_BYTE, i);
            long own = (long) slot(found, hash) * Short.BYTES;
            fingerprints.set(Bytes.BE_SHORT, own, (short) (KeyFilter.fingerprint16(hash)
                    ^ fingerprints.get(Bytes.BE_SHORT, (long) slot((found + 1) % 3, hash) * Short.BYTES)
                    ^ fingerprints.get(Bytes.BE_SHORT, (long) slot((found + 2) % 3, hash) * Short.BYTES)));
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
