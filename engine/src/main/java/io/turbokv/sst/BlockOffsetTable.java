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
 * An instance is the writer's growing list of end offsets; {@link #tableStart} and {@link #readEnd} validate a
 * table on disk, an entry at a time.
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
     * Checks that {@code file} can hold {@code blockCount} blocks and their offset table, and returns where the
     * table starts. The entries themselves are read by {@link #readEnd}, each at the first use of a block it
     * bounds: an open reads three of them (the index block's two and the one before, see {@link SstReader}), not
     * the whole table (at 1,000,000 entries reading a table of some thousand entries was half of an SST's open in
     * a CPU profile: docs/perf/open-and-filter.md).
     *
     * @return the table's offset in the file
     */
    static long tableStart(MemorySegment file, int blockCount, Path path) throws CorruptionException {
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
        return tableStart;
    }

    /**
     * Reads the end offset of block {@code block} from the table at {@code tableStart} and checks it against
     * everything that bounds it without reading another entry: at least one header per block up to it, room for
     * one header per block after it, and the last block ending where the table starts. Whether it lies at least a
     * header past the entry before it is the caller's check: {@link SstReader} compares the two entries that bound
     * a block at each use of the block, and at its first use also the two before (its start against the start of
     * the block before it), so every entry a block's span rests on is checked exactly as a whole-table pass would
     * check it, and no damaged entry gives a block a span reaching into the block before it.
     *
     * @return the end offset, at least {@link BlockFraming#HEADER_LENGTH} (never 0)
     */
    static long readEnd(MemorySegment file, long tableStart, int blockCount, int block, Path path)
            throws CorruptionException {
        long offset = tableStart + (long) block * ENTRY_LENGTH;
        long end = Bytes.u32(file, offset);
        long lowest = (long) (block + 1) * BlockFraming.HEADER_LENGTH;
        long limit = tableStart - (long) (blockCount - 1 - block) * BlockFraming.HEADER_LENGTH;
        if (end < lowest || end > limit || (block == blockCount - 1 && end != tableStart)) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "block %d end offset: expected=%d..%d found=%d", block,
                    block == blockCount - 1 ? tableStart : lowest, limit, end), path, offset);
        }
        return end;
    }
}
