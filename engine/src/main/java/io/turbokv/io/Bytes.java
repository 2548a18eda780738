package io.turbokv.io;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The value layouts of TurboKV's on-disk integers, all big-endian, and unsigned helpers over
 * {@link MemorySegment}s.
 *
 * <p>Never use the {@code JAVA_*} layouts directly for file bytes: they are in native order (little-endian on
 * x86 and ARM). Every format class reads and writes through these constants.
 */
public final class Bytes {
    /** u16 / i16, big-endian, any alignment. */
    public static final ValueLayout.OfShort BE_SHORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** u32 / i32, big-endian, any alignment. */
    public static final ValueLayout.OfInt BE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** u64 / i64, big-endian, any alignment. */
    public static final ValueLayout.OfLong BE_LONG = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {}

    /**
     * {@return the unsigned byte at {@code offset}}
     *
     * @param segment the bytes to read, such as a mapped file or a block
     * @param offset  where the value starts in {@code segment}
     */
    public static int u8(MemorySegment segment, long offset) {
        return segment.get(JAVA_BYTE, offset) & 0xFF;
    }

    /**
     * {@return the unsigned big-endian 16-bit value at {@code offset}}
     *
     * @param segment the bytes to read, such as a mapped file or a block
     * @param offset  where the value starts in {@code segment}
     */
    public static int u16(MemorySegment segment, long offset) {
        return segment.get(BE_SHORT, offset) & 0xFFFF;
    }

    /**
     * {@return the unsigned big-endian 24-bit value at {@code offset}}
     *
     * @param segment the bytes to read, such as a mapped file or a block
     * @param offset  where the value starts in {@code segment}
     */
    public static int u24(MemorySegment segment, long offset) {
        return (u8(segment, offset) << 16) | u16(segment, offset + 1);
    }

    /**
     * {@return the unsigned big-endian 32-bit value at {@code offset}, widened to {@code long}}
     *
     * @param segment the bytes to read, such as a mapped file or a block
     * @param offset  where the value starts in {@code segment}
     */
    public static long u32(MemorySegment segment, long offset) {
        return segment.get(BE_INT, offset) & 0xFFFF_FFFFL;
    }

    /**
     * Writes the low 24 bits of {@code value}, big-endian, at {@code offset}.
     *
     * @param segment the bytes to write into
     * @param offset  where the three bytes go in {@code segment}
     * @param value   the value to store; its high 8 bits are dropped
     */
    public static void putU24(MemorySegment segment, long offset, int value) {
        segment.set(JAVA_BYTE, offset, (byte) (value >>> 16));
        segment.set(BE_SHORT, offset + 1, (short) value);
    }

    /**
     * Compares {@code a[aOffset, aOffset + aLength)} with {@code b[bOffset, bOffset + bLength)} as unsigned
     * bytes, lexicographically (a shorter prefix sorts first), as {@code Arrays.compareUnsigned} does.
     *
     * @param a       the segment holding the first range
     * @param aOffset where the first range starts in {@code a}
     * @param aLength the first range's length in bytes
     * @param b       the segment holding the second range
     * @param bOffset where the second range starts in {@code b}
     * @param bLength the second range's length in bytes
     * @return a negative number, zero or a positive number as the first range sorts before, equal to or after
     *         the second
     */
    public static int compareUnsigned(MemorySegment a, long aOffset, long aLength,
                                      MemorySegment b, long bOffset, long bLength) {
        long mismatch = MemorySegment.mismatch(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
        if (mismatch < 0) {
            return 0;
        }
        if (mismatch == aLength || mismatch == bLength) {
            return Long.compare(aLength, bLength);
        }
        return Integer.compare(u8(a, aOffset + mismatch), u8(b, bOffset + mismatch));
    }

    /**
     * {@return whether the two ranges hold the same bytes}
     *
     * @param a       the segment holding the first range
     * @param aOffset where the first range starts in {@code a}
     * @param aLength the first range's length in bytes
     * @param b       the segment holding the second range
     * @param bOffset where the second range starts in {@code b}
     * @param bLength the second range's length in bytes
     */
    public static boolean equal(MemorySegment a, long aOffset, long aLength,
                                MemorySegment b, long bOffset, long bLength) {
        return aLength == bLength
                && MemorySegment.mismatch(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength) < 0;
    }
}
