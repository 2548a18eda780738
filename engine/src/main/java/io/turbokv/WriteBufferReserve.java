package io.turbokv;

import io.turbokv.io.WriteBufferPool;

/**
 * Native write buffers that the stores of one JVM pass on to each other: what a store's write path keeps for reuse
 * (a batch's chunks, a spill's sort scratch, SST writers' buffers) goes here when the store closes, and so does,
 * while the store is open, a buffer its own pool (128 MiB) is too full to keep; a store that finds no free buffer of
 * a size in its own pool takes one from here before it allocates. The reserve keeps up to its byte limit, freeing
 * the memory offered longest ago to make room for a newer offer (it hands out buffers of the exact size asked, so
 * it follows the sizes recent stores used).
 * Given to each store with {@link DbConfig.Builder#writeBufferReserve(WriteBufferReserve)}; without one (the
 * default) a closing store frees its buffers.
 *
 * <pre>{@code
 * try (WriteBufferReserve reserve = WriteBufferReserve.create(128L << 20)) {
 *     DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
 *             .writeBufferReserve(reserve).build();
 *     for (Path dir : dirs) {
 *         try (TurboKV store = TurboKV.open(dir, config)) {
 *             ... // one large batch per store
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Why: a store's first large batch writes every chunk into memory new to the process, and the kernel's page
 * faults (it zeroes each page on its first write) cost more CPU than the batch's own copying; a process that opens,
 * loads and closes stores one after another (a benchmark, a Kafka Streams task moved by a rebalance, a bulk import
 * into many stores) pays that once instead of per store.
 *
 * <p>A block of memory is in the reserve only while no store uses it: a store's open batches and its own pool of
 * free buffers ({@link Statistics#writeBufferPoolBytes()}) are the store's, and a buffer moves here only after the
 * views its store had of it are closed, so a reader that kept one gets {@link IllegalStateException}, never another
 * store's bytes. So a single open store may keep its own pool's bound plus the reserve's limit of idle native
 * memory. {@link #close()} frees what it holds; stores still using it go on working and free their buffers
 * themselves from then on. Each store's view of the memory is made by a restricted method of the FFM API: where
 * native access is not enabled for TurboKV's {@code io.turbokv.ffm} (see {@code jdk-flags.txt}) a store does not
 * use the reserve.
 *
 * <p>Thread-safe.
 */
public final class WriteBufferReserve implements AutoCloseable {
    private final WriteBufferPool.Reserve reserve;

    private WriteBufferReserve(WriteBufferPool.Reserve reserve) {
        this.reserve = reserve;
    }

    /**
     * {@return a reserve that holds at most {@code bytes} bytes of free buffers (0, or less than the smallest write
     * buffer of 16 KiB: one that holds nothing, as none)}
     * Nothing is allocated here: the reserve fills as stores close.
     *
     * @param bytes the most bytes of free buffers held, not negative
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public static WriteBufferReserve create(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        return new WriteBufferReserve(new WriteBufferPool.Reserve(bytes));
    }

    /** {@return the most bytes of free buffers it holds} */
    public long capacityBytes() {
        return reserve.capacityBytes();
    }

    /** {@return the bytes of free buffers it holds now (native memory allocated and kept for the next store)} */
    public long heldBytes() {
        return reserve.heldBytes();
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return reserve.isClosed();
    }

    /** The memory, for the stores that use it. */
    WriteBufferPool.Reserve reserve() {
        return reserve;
    }

    /** Frees the buffers it holds; buffers offered later (stores closing after this) are freed at once. Idempotent. */
    @Override
    public void close() {
        reserve.close();
    }

    @Override
    public String toString() {
        return "WriteBufferReserve[held=" + heldBytes() + ", capacity=" + capacityBytes()
                + (isClosed() ? ", closed" : "") + "]";
    }
}
