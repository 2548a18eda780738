package io.turbokv.meta;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What a meta file says about one SST file it adds: enough to skip the SST without opening it (hash range, key
 * filter) and to check it when it is opened (block count, size).
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
 * @param filter     the SST's key filter, opaque bytes (may be empty); a slice of the mapping when read from a
 *                   {@link MetaFile}, valid until that file is closed
 */
public record MetaEntry(int sstSeq, int blockCount, long minHash, long maxHash, long sstSize, int flags,
                        long entryCount, MemorySegment filter) {
    /** Flag: the SST holds keys that no read touched lately (the cold side of the warm/cold split). */
    public static final int COLD = 1;
    /** Flag: the SST was written by a commit and never compacted. */
    public static final int FRESH = 2;
    /** The largest block count: block indexes are u16. */
    static final int MAX_BLOCK_COUNT = 0xFFFF;
    /** Every flag bit this format version knows. */
    static final int KNOWN_FLAGS = COLD | FRESH;

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
