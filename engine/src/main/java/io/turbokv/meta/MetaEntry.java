package io.turbokv.meta;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a meta file says about one SST file it adds: enough to skip the SST without opening it (hash range, key
 * filter, and for a key-ordered SST its key range) and to check it when it is opened (block count, size).
 *
 * <p>The components are validated here, so a writer can never produce a meta file that its reader would refuse.
 *
 * @param sstSeq     the SST's sequence number (its file is {@code %08d.sst} of it)
 * @param blockCount the SST's block count, index block included: 1..65535 (a u16 block index)
 * @param minHash    the lowest key hash in the SST, compared unsigned
 * @param maxHash    the highest key hash in the SST, compared unsigned; never below {@code minHash}
 * @param sstSize    the SST's file length in bytes, not negative
 * @param flags      {@link #COLD}, {@link #FRESH} or 0 (warm); no other bits
 * @param entryCount the number of entries in the SST, not negative
 * @param filter     the SST's key filter, opaque bytes (may be empty); a slice of the file's bytes when read from a
 *                   {@link MetaFile}, valid until that file is closed
 * @param keyRange   the lowest and highest key of a key-ordered SST; null when unknown (a hash-ordered SST)
 */
public record MetaEntry(int sstSeq, int blockCount, long minHash, long maxHash, long sstSize, int flags,
                        long entryCount, MemorySegment filter, KeyRange keyRange) {
    /** Flag: the SST holds keys that no read touched lately (the cold side of the warm/cold split). */
    public static final int COLD = 1;
    /** Flag: the SST was written by a commit and never compacted. */
    public static final int FRESH = 2;
    /** The largest block count: block indexes are u16. */
    static final int MAX_BLOCK_COUNT = 0xFFFF;
    /** Every flag bit this format version knows. */
    static final int KNOWN_FLAGS = COLD | FRESH;

    /**
     * The lowest and the highest key (unsigned bytes) of a key-ordered SST, on the heap. The arrays are the
     * record's own: nobody changes them after construction.
     *
     * @param min the lowest key
     * @param max the highest key, not below {@code min}
     */
    public record KeyRange(byte[] min, byte[] max) {
        /**
         * Validates the keys.
         *
         * @throws IllegalArgumentException when {@code max} is below {@code min}
         */
        public KeyRange {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
            if (Arrays.compareUnsigned(min, max) > 0) {
                throw new IllegalArgumentException("key range: max key below min key (unsigned)");
            }
        }

        /**
         * {@return the range from {@code min} to {@code max}, or null when {@code min} is null (no key range known)}
         *
         * @param min the lowest key, or null
         * @param max the highest key; ignored when {@code min} is null
         * @throws IllegalArgumentException when {@code max} is below {@code min}
         */
        public static KeyRange of(byte[] min, byte[] max) {
            return min == null ? null : new KeyRange(min, max);
        }

        /**
         * {@return whether some key of this range may lie between {@code from} and {@code to}, both inclusive}
         *
         * @param from the lowest key of the other range, or null for none
         * @param to   the highest key of the other range, or null for none
         */
        public boolean meets(MemorySegment from, MemorySegment to) {
            return (to == null || compare(min, to) <= 0) && (from == null || compare(max, from) >= 0);
        }

        /**
         * {@return whether the two ranges share a key}
         *
         * @param other the other range
         */
        public boolean overlaps(KeyRange other) {
            return Arrays.compareUnsigned(min, other.max) <= 0 && Arrays.compareUnsigned(other.min, max) <= 0;
        }

        /** Byte by byte: wrapping {@code key} in a segment cost every cursor a heap segment per SST it considers. */
        private static int compare(byte[] key, MemorySegment other) {
            long common = Math.min(key.length, other.byteSize());
            for (int i = 0; i < common; i++) {
                int cmp = Byte.compareUnsigned(key[i], other.get(ValueLayout.JAVA_BYTE, i));
                if (cmp != 0) {
                    return cmp;
                }
            }
            return Long.compare(key.length, other.byteSize());
        }
    }

    /**
     * An entry with no key range (a hash-ordered SST's).
     *
     * @param sstSeq     the SST's sequence number
     * @param blockCount the SST's block count, index block included
     * @param minHash    the lowest key hash
     * @param maxHash    the highest key hash
     * @param sstSize    the SST's file length
     * @param flags      {@link #COLD}, {@link #FRESH} or 0
     * @param entryCount the number of entries
     * @param filter     the SST's key filter
     * @throws IllegalArgumentException when a component is outside the range documented on the record
     */
    public MetaEntry(int sstSeq, int blockCount, long minHash, long maxHash, long sstSize, int flags,
                     long entryCount, MemorySegment filter) {
        this(sstSeq, blockCount, minHash, maxHash, sstSize, flags, entryCount, filter, null);
    }

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException when a component is outside the range documented above
     */
    public MetaEntry {
        Objects.requireNonNull(filter, "filter");
        if (blockCount < 1 || blockCount > MAX_BLOCK_COUNT) {
            throw new IllegalArgumentException("blockCount: " + blockCount + " (expected: 1.." + MAX_BLOCK_COUNT + ")");
        }
        if (Long.compareUnsigned(minHash, maxHash) > 0) {
            throw new IllegalArgumentException("minHash 0x" + Long.toHexString(minHash) + " is above maxHash 0x"
                    + Long.toHexString(maxHash) + " (unsigned)");
        }
        if (sstSize < 0) {
            throw new IllegalArgumentException("sstSize: " + sstSize + " (expected: >= 0)");
        }
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("flags: 0x" + Integer.toHexString(flags)
                    + " (expected: only the COLD and FRESH bits)");
        }
        if (entryCount < 0) {
            throw new IllegalArgumentException("entryCount: " + entryCount + " (expected: >= 0)");
        }
    }

    /** {@return whether {@link #COLD} is set} */
    public boolean cold() {
        return (flags & COLD) != 0;
    }

    /** {@return whether {@link #FRESH} is set} */
    public boolean fresh() {
        return (flags & FRESH) != 0;
    }
}
