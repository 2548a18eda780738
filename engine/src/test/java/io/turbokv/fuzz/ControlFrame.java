package io.turbokv.fuzz;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * The fuzz tests' own model of the frame of {@code CURRENT}, {@code .del} and {@code SCHEMA} (magic, u32 format
 * version, body, CRC-32 trailer over every byte before it), written from the owners' layout tables rather than
 * from their code, so that it judges the readers independently.
 */
final class ControlFrame {
    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final int CURRENT_MAGIC = 0x544B_5643;
    static final int DELETION_MAGIC = 0x544B_5644;
    static final int SCHEMA_MAGIC = 0x544B_5653;
    static final int VERSION = 1;
    static final int HEADER = 8;
    static final int TRAILER = 4;

    private ControlFrame() {}

    /** Whether {@code file} has {@code magic} and a CRC-32 trailer that holds: an intact file of that kind. */
    static boolean intact(byte[] file, int magic) {
        if (file.length < HEADER + TRAILER || word(file, 0) != magic) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update(file, 0, file.length - TRAILER);
        return (int) crc.getValue() == word(file, file.length - TRAILER);
    }

    /** The big-endian u32 at {@code offset}. */
    static int word(byte[] file, long offset) {
        return MemorySegment.ofArray(file).get(BE_INT, offset);
    }
}
