package io.turbokv.fuzz;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Byte edits a fuzz input applies to a valid file. The input is a list of 5-byte records, each a u32 big-endian
 * position (taken modulo the file length) and the byte to store there; a trailing partial record is ignored.
 *
 * <pre>
 * offset  size  field
 * 5i      4     u32 position of edit i, modulo the file length
 * 5i + 4  1     the new byte
 * </pre>
 */
final class Edits {
    static final int RECORD_LENGTH = 5;
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Edits() {}

    /** A copy of {@code file} with the edits of {@code input[from, input.length)} applied. */
    static byte[] apply(byte[] file, byte[] input, int from) {
        byte[] edited = file.clone();
        if (edited.length == 0) {
            return edited;
        }
        MemorySegment records = MemorySegment.ofArray(input);
        for (int at = from; at + RECORD_LENGTH <= input.length; at += RECORD_LENGTH) {
            long position = Integer.toUnsignedLong(records.get(BE_INT, at)) % edited.length;
            edited[(int) position] = input[at + 4];
        }
        return edited;
    }

    /** The record that stores {@code value} at {@code position}, for seeds. */
    static byte[] record(int position, int value) {
        byte[] record = new byte[RECORD_LENGTH];
        MemorySegment.ofArray(record).set(BE_INT, 0, position);
        record[4] = (byte) value;
        return record;
    }
}
