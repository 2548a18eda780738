package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The layout of a whole SST file and its block offset table (DESIGN.md §2.3). There is no file header; the block
 * count {@code N} is kept by the meta entry. All integers big-endian.
 *
 * <pre>
 * offset        size   field
 * 0             ...    block 0 .. block N-1, back to back, each framed as {@link BlockFraming} describes;
 *                      value and key blocks interleaved in any order, the index block ({@link IndexBlock}) last
 * file - 4N     4N     u32 end offset of block i (from the file start); block i spans [end(i-1) or 0, end(i))
 * </pre>
 *
 * <p>Every span is at least the 8-byte block header, and the last block ends where the table starts.
 * An instance is the writer's growing list of end offsets; {@link #read} validates a table on disk.
 */
final class BlockOffsetTable {
    static final int ENTRY_LENGTH = 4;

    private int[] ends = new int[64];
    private int count;

    /** Records that the next block ends at {@code endOffset}; returns its block index. */
    int add(long endOffset) {
        if (count == ends.length) {
            ends = Arrays.copyOf(ends, count * 2);
        }
        ends[count] = (int) endOffset;
        return count++;
    }

    /** Blocks recorded so far. */
    int count() {
        return count;
    }

    /** The table as written at the end of the file. */
    MemorySegment encode() {
        MemorySegment table = MemorySegment.ofArray(new byte[count * ENTRY_LENGTH]);
        for (int i = 0; i < count; i++) {
            table.set(Bytes.BE_INT, (long) i * ENTRY_LENGTH, ends[i]);
        }
        return table;
    }

    /**
     * Reads and validates the offset table of {@code file}, which must hold {@code blockCount} blocks.
     *
     * @return the end offset of each block (unsigned u32 values in {@code int}s)
     */
    static int[] read(MemorySegment file, int blockCount, Path path) throws CorruptionException {
        long tableStart = file.byteSize() - (long) blockCount * ENTRY_LENGTH;
        if (blockCount < 1 || blockCount > SstLimits.MAX_BLOCK_COUNT
                || tableStart < (long) blockCount * BlockFraming.HEADER_LENGTH) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "block count does not fit the file: expected=1..%d blocks of >= %d bytes plus %d bytes each"
                            + " in %d bytes, found=%d blocks", SstLimits.MAX_BLOCK_COUNT,
                    BlockFraming.HEADER_LENGTH, ENTRY_LENGTH, file.byteSize(), blockCount),
                    path, CorruptionException.NO_OFFSET);
        }
        int[] ends = new int[blockCount];
        long previous = 0;
        for (int i = 0; i < blockCount; i++) {
            long offset = tableStart + (long) i * ENTRY_LENGTH;
            long end = Bytes.u32(file, offset);
            long limit = i == blockCount - 1 ? tableStart : tableStart - (long) (blockCount - 1 - i)
                    * BlockFraming.HEADER_LENGTH;
            if (end < previous + BlockFraming.HEADER_LENGTH || end > limit
                    || (i == blockCount - 1 && end != tableStart)) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "block %d end offset out of order: expected=%d..%d found=%d", i,
                        previous + BlockFraming.HEADER_LENGTH, limit, end), path, offset);
            }
            ends[i] = (int) end;
            previous = end;
        }
        return ends;
    }
}
