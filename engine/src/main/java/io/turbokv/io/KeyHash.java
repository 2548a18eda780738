package io.turbokv.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import net.openhft.hashing.Access;
import net.openhft.hashing.LongHashFunction;

/**
 * The key hash: XXH64 with seed 0 over the key's bytes, as turbo-persistence computes it. The
 * hash orders every file (unsigned), addresses the filters and picks SSTs by range.
 *
 * <p>Computed with zero-allocation-hashing's XXH64 wherever the key lies, with no copy. The bytes are read through
 * {@link MemorySegment} accessors rather than the library's {@code sun.misc.Unsafe} path: bounds and liveness are
 * checked (a key in a closed arena throws {@link IllegalStateException} instead of crashing the JVM), and JDK 24+
 * prints no deprecation warning. Composite keys hash as their concatenation, and one-shot equals streaming.
 */
public final class KeyHash {
    private static final LongHashFunction XX64 = LongHashFunction.xx(0);
    private static final ValueLayout.OfLong LE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final SegmentAccess SEGMENT_ACCESS = new SegmentAccess();

    private KeyHash() {}

    /**
     * {@return the hash of the whole array}
     *
     * @param key the key's bytes
     */
    public static long hash(byte[] key) {
        return hash(MemorySegment.ofArray(key));
    }

    /**
     * {@return the hash of {@code key[offset, offset + length)}}
     *
     * @param key    the array holding the key
     * @param offset where the key starts in {@code key}
     * @param length the key's length in bytes
     */
    public static long hash(byte[] key, int offset, int length) {
        return hash(MemorySegment.ofArray(key), offset, length);
    }

    /**
     * {@return the hash of the whole segment (heap or native)}
     *
     * @param key the key's bytes
     */
    public static long hash(MemorySegment key) {
        return XX64.hash(key, SEGMENT_ACCESS, 0, key.byteSize());
    }

    /**
     * {@return the hash of {@code key[offset, offset + length)}}
     *
     * @param key    the segment holding the key
     * @param offset where the key starts in {@code key}
     * @param length the key's length in bytes
     */
    public static long hash(MemorySegment key, long offset, long length) {
        return XX64.hash(key, SEGMENT_ACCESS, offset, length);
    }

    /** Reads little-endian words, as XXH64 consumes them, through bounds-checked segment access. */
    private static final class SegmentAccess extends Access<MemorySegment> {
        @Override
        public long getLong(MemorySegment input, long offset) {
            return input.get(LE_LONG, offset);
        }

        @Override
        public long getUnsignedInt(MemorySegment input, long offset) {
            return input.get(LE_INT, offset) & 0xFFFF_FFFFL;
        }

        @Override
        public int getInt(MemorySegment input, long offset) {
            return input.get(LE_INT, offset);
        }

        @Override
        public int getUnsignedShort(MemorySegment input, long offset) {
            return input.get(LE_SHORT, offset) & 0xFFFF;
        }

        @Override
        public int getShort(MemorySegment input, long offset) {
            return input.get(LE_SHORT, offset);
        }

        @Override
        public int getUnsignedByte(MemorySegment input, long offset) {
            return input.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
        }

        @Override
        public int getByte(MemorySegment input, long offset) {
            return input.get(ValueLayout.JAVA_BYTE, offset);
        }

        @Override
        public ByteOrder byteOrder(MemorySegment input) {
            return ByteOrder.LITTLE_ENDIAN;
        }

        @Override
        protected Access<MemorySegment> reverseAccess() {
            throw new UnsupportedOperationException("XXH64 reads little-endian only");
        }
    }
}
