package io.turbokv.io;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32;

/**
 * CRC-32 (IEEE / zlib polynomial, as {@code crc32fast} computes it) over a {@link MemorySegment}, straight from
 * heap, native or mapped memory. {@link CRC32} is a JIT intrinsic (carry-less multiply) on x86-64 and AArch64.
 */
public final class Crc32 {
    private Crc32() {}

    /** The CRC-32 of all of {@code bytes}, as an unsigned 32-bit value in an {@code int}. */
    public static int of(MemorySegment bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }
}
