package io.turbokv.io;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32;

/** Edits the bytes of a control file ({@code CURRENT}, {@code .del}, {@code SCHEMA}) for the damage tests. */
final class ControlFileBytes {
    private ControlFileBytes() {}

    /** A copy of {@code bytes} with bit {@code bit} (0 = the lowest bit of byte 0) flipped. */
    static byte[] flipBit(byte[] bytes, int bit) {
        byte[] flipped = bytes.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        return flipped;
    }

    /** A copy of {@code bytes} with the u32 at {@code offset} set to {@code value} and the CRC-32 trailer redone. */
    static byte[] withWordResigned(byte[] bytes, long offset, int value) {
        byte[] edited = bytes.clone();
        MemorySegment.ofArray(edited).set(Bytes.BE_INT, offset, value);
        return resigned(edited);
    }

    /** {@code bytes} (edited in place) with its CRC-32 trailer set over every byte before it, as a writer would. */
    static byte[] resigned(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        MemorySegment.ofArray(bytes).set(Bytes.BE_INT, bytes.length - 4, (int) crc.getValue());
        return bytes;
    }
}
