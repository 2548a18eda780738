package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.Crc32;
import io.turbokv.io.Lz4;
import io.turbokv.io.WritableFile;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The framing of every SST block: an 8-byte header, then the data. All integers big-endian.
 *
 * <pre>
 * offset size field
 * 0      4    u32 uncompressed length: 0 = data stored as is (its length is span - 8),
 *             else the data is one LZ4 block (no frame) that decodes to exactly this many bytes
 * 4      4    u32 CRC-32 (IEEE) of the uncompressed-length word (bytes 0..3) followed by the data as stored
 *             on disk (after compression)
 * 8      n    data
 * </pre>
 *
 * <p>The CRC covers the length word too (turbo-persistence's covers the data only): otherwise zeroing a
 * compressed block's length would make the reader hand out LZ4 bytes as a stored value, and a stored block given a
 * length would be decoded as LZ4, both with a matching checksum (found by the fuzz tests).
 *
 * <p>The writer keeps the LZ4 form only when it is at least 12.5 % smaller ({@code compressed < len - len/8}, the
 * LevelDB rule), so a compressed block always decodes to more bytes than it stores; the reader relies on that.
 * The reader verifies the CRC before it decodes anything.
 *
 * <p>An instance is the write side: it holds the off-heap compression buffer of one {@link SstWriter}, borrowed
 * from a {@link WriteBufferPool} (a bigger one is borrowed, the old one returned, when a block needs more) and
 * returned in {@link #close()}. The static methods are the read side.
 *
 * <p>Writing a block allocates nothing on the heap: the buffer has one {@link ByteBuffer} view, made when the
 * buffer is borrowed and dropped with it when the buffer goes back to the pool; LZ4
 * ({@link Lz4#compress(ByteBuffer, int, int, ByteBuffer, int, int)}), the CRC (one {@link CRC32}, reset per
 * block) and the file ({@link WritableFile#write(ByteBuffer)}) work on that view and on the caller's, by offsets
 * and limits. A block
 * goes to the file as one write: header and LZ4 data are built in the buffer, and stored data is copied behind
 * the header there, unless it is larger than the buffer (then header and data are two writes).
 */
final class BlockFraming implements AutoCloseable {
    static final int HEADER_LENGTH = 8;
    static final int UNCOMPRESSED_LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    /** LZ4 never expands more than 255-fold; any larger claim is damage (with slack for tiny blocks). */
    private static final long MAX_LZ4_EXPANSION = 256;
    private static final long LZ4_EXPANSION_SLACK = 64;

    private final WriteBufferPool pool;
    private final CRC32 crc = new CRC32();
    /** The borrowed compression buffer, null once returned by {@link #close()}. */
    private WriteBufferPool.Buffer lease;
    private MemorySegment buffer;
    /** The one view of {@link #buffer} (native order, for lz4-java's pure-Java codec), dropped with the lease. */
    private ByteBuffer view;

    BlockFraming(WriteBufferPool pool) {
        this.pool = pool;
        lend(pool.borrow(Lz4.maxCompressedLength(SstLimits.DEFAULT_SMALL_VALUE_BLOCK_SIZE * 2) + HEADER_LENGTH));
    }

    /**
     * Appends one block holding {@code data[position, limit)} (heap or direct) to {@code out}, LZ4-compressed
     * when {@code compressible} and the 12.5 % rule holds, stored as is otherwise. Consumes {@code data}: its
     * position is at its limit on return. Allocates nothing on the heap unless the buffer has to grow.
     */
    void write(WritableFile out, ByteBuffer data, boolean compressible) throws IOException {
        int start = data.position();
        int length = data.remaining();
        if (compressible && length > 0) {
            long needed = HEADER_LENGTH + (long) Lz4.maxCompressedLength(length);
            if (buffer.byteSize() < needed) {
                WriteBufferPool.Buffer grown = pool.borrow(Math.max(needed, buffer.byteSize() * 2));
                WriteBufferPool.Buffer returned = lease;
                lend(grown);
                pool.release(returned);
            }
            int compressedLength = Lz4.compress(data, start, length, view, HEADER_LENGTH,
                    view.capacity() - HEADER_LENGTH);
            if (compressedLength < length - length / 8) {
                data.position(data.limit());
                writeFromBuffer(out, length, compressedLength);
                return;
            }
        }
        if (HEADER_LENGTH + (long) length <= view.capacity()) {
            view.clear(); // the absolute put checks against the limit the last block left
            view.put(HEADER_LENGTH, data, start, length);
            data.position(data.limit());
            writeFromBuffer(out, 0, length);
            return;
        }
        buffer.set(Bytes.BE_INT, UNCOMPRESSED_LENGTH_OFFSET, 0);
        buffer.set(Bytes.BE_INT, CRC_OFFSET, Crc32.of(crc, 0, data));
        data.position(start);
        setRange(view, 0, HEADER_LENGTH);
        out.write(view);
        out.write(data);
    }

    /** Sets the header and writes it and the {@code dataLength} bytes behind it in the buffer. */
    private void writeFromBuffer(WritableFile out, int lengthWord, int dataLength) throws IOException {
        setRange(view, HEADER_LENGTH, HEADER_LENGTH + dataLength);
        buffer.set(Bytes.BE_INT, UNCOMPRESSED_LENGTH_OFFSET, lengthWord);
        buffer.set(Bytes.BE_INT, CRC_OFFSET, Crc32.of(crc, lengthWord, view));
        setRange(view, 0, HEADER_LENGTH + dataLength);
        out.write(view);
    }

    /** Sets {@code bytes}' position and limit to {@code [from, to)}, whatever they were. */
    private static void setRange(ByteBuffer bytes, int from, int to) {
        bytes.limit(to);
        bytes.position(from);
    }

    /** Makes {@code borrowed} the compression buffer, with its one view. */
    private void lend(WriteBufferPool.Buffer borrowed) {
        lease = borrowed;
        buffer = borrowed.segment();
        view = buffer.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** Returns the compression buffer to its pool. Idempotent. */
    @Override
    public void close() {
        if (lease != null) {
            WriteBufferPool.Buffer returned = lease;
            lease = null;
            buffer = null;
            view = null;
            pool.release(returned);
        }
    }

    /** Whether the block spanning {@code [start, start + span)} of {@code file} stores its data as is. */
    static boolean isStored(MemorySegment file, long start) {
        return file.get(Bytes.BE_INT, start + UNCOMPRESSED_LENGTH_OFFSET) == 0;
    }

    /**
     * The decoded length of a compressed block, checked against what its stored length makes possible.
     *
     * @param span the block's length on disk including the header (at least {@value #HEADER_LENGTH}, checked by
     *             the offset table)
     */
    static int compressedBlockLength(MemorySegment file, long start, long span, Path path, int blockIndex)
            throws CorruptionException {
        long length = Bytes.u32(file, start + UNCOMPRESSED_LENGTH_OFFSET);
        long stored = span - HEADER_LENGTH;
        if (length <= stored || length > SstLimits.MAX_BLOCK_LENGTH
                || length > stored * MAX_LZ4_EXPANSION + LZ4_EXPANSION_SLACK) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "block %d: implausible uncompressed length: expected=%d..%d found=%d", blockIndex,
                    stored + 1, Math.min(SstLimits.MAX_BLOCK_LENGTH,
                            stored * MAX_LZ4_EXPANSION + LZ4_EXPANSION_SLACK),
                    length), path, start);
        }
        return (int) length;
    }

    /** Verifies the CRC of the length word and the data of the block spanning {@code [start, start + span)}. */
    static void verifyCrc(MemorySegment file, long start, long span, Path path, int blockIndex)
            throws CorruptionException {
        checkCrc(file, start, Crc32.of(file.get(Bytes.BE_INT, start + UNCOMPRESSED_LENGTH_OFFSET),
                file.asSlice(start + HEADER_LENGTH, span - HEADER_LENGTH)), path, blockIndex);
    }

    /** As {@link #verifyCrc(MemorySegment, long, long, Path, int)}, allocation-free through {@code checksum}. */
    static void verifyCrc(MemorySegment file, long start, long span, Path path, int blockIndex,
                          BlockChecksum checksum)
            throws CorruptionException {
        checkCrc(file, start, checksum.ofBlock(file, start, (int) (span - HEADER_LENGTH)), path, blockIndex);
    }

    private static void checkCrc(MemorySegment file, long start, int found, Path path, int blockIndex)
            throws CorruptionException {
        int expected = file.get(Bytes.BE_INT, start + CRC_OFFSET);
        if (expected != found) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "block %d crc mismatch: expected=0x%08x found=0x%08x", blockIndex, expected, found),
                    path, start);
        }
    }
}
