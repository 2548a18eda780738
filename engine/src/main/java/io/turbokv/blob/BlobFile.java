package io.turbokv.blob;

import io.turbokv.CorruptionException;
import io.turbokv.ffm.Advice;
import io.turbokv.ffm.LibC;
import io.turbokv.ffm.MappedFile;
import io.turbokv.io.Bytes;
import io.turbokv.io.Crc32;
import io.turbokv.io.Lz4;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A blob file ({@code %08d.blob}): one large value, written once and never modified. All
 * integers are big-endian:
 *
 * <pre>
 * offset size  field
 * 0      4     length: the value's length in bytes, 0..2^31-9 (the largest a Java array or buffer holds)
 * 4      4     CRC-32 of bytes [0, 4) and [8, end): the length word and the body
 * 8      n     body: the value stored raw when n == length, else its LZ4 block (no frame) when n &lt; length
 * </pre>
 *
 * <p>The body is LZ4-compressed only when that saves at least 12.5 % (compressed &lt; length - length / 8, the
 * rule SST blocks follow), so a compressed body is always shorter than the value; the file length alone tells
 * the reader which form it holds, and a body longer than the value is damage. The checksum covers the length
 * word as well as the body (the Rust blob's covers only the body): otherwise a flipped length could make raw
 * bytes decode as LZ4 into a wrong value.
 *
 * <p>Stateless and thread-safe.
 */
public final class BlobFile {
    static final long LENGTH_OFFSET = 0;
    static final long CRC_OFFSET = 4;
    static final long BODY_OFFSET = 8;
    static final long LENGTH_SIZE = 4;
    static final long HEADER_SIZE = BODY_OFFSET;
    /** The longest value: the length is read back as a Java array-sized {@code int}. */
    static final long MAX_VALUE_LENGTH = Integer.MAX_VALUE - 8;
    /** LZ4 expands at most 255-fold; a length claiming more of a compressed body is damage (slack for tiny ones). */
    private static final long MAX_LZ4_EXPANSION = 255;
    private static final long LZ4_EXPANSION_SLACK = 64;
    /** lz4-java refuses inputs from 0x7E000000 bytes on (LZ4_MAX_INPUT_SIZE); longer values are stored raw. */
    static final long MAX_COMPRESSIBLE_LENGTH = 0x7E00_0000L - 1;

    private BlobFile() {}

    /**
     * Writes {@code value} as a complete blob file to {@code out}; does not sync or close it. The value is
     * compressed into off-heap scratch memory that is freed before this returns.
     *
     * @param out   the new, empty file
     * @param value the value: a native, mapped or {@code byte[]}-backed segment of at most 2 GiB - 9 bytes
     * @throws IllegalArgumentException when the value is longer than 2 GiB - 9 bytes
     * @throws IOException              when writing fails
     */
    public static void write(WritableFile out, MemorySegment value) throws IOException {
        long length = value.byteSize();
        if (length > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("value: " + length + " bytes (expected: <= " + MAX_VALUE_LENGTH + ")");
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment compressed = compressIfWorthIt(value, scratch);
            if (compressed != null) {
                writeHeaderAndBody(out, length, compressed);
                return;
            }
        }
        // Stored raw: the scratch is already freed, so a large value is not held twice while it streams out.
        writeHeaderAndBody(out, length, value);
    }

    /** The LZ4 block of {@code value} in {@code scratch} when it saves at least 12.5 %, else {@code null}. */
    private static MemorySegment compressIfWorthIt(MemorySegment value, Arena scratch) {
        long length = value.byteSize();
        if (length > MAX_COMPRESSIBLE_LENGTH) {
            return null;
        }
        MemorySegment compressed = scratch.allocate(Lz4.maxCompressedLength((int) length));
        int compressedLength = Lz4.compress(value, compressed);
        return compressedLength < length - length / 8 ? compressed.asSlice(0, compressedLength) : null;
    }

    private static void writeHeaderAndBody(WritableFile out, long length, MemorySegment body) throws IOException {
        MemorySegment header = MemorySegment.ofArray(new byte[(int) HEADER_SIZE]);
        header.set(Bytes.BE_INT, LENGTH_OFFSET, (int) length);
        header.set(Bytes.BE_INT, CRC_OFFSET, checksum(header, body));
        out.write(header);
        out.write(body);
    }

    /**
     * Reads the value of the blob file {@code path}: maps it ({@link Advice#SEQUENTIAL}), checks the length
     * against the file size and the checksum before decompressing, copies or decompresses the value into memory
     * owned by {@code arena}, and unmaps the file.
     *
     * @param path      the blob file
     * @param arena     the owner of the value's memory
     * @return the value, exactly as written
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     * @throws CorruptionException               on any damage; the message names the file, the offset, and the
     *                                           expected and found values
     * @throws IOException                       when the file cannot be mapped
     */
    public static MemorySegment read(Path path, Arena arena) throws IOException {
        try (MappedFile file = MappedFile.openReadOnly(path)) {
            if (file.byteSize() >= HEADER_SIZE) {
                file.advise(Advice.SEQUENTIAL);
            }
            return read(file.segment(), path, arena);
        }
    }

    /**
     * Reads the value of a blob file already mapped as {@code bytes} (a reader that keeps its blobs mapped), with
     * the checks of {@link #read(Path, Arena)}.
     *
     * @param bytes     the whole blob file as mapped by the caller
     * @param path      the file {@code bytes} maps, for error messages
     * @param arena the owner of the value's memory
     * @return the decompressed value
     * @throws CorruptionException when the header, the length or the compressed data is damaged (the message names
     *                             the file and the offset)
     */
    public static MemorySegment read(MemorySegment bytes, Path path, Arena arena)
            throws CorruptionException {
        long fileLength = bytes.byteSize();
        if (fileLength < HEADER_SIZE) {
            throw corrupt(path, fileLength, "blob header truncated: expected>=%d bytes found=%d", HEADER_SIZE,
                    fileLength);
        }
        long length = Bytes.u32(bytes, LENGTH_OFFSET);
        if (length > MAX_VALUE_LENGTH) {
            throw corrupt(path, LENGTH_OFFSET, "blob length out of range: expected<=%d found=%d",
                    MAX_VALUE_LENGTH, length);
        }
        MemorySegment body = bytes.asSlice(BODY_OFFSET);
        if (body.byteSize() > length) {
            throw corrupt(path, BODY_OFFSET, "blob body longer than its value: expected<=%d bytes found=%d",
                    length, body.byteSize());
        }
        if (body.byteSize() < length && length > body.byteSize() * MAX_LZ4_EXPANSION + LZ4_EXPANSION_SLACK) {
            // checked before the allocation: a damaged length must not make a reader allocate 2 GiB
            throw corrupt(path, LENGTH_OFFSET, "blob length implausible for its %d-byte LZ4 body: expected<=%d"
                    + " found=%d", body.byteSize(), body.byteSize() * MAX_LZ4_EXPANSION + LZ4_EXPANSION_SLACK,
                    length);
        }
        int expectedCrc = bytes.get(Bytes.BE_INT, CRC_OFFSET);
        int foundCrc = checksum(bytes, body);
        if (foundCrc != expectedCrc) {
            throw corrupt(path, CRC_OFFSET, "blob crc mismatch: expected=0x%08x found=0x%08x", expectedCrc,
                    foundCrc);
        }
        // not zeroed: every byte is written below, and zeroing a value of up to 2 GiB first doubled the cost of a read
        MemorySegment value = LibC.malloc(Math.max(length, 1), arena).asSlice(0, length);
        if (body.byteSize() == length) {
            MemorySegment.copy(body, 0, value, 0, length);
        } else {
            Lz4.decompress(body, value, path, BODY_OFFSET);
        }
        return value;
    }

    /** The CRC-32 of the length word at the start of {@code header} followed by {@code body}. */
    private static int checksum(MemorySegment header, MemorySegment body) {
        return Crc32.of(header.get(Bytes.BE_INT, LENGTH_OFFSET), body);
    }

    private static CorruptionException corrupt(Path path, long offset, String format, Object... args) {
        return new CorruptionException(String.format(Locale.ROOT, format, args), path, offset);
    }
}
