package io.turbokv.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One store under test, opened on one directory for one {@link Dataset}, single-valued or multi-valued. Key
 * {@code index} means key {@code index} of the data set's {@link KeyKind}; indices {@code >= entries} are absent.
 *
 * <p>Every read hands the value to the {@link Blackhole} through {@link #consume}: its length and its first and
 * last byte, so the value's memory is reached (a zero-copy store cannot skip the page) without a checksum
 * dominating the time. Not thread-safe except {@link #load}, which runs on the fillers it is given.
 */
public interface KvStore extends AutoCloseable {
    /**
     * Writes every entry of {@code data} in one batch, with the store's parallelism ({@code fillers} has two
     * threads), and makes it durable.
     */
    void load(Dataset data, ExecutorService fillers) throws Exception;

    /** As {@link #load}, for the multi-valued variant of {@code data}; the store must be opened multi-valued. */
    void loadMulti(Dataset data, ExecutorService fillers) throws Exception;

    /** Reads key {@code index} of a single-valued store; whether it was present. */
    boolean get(long index, Blackhole blackhole) throws Exception;

    /** Reads the keys {@code indices} of a single-valued store in one call; how many were present. */
    int batchGet(long[] indices, Blackhole blackhole) throws Exception;

    /** Reads every value of key {@code index} of a multi-valued store; how many there were. */
    int getMultiple(long index, Blackhole blackhole) throws Exception;

    /**
     * Visits every entry of a single-valued store once, in the store's own order (TurboKV and Chronicle Map: hash
     * order; RocksDB and LMDB: key order), handing each value to the blackhole as {@link #consume} does; how many
     * entries there were.
     */
    long iterateAll(Blackhole blackhole) throws Exception;

    /** Closes the store; everything loaded is durable already. */
    @Override
    void close() throws java.io.IOException;

    /** Hands a value to the blackhole: its length and its first and last byte. */
    static void consume(Blackhole blackhole, MemorySegment value) {
        long size = value.byteSize();
        blackhole.consume(size);
        blackhole.consume(value.get(ValueLayout.JAVA_BYTE, 0));
        blackhole.consume(value.get(ValueLayout.JAVA_BYTE, size - 1));
    }

    /** As {@link #consume(Blackhole, MemorySegment)} for the bytes between position and limit. */
    static void consume(Blackhole blackhole, ByteBuffer value) {
        int size = value.remaining();
        blackhole.consume(size);
        blackhole.consume(value.get(value.position()));
        blackhole.consume(value.get(value.limit() - 1));
    }

    /** As {@link #consume(Blackhole, MemorySegment)} for {@code value[0, size)}. */
    static void consume(Blackhole blackhole, byte[] value, int size) {
        blackhole.consume(size);
        blackhole.consume(value[0]);
        blackhole.consume(value[size - 1]);
    }
}
