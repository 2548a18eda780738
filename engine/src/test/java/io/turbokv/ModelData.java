package io.turbokv;

import io.turbokv.sst.SstLimits;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The keys and values the model tests write. Each is a pure function of a small description, so that the model
 * holds descriptions (a key's index, a value's size and seed) instead of bytes, and a value read back can be decoded
 * into its description and verified in one pass.
 *
 * <p><b>Tracked keys</b> are a fixed table whose lengths sit on every boundary of the key encoding: empty, 1 byte,
 * 15/16 (key blocks with a longest key under 16 bytes are never compressed), 32/33 (blocks whose keys have at most
 * 32 bytes may omit the hashes), 1,000, 16,364/16,365 (exactly one key block's budget with its 20 bytes of overhead,
 * and one byte over), and 70,000 (beyond a 16-bit length). Many share long prefixes, some are prefixes of others,
 * some differ only in their last byte, and a few hold 0x00 and 0xFF bytes.
 *
 * <p><b>Filler keys</b> are written in bulk: byte 0x01 (which no tracked key starts with), a style byte, padding for
 * the long style, then the index as 4 big-endian bytes, so that consecutive fillers share all but their last bytes.
 *
 * <p><b>Values</b> ({@link Value}): up to 8 bytes, the top {@code size} bytes of the seed (big-endian); longer,
 * the seed's 8 bytes followed by pseudo-random bytes drawn from the seed up to {@value #RANDOM_BODY_LIMIT} bytes
 * (incompressible), or, longer still, zeros ending in the seed again (compressible, so that 64 MiB values and blobs
 * cost little disk).
 */
final class ModelData {
    /** Values longer than this have a zero body: cheap to write, compress and compare. */
    static final int RANDOM_BODY_LIMIT = 64 << 10;
    /** The largest value that is still stored in an SST. */
    static final int MAX_MEDIUM = SstLimits.MAX_MEDIUM_VALUE_SIZE;
    /** The smallest value that goes to a blob file. */
    static final int SMALLEST_BLOB = MAX_MEDIUM + 1;

    private static final byte FILLER_MARK = 0x01;
    private static final int LONG_FILLER_PADDING = 250;
    private static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Zeros to compare long value bodies against (a blob's body is at most this long). */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[SMALLEST_BLOB]);
    /** Values up to this size are allocated per write; larger ones use one shared array ({@link #withLargeValue}). */
    static final int ALLOCATED_LIMIT = 4 << 20;
    /** One shared array for values too large to allocate per write; see {@link #withLargeValue}. */
    private static byte[] largeValue;

    private static final List<byte[]> TRACKED = trackedKeys();
    private static final Map<ByteBuffer, Integer> TRACKED_INDEX = indexOf(TRACKED);

    private ModelData() {}

    /** The number of tracked keys. */
    static int trackedKeyCount() {
        return TRACKED.size();
    }

    /** Tracked key {@code index} (a fresh copy: a caller may hand it to a batch). */
    static byte[] trackedKey(int index) {
        return TRACKED.get(index).clone();
    }

    /** The length of tracked key {@code index}. */
    static int trackedKeyLength(int index) {
        return TRACKED.get(index).length;
    }

    private static List<byte[]> trackedKeys() {
        List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[0]);
        keys.add(ascii("k"));
        keys.add(ascii("k0"));
        keys.add(ascii("k1"));
        keys.add(new byte[] {0});
        keys.add(new byte[] {0, 0});
        byte[] high = new byte[40];
        Arrays.fill(high, (byte) 0xFF);
        keys.add(high);
        keys.add(ascii("key-0001"));
        keys.add(ascii("key-0002"));
        String shared = "shared/prefix/".repeat(80);
        for (int length : new int[] {15, 16, 32, 33}) {
            keys.add(ascii(shared.substring(0, length))); // a prefix of the next two
            keys.add(ascii(shared.substring(0, length - 1) + "a"));
            keys.add(ascii(shared.substring(0, length - 1) + "b"));
        }
        keys.add(ascii(shared.substring(0, 999)));
        keys.add(ascii(shared.substring(0, 999) + "a"));
        keys.add(ascii(shared.substring(0, 999) + "b"));
        keys.add(ascii("x" + shared.substring(1, 1000))); // the same length, differing in the first byte
        int keyBlockBudget = SstLimits.DEFAULT_KEY_BLOCK_SIZE - SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD;
        keys.add(filled(keyBlockBudget, 'p'));
        keys.add(filled(keyBlockBudget + 1, 'p'));
        keys.add(filled(70_000, 'q'));
        return List.copyOf(keys);
    }

    private static byte[] filled(int length, char c) {
        byte[] key = new byte[length];
        Arrays.fill(key, (byte) c);
        key[length - 1] = (byte) '!';
        return key;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Map<ByteBuffer, Integer> indexOf(List<byte[]> keys) {
        Map<ByteBuffer, Integer> index = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).length > 0 && keys.get(i)[0] == FILLER_MARK) {
                throw new IllegalStateException("tracked key " + i + " starts like a filler");
            }
            if (index.put(ByteBuffer.wrap(keys.get(i)), i) != null) {
                throw new IllegalStateException("tracked key " + i + " twice");
            }
        }
        return Collections.unmodifiableMap(index);
    }

    /** How filler keys look: short ones, or 256-byte ones of which only the last 4 bytes differ. */
    enum FillerStyle {
        SHORT('s', 0), LONG('l', LONG_FILLER_PADDING);

        /** The bytes every filler of the style starts with: all but the index. */
        private final MemorySegment prefix;

        FillerStyle(char mark, int padding) {
            byte[] prefix = new byte[2 + padding];
            prefix[0] = FILLER_MARK;
            prefix[1] = (byte) mark;
            Arrays.fill(prefix, 2, prefix.length, (byte) 'f');
            this.prefix = MemorySegment.ofArray(prefix);
        }

        /** Filler {@code index} of this style. */
        byte[] key(int index) {
            byte[] key = new byte[keyLength()];
            MemorySegment.copy(prefix, 0, MemorySegment.ofArray(key), 0, prefix.byteSize());
            ByteBuffer.wrap(key).putInt((int) prefix.byteSize(), index);
            return key;
        }

        int keyLength() {
            return (int) prefix.byteSize() + 4;
        }
    }

    /** Who a key read back is: a tracked key, a filler, or something the model never wrote. */
    sealed interface KeyId permits Tracked, Filler, Unknown {}

    /** Tracked key {@code index}. */
    record Tracked(int index) implements KeyId {}

    /** Filler {@code index} of {@code style}. */
    record Filler(FillerStyle style, int index) implements KeyId {}

    /** A key the model never wrote. */
    record Unknown(String hex) implements KeyId {}

    /** Identifies {@code key} (a segment valid during the call). */
    static KeyId identify(MemorySegment key) {
        long length = key.byteSize();
        if (length > 0 && key.get(ValueLayout.JAVA_BYTE, 0) == FILLER_MARK) {
            for (FillerStyle style : FillerStyle.values()) {
                if (length == style.keyLength() && MemorySegment.mismatch(key, 0, length - 4, style.prefix, 0,
                        length - 4) == -1) {
                    int index = key.get(BE_INT, length - 4);
                    if (index >= 0) {
                        return new Filler(style, index);
                    }
                }
            }
        } else if (length <= 70_000) {
            Integer index = TRACKED_INDEX.get(ByteBuffer.wrap(key.toArray(ValueLayout.JAVA_BYTE)));
            if (index != null) {
                return new Tracked(index);
            }
        }
        return new Unknown(hexPrefix(key));
    }

    private static String hexPrefix(MemorySegment bytes) {
        long shown = Math.min(bytes.byteSize(), 48);
        return java.util.HexFormat.of().formatHex(bytes.asSlice(0, shown).toArray(ValueLayout.JAVA_BYTE))
                + (shown < bytes.byteSize() ? "... (" + bytes.byteSize() + " bytes)" : "");
    }

    /** A 64-bit mix (the SplitMix64 finaliser): distinct inputs give unrelated outputs. */
    static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /**
     * A value by description: {@code size} bytes derived from {@code seed} (see {@link ModelData}). Canonical:
     * values of at most 8 bytes keep only the seed bits they hold, so two descriptions are equal exactly when their
     * bytes are.
     */
    record Value(int size, long seed) implements Comparable<Value> {
        Value {
            if (size < 0) {
                throw new IllegalArgumentException("size " + size);
            }
            seed = size >= 8 ? seed : size == 0 ? 0 : seed & (-1L << (64 - 8 * size));
        }

        /** The bytes; not for values over {@value #ALLOCATED_LIMIT} bytes, see {@link #withLargeValue}. */
        byte[] bytes() {
            if (size > ALLOCATED_LIMIT) {
                throw new IllegalStateException("allocate " + size + " bytes per value: use withLargeValue");
            }
            byte[] bytes = new byte[size];
            fill(bytes);
            return bytes;
        }

        private void fill(byte[] bytes) {
            MemorySegment segment = MemorySegment.ofArray(bytes);
            if (size < 8) {
                for (int i = 0; i < size; i++) {
                    bytes[i] = (byte) (seed >>> (56 - 8 * i));
                }
                return;
            }
            segment.set(BE_LONG, 0, seed);
            if (size <= RANDOM_BODY_LIMIT) {
                randomBody(bytes, seed);
            } else {
                segment.set(BE_LONG, size - 8, seed);
            }
        }

        @Override
        public int compareTo(Value other) {
            int bySize = Integer.compare(size, other.size);
            return bySize != 0 ? bySize : Long.compare(seed, other.seed);
        }

        @Override
        public String toString() {
            return size + "B#" + Long.toHexString(seed);
        }
    }

    /** Bytes {@code [8, length)} of a value with a random body. */
    private static void randomBody(byte[] bytes, long seed) {
        long state = seed;
        for (int i = 8; i < bytes.length; i += 8) {
            state += 0x9E3779B97F4A7C15L;
            long word = mix(state);
            for (int b = 0; b < 8 && i + b < bytes.length; b++) {
                bytes[i + b] = (byte) (word >>> (8 * b));
            }
        }
    }

    /**
     * Hands {@code value}'s bytes to {@code action} as a segment of one shared array, for values too large to
     * allocate on every write (64 MiB and blobs). The segment is valid during the call only.
     */
    static synchronized <E extends Exception> void withLargeValue(Value value, SegmentAction<E> action) throws E {
        if (largeValue == null) {
            largeValue = new byte[SMALLEST_BLOB];
        }
        if (value.size() > largeValue.length || value.size() <= RANDOM_BODY_LIMIT) {
            throw new IllegalArgumentException("not a large value: " + value);
        }
        MemorySegment segment = MemorySegment.ofArray(largeValue).asSlice(0, value.size());
        segment.set(BE_LONG, 0, value.seed());
        segment.set(BE_LONG, value.size() - 8, value.seed());
        try {
            action.accept(segment);
        } finally {
            segment.set(BE_LONG, 0, 0);
            segment.set(BE_LONG, value.size() - 8, 0);
        }
    }

    /** What {@link #withLargeValue} runs. */
    @FunctionalInterface
    interface SegmentAction<E extends Exception> {
        void accept(MemorySegment segment) throws E;
    }

    /** Runs {@code action} on {@code value}'s bytes, allocating them only when they are small enough. */
    static <E extends Exception> void withBytes(Value value, SegmentAction<E> action) throws E {
        if (value.size() > ALLOCATED_LIMIT) {
            withLargeValue(value, action);
        } else {
            action.accept(MemorySegment.ofArray(value.bytes()));
        }
    }

    /**
     * Decodes a value read back into its description, verifying every byte.
     *
     * @param what what was read, for the message of a failure (built only then)
    * @throws AssertionError naming the first wrong byte when the bytes are not those of any description
     */
    static Value decode(MemorySegment found, Supplier<String> what) {
        long length = found.byteSize();
        if (length > Integer.MAX_VALUE) {
            throw new AssertionError(what.get() + ": a value of " + length + " bytes");
        }
        int size = (int) length;
        if (size < 8) {
            long seed = 0;
            for (int i = 0; i < size; i++) {
                seed |= (found.get(ValueLayout.JAVA_BYTE, i) & 0xFFL) << (56 - 8 * i);
            }
            return new Value(size, seed);
        }
        Value value = new Value(size, found.get(BE_LONG, 0));
        long mismatch;
        if (size <= RANDOM_BODY_LIMIT) {
            mismatch = found.mismatch(MemorySegment.ofArray(value.bytes()));
        } else {
            mismatch = MemorySegment.mismatch(found, 8, size - 8, ZEROS, 0, size - 16);
            mismatch = mismatch >= 0 ? 8 + mismatch
                    : found.get(BE_LONG, size - 8) != value.seed() ? size - 8 : -1;
        }
        if (mismatch >= 0) {
            throw new AssertionError(what.get() + ": " + size + " bytes starting with seed "
                    + Long.toHexString(value.seed()) + " differ from that value's bytes at offset " + mismatch);
        }
        return value;
    }

    /** {@link #decode(MemorySegment, Supplier)} of a heap array. */
    static Value decode(byte[] found, Supplier<String> what) {
        return decode(MemorySegment.ofArray(found), what);
    }
}
