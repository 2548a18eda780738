package io.turbokv.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The key shapes of the benchmarks. Key {@code i} of a data set is a pure function of {@code i}, so every store
 * and every fork sees the same keys; indices {@code >= entries} give keys that are absent.
 */
public enum KeyKind {
    /** 4-byte big-endian int {@code i}, written in ascending order (sorted for LMDB and RocksDB). */
    INT_SEQ("int-seq", Integer.BYTES),
    /** 4-byte big-endian int {@code i}, written in a shuffled order. */
    INT_RND("int-rnd", Integer.BYTES),
    /** 16 pseudo-random bytes (two bijective 64-bit mixes of {@code i}), written in index order. */
    BYTES16("bytes16", 16);

    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    private final String label;
    private final int lengthBytes;

    KeyKind(String label, int lengthBytes) {
        this.label = label;
        this.lengthBytes = lengthBytes;
    }

    /** The name used in JMH parameters and tables. */
    public String label() {
        return label;
    }

    /** Key length in bytes. */
    public int lengthBytes() {
        return lengthBytes;
    }

    /** The kind named {@code label} ({@code int-seq}, {@code int-rnd}, {@code bytes16}). */
    public static KeyKind of(String label) {
        for (KeyKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "key kind '%s' (expected: int-seq, int-rnd or bytes16)", label));
    }

    /** Writes key {@code index} into {@code target} at {@code offset} ({@link #lengthBytes()} bytes). */
    public void write(long index, MemorySegment target, long offset) {
        if (lengthBytes == Integer.BYTES) {
            target.set(BE_INT, offset, (int) index);
        } else {
            target.set(BE_LONG, offset, mix(index));
            target.set(BE_LONG, offset + Long.BYTES, mix(index + GOLDEN));
        }
    }

    /** Key {@code index} as a new array. */
    public byte[] bytes(long index) {
        byte[] key = new byte[lengthBytes];
        write(index, MemorySegment.ofArray(key), 0);
        return key;
    }

    /**
     * The order in which the {@code entries} keys are written: ascending for {@link #INT_SEQ} and
     * {@link #BYTES16} (whose keys are random already), a fixed shuffle for {@link #INT_RND}.
     */
    public int[] writeOrder(int entries) {
        int[] order = new int[entries];
        for (int i = 0; i < entries; i++) {
            order[i] = i;
        }
        if (this == INT_RND) {
            SplittableRandom random = new SplittableRandom(42);
            for (int i = entries - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer: a bijection, so distinct indices give distinct keys. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
