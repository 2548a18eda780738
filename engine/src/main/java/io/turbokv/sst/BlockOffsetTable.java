package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The layout of a whole SST file and its block offset table. There is no file header; the block
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
 *
 * <p>The writer's list is kept off the heap and already encoded (big-endian u32s, as on disk), so recording a block
 * allocates nothing and writing the table copies nothing: on the heap, a doubling {@code int[]} and its encoded
 * copy cost about 17 bytes per block (measured by {@code SstWriterBlockAllocationTest}). Like
 * {@link KeyHashList}, the memory is a confined {@link Arena} opened by the first {@link #add} and replaced by one
 * twice as large when full (the old one freed right after the copy); every later call, {@link #close()} included,
 * must come from that thread, the writer's.
 */
final class BlockOffsetTable implements AutoCloseable {
    static final int ENTRY_LENGTH = 4;
    /** 1,024 blocks: 4 KiB. */
    private static final long INITIAL_CAPACITY = 1024;

    private Arena arena;
    private MemorySegment ends;
    private int count;

    /** Records that the next block ends at {@code endOffset}; returns its block index. */
    int add(long endOffset) {
        if (ends == null) {
            arena = Arena.ofConfined();
            ends = arena.allocate(INITIAL_CAPACITY * ENTRY_LENGTH);
        } else if ((long) count * ENTRY_LENGTH == ends.byteSize()) {
            Arena grown = Arena.ofConfined();
            MemorySegment bigger = grown.allocate(ends.byteSize() * 2);
            MemorySegment.copy(ends, 0, bigger, 0, ends.byteSize());
            arena.close();
            arena = grown;
            ends = bigger;
        }
        ends.set(Bytes.BE_INT, (long) count * ENTRY_LENGTH, (int) endOffset);
        return count++;
    }

    /** Blocks recorded so far. */
    int count() {
        return count;
    }

    /** The table as written at the end of the file: a view valid until the next {@link #add} or {@link #close()}. */
    MemorySegment encode() {
        return ends == null ? MemorySegment.NULL : ends.asSlice(0, (long) count * ENTRY_LENGTH);
    }

    /** Frees the memory ({@link #count()} stays); idempotent. Must run on the thread that made the first add. */
    @Override
    public void close() {
        if (arena != null) {
            Arena open = arena;
            arena = null;
            ends = null;
            open.close();
        }
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
                            + " in %d bytes, found=%d blocks",
                    SstLimits.MAX_BLOCK_COUNT,
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
