package io.turbokv.sst;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * CRC-32 of a block (its length word and data, see {@link BlockFraming}) without heap allocation, for blocks verified
 * on every load (compressed
 * ones). {@link io.turbokv.io.Crc32#of} wraps each range in a new slice and buffer (measured: about 100 bytes per
 * call on the lookup path, where escape analysis gives up). Here the bytes are copied into an off-heap buffer this
 * object owns and {@link CRC32} (a JIT intrinsic) runs over that buffer's reusable view: a copy of a few KiB costs
 * less than a table-driven CRC in Java would. Not thread-safe; one per scratch object.
 */
final class BlockChecksum implements AutoCloseable {
    /** Where the block's data starts in {@link #copied()}, after its length word. */
    static final int DATA_OFFSET = 4;
    private final BlockBuffer copy;
    private final CRC32 crc = new CRC32();

    /** A checksum whose copy buffer is shared memory. */
    BlockChecksum() {
        this(false);
    }

    /** A checksum whose copy buffer is, {@code confined}, a cursor's ({@link BlockBuffer#BlockBuffer(boolean)}). */
    BlockChecksum(boolean confined) {
        copy = new BlockBuffer(confined);
    }

    /**
     * The CRC-32 of a block's length word ({@code file[start, start + 4)}) followed by its {@code length} data
     * bytes at {@code start + 8}, as {@link BlockFraming} defines it; an unsigned 32-bit value in an {@code int}.
     */
    int ofBlock(MemorySegment file, long start, int length) {
        MemorySegment target = copy.atLeast(4L + length);
        MemorySegment.copy(file, start + BlockFraming.UNCOMPRESSED_LENGTH_OFFSET, target, 0, 4);
        MemorySegment.copy(file, start + BlockFraming.HEADER_LENGTH, target, 4, length);
        ByteBuffer view = copy.byteBuffer();
        view.limit(4 + length).position(0);
        crc.reset();
        crc.update(view);
        return (int) crc.getValue();
    }

    /**
     * {@return the bytes the last {@link #ofBlock} computed its CRC over, as a buffer addressed by absolute offsets:
     * the length word, then the block's data at {@link #DATA_OFFSET}} Valid until the next {@link #ofBlock}.
     */
    ByteBuffer copied() {
        return copy.byteBuffer();
    }

    @Override
    public void close() {
        copy.close();
    }
}
