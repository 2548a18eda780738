package io.turbokv.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One benchmark data set: {@code entries} keys of one {@link KeyKind} with values of {@code valueBytes} bytes.
 * Value {@code i} is a window of a 16 MiB pool of random bytes (seeded, so every store and fork gets the same
 * values) at a pseudo-random offset: neighbouring values differ, so LZ4 gains nothing in any store.
 *
 * <p>In the multi-valued variant the same {@code entries} values belong to {@code entries / }{@value #VALUES_PER_KEY}
 * keys, {@value #VALUES_PER_KEY} values each: value {@code j} of key {@code k} is value {@code k * 8 + j}.
 *
 * <p>Immutable; thread-safe. The pool is a direct buffer, freed by the garbage collector.
 */
public final class Dataset implements AutoCloseable {
    /** Values per key in the multi-valued variant. */
    public static final int VALUES_PER_KEY = 8;
    private static final long POOL_BYTES = 16L << 20;

    private final KeyKind keys;
    private final int entries;
    private final int valueBytes;
    private final ByteBuffer poolBuffer;
    private final MemorySegment pool;
    private final boolean compressible;

    /** A data set of incompressible values; allocates and fills the value pool. */
    public Dataset(KeyKind keys, int entries, int valueBytes) {
        this(keys, entries, valueBytes, false);
    }

    /**
     * A data set; allocates and fills the value pool. With {@code compressible}, every other 8 bytes of the pool
     * are zero, so that LZ4 stores the blocks of a store compressed (about 0.6 of their size) and its block caches
     * come into play (a store caches only compressed blocks, decoded); the {@link #name()} then ends in {@code -z}.
     */
    public Dataset(KeyKind keys, int entries, int valueBytes, boolean compressible) {
        if (entries < VALUES_PER_KEY || valueBytes < 1 || valueBytes > 1 << 20) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "entries=%d valueBytes=%d (expected: entries >= %d, 1 <= valueBytes <= 1 MiB)", entries,
                    valueBytes, VALUES_PER_KEY));
        }
        this.keys = keys;
        this.entries = entries;
        this.valueBytes = valueBytes;
        // A direct buffer rather than an arena: lmdbjava needs the address of buffers over the pool, which the JDK
        // refuses for buffers of a closeable shared arena.
        this.poolBuffer = ByteBuffer.allocateDirect((int) POOL_BYTES);
        this.pool = MemorySegment.ofBuffer(poolBuffer);
        SplittableRandom random = new SplittableRandom(7);
        for (long offset = 0; offset < POOL_BYTES; offset += Long.BYTES) {
            boolean zero = compressible && (offset & Long.BYTES) != 0;
            pool.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, zero ? 0 : random.nextLong());
        }
        this.compressible = compressible;
    }

    /** The key shape. */
    public KeyKind keys() {
        return keys;
    }

    /** Number of values (and, single-valued, of keys). */
    public int entries() {
        return entries;
    }

    /** Keys of the multi-valued variant. */
    public int multiKeys() {
        return entries / VALUES_PER_KEY;
    }

    /** Value length in bytes. */
    public int valueBytes() {
        return valueBytes;
    }

    /** Offset of value {@code i} in {@link #pool()}. */
    public long valueOffset(long i) {
        return Long.remainderUnsigned(i * 0x9E37_79B1L, POOL_BYTES - valueBytes);
    }

    /** Value {@code i} as a slice of the pool (allocates the slice object). */
    public MemorySegment value(long i) {
        return pool.asSlice(valueOffset(i), valueBytes);
    }

    /** Value {@code i} as a direct buffer over the pool (allocates the buffer object). */
    public ByteBuffer valueBuffer(long i) {
        return poolBuffer.slice((int) valueOffset(i), valueBytes);
    }

    /** The value pool (native memory). */
    public MemorySegment pool() {
        return pool;
    }

    /** A short name for directories and tables, e.g. {@code int-rnd-100B-1000000}. */
    public String name() {
        return keys.label() + "-" + valueBytes + "B-" + entries + (compressible ? "-z" : "");
    }

    /** Nothing to free (kept so that benchmarks end a data set's use explicitly). */
    @Override
    public void close() {
        // the pool is a direct buffer: the garbage collector frees it
    }
}
