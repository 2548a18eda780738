package io.turbokv.io;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * CRC-32 (IEEE / zlib polynomial, as {@code crc32fast} computes it) over a {@link MemorySegment}, straight from
 * heap, native or mapped memory. {@link CRC32} is a JIT intrinsic (carry-less multiply) on x86-64 and AArch64.
 */
public final class Crc32 {
    private Crc32() {}

    /**
     * The CRC-32 of the 4 big-endian bytes of {@code word} followed by all of {@code bytes}: how TurboKV checksums
     * a length word together with the bytes it describes, so that damage to either is caught.
     *
     * @param word  the length word checksummed first
     * @param bytes the bytes it describes
     * @return the checksum, as an unsigned 32-bit value in an {@code int}
     */
    public static int of(int word, MemorySegment bytes) {
        CRC32 crc = new CRC32();
        crc.update(word >>> 24);
        crc.update(word >>> 16);
        crc.update(word >>> 8);
        crc.update(word);
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * As {@link #of(int, MemorySegment)}, over {@code bytes[position, limit)}, with {@code crc} (reset first) as
     * the caller's reusable state: allocates nothing when {@code bytes} is direct or has an accessible array.
     * Consumes {@code bytes}: its position is at its limit on return.
     *
     * @param crc   the caller's checksum state, reset here
     * @param word  the length word checksummed first
     * @param bytes the bytes it describes, from its position to its limit
     * @return the checksum, as an unsigned 32-bit value in an {@code int}
     */
    public static int of(CRC32 crc, int word, ByteBuffer bytes) {
        crc.reset();
        crc.update(word >>> 24);
        crc.update(word >>> 16);
        crc.update(word >>> 8);
        crc.update(word);
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /**
     * {@return the CRC-32 of all of {@code bytes}, as an unsigned 32-bit value in an {@code int}}
     *
     * @param bytes the bytes to checksum
     */
    public static int of(MemorySegment bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }
}
