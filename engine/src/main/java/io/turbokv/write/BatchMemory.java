package io.turbokv.write;

import io.turbokv.io.WriteBufferPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The native memory of one write batch: lends its chunks from the store's {@link WriteBufferPool} and counts the
 * bytes the batch holds now and at most, which {@code WriteBatch} reports.
 *
 * <p>Thread-safe: fillers borrow, spill threads and the committing thread release.
 */
final class BatchMemory {
    private final WriteBufferPool pool;
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    BatchMemory(WriteBufferPool pool) {
        this.pool = pool;
    }

    /** Borrows a buffer of at least {@code minBytes} bytes and counts it. */
    WriteBufferPool.Buffer borrow(long minBytes) {
        WriteBufferPool.Buffer buffer = pool.borrow(minBytes);
        long now = held.addAndGet(buffer.segment().byteSize());
        peak.accumulateAndGet(now, Math::max);
        return buffer;
    }

    /** Returns {@code buffer} to the pool; its borrower must not touch it afterwards. */
    void release(WriteBufferPool.Buffer buffer) {
        long size = buffer.segment().byteSize();
        pool.release(buffer);
        held.addAndGet(-size);
    }

    /** {@return the bytes of the buffers the batch holds now} */
    long heldBytes() {
        return held.get();
    }

    /** {@return the most bytes the batch held at once} */
    long peakBytes() {
        return peak.get();
    }
}
