package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The write path's buffer pool: reuse, one owner per buffer, the size cap and the bound, close. */
class WriteBufferPoolTest {
    @Test
    void aReleasedBufferIsLentAgainForARequestOfItsSize() {
        try (WriteBufferPool pool = new WriteBufferPool()) {
            WriteBufferPool.Buffer first = pool.borrow(20_000);
            assertEquals(32 << 10, first.segment().byteSize());
            pool.release(first);
            assertEquals(1, pool.pooledCount());
            WriteBufferPool.Buffer second = pool.borrow(30_000);
            assertEquals(first.segment().address(), second.segment().address(), "the pooled memory was not reused");
            assertTrue(second.segment().scope().isAlive());
            assertEquals(0, pool.pooledBytes());
            pool.release(second);
        }
    }

    @Test
    void aBufferReleasedTwiceIsRefusedAndStaysPooledOnce() {
        try (WriteBufferPool pool = new WriteBufferPool()) {
            WriteBufferPool.Buffer buffer = pool.borrow(1);
            pool.release(buffer);
            assertThrows(IllegalStateException.class, () -> pool.release(buffer));
            assertEquals(1, pool.pooledCount());
            WriteBufferPool.Buffer again = pool.borrow(1);
            WriteBufferPool.Buffer other = pool.borrow(1);
            assertFalse(again == other, "one buffer lent to two owners");
            pool.release(again);
            pool.release(other);
        }
    }

    @Test
    void aBufferOfAnotherPoolIsRefused() {
        try (WriteBufferPool pool = new WriteBufferPool(); WriteBufferPool other = new WriteBufferPool()) {
            WriteBufferPool.Buffer buffer = other.borrow(1);
            assertThrows(IllegalStateException.class, () -> pool.release(buffer));
            assertEquals(0, pool.pooledCount());
            other.release(buffer);
            assertEquals(1, other.pooledCount());
        }
    }

    @Test
    void aBufferAboveTheSizeCapIsFreedInsteadOfPooled() {
        try (WriteBufferPool pool = new WriteBufferPool()) {
            WriteBufferPool.Buffer large = pool.borrow(WriteBufferPool.MAX_POOLED_BUFFER_BYTES + 1);
            assertEquals(WriteBufferPool.MAX_POOLED_BUFFER_BYTES + 1, large.segment().byteSize());
            pool.release(large);
            assertFalse(large.segment().scope().isAlive());
            assertEquals(0, pool.pooledCount());
            WriteBufferPool.Buffer atCap = pool.borrow(WriteBufferPool.MAX_POOLED_BUFFER_BYTES);
            pool.release(atCap);
            assertEquals(WriteBufferPool.MAX_POOLED_BUFFER_BYTES, pool.pooledBytes());
        }
    }

    @Test
    void thePoolKeepsNoMoreThanItsBoundAndFreesTheRest() {
        long bound = 4 * WriteBufferPool.MIN_BUFFER_BYTES;
        try (WriteBufferPool pool = new WriteBufferPool(bound)) {
            List<WriteBufferPool.Buffer> lent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                lent.add(pool.borrow(WriteBufferPool.MIN_BUFFER_BYTES));
            }
            lent.forEach(pool::release);
            assertEquals(bound, pool.pooledBytes());
            assertEquals(4, pool.pooledCount());
            assertEquals(6, lent.stream().filter(b -> !b.segment().scope().isAlive()).count());
        }
    }

    @Test
    void closeFreesPooledBuffersNowAndLentOnesOnRelease() {
        WriteBufferPool pool = new WriteBufferPool();
        WriteBufferPool.Buffer pooled = pool.borrow(1);
        WriteBufferPool.Buffer lent = pool.borrow(1);
        pool.release(pooled);
        pool.close();
        assertFalse(pooled.segment().scope().isAlive());
        // the memory was malloc'ed and is free()d now: a use after the close throws, it never reads freed memory
        assertThrows(IllegalStateException.class, () -> pooled.segment().get(ValueLayout.JAVA_LONG, 0));
        assertTrue(lent.segment().scope().isAlive());
        lent.segment().set(ValueLayout.JAVA_LONG, 0, 7); // still its owner's until released
        pool.release(lent);
        assertFalse(lent.segment().scope().isAlive());
        WriteBufferPool.Buffer afterClose = pool.borrow(1);
        pool.release(afterClose);
        assertFalse(afterClose.segment().scope().isAlive());
        assertEquals(0, pool.pooledCount());
        pool.close();
    }

    @Test
    void theUnpooledPoolFreesEveryBufferOnReleaseAndIgnoresClose() {
        WriteBufferPool unpooled = WriteBufferPool.unpooled();
        unpooled.close();
        WriteBufferPool.Buffer buffer = unpooled.borrow(100);
        unpooled.release(buffer);
        assertFalse(buffer.segment().scope().isAlive());
        assertEquals(0, unpooled.pooledCount());
    }

    @Test
    void concurrentBorrowersNeverShareABuffer() throws Exception {
        int rounds = 2_000;
        AtomicInteger failures = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (WriteBufferPool pool = new WriteBufferPool(8 * WriteBufferPool.MIN_BUFFER_BYTES)) {
            Thread[] threads = new Thread[8];
            for (int t = 0; t < threads.length; t++) {
                long mark = t + 1;
                threads[t] = new Thread(() -> {
                    for (int round = 0; round < rounds; round++) {
                        WriteBufferPool.Buffer buffer = pool.borrow(round % 3 == 0 ? 1 : 20_000);
                        MemorySegment segment = buffer.segment();
                        segment.set(ValueLayout.JAVA_LONG, 0, mark);
                        segment.set(ValueLayout.JAVA_LONG, segment.byteSize() - 8, mark);
                        Thread.yield();
                        if (segment.get(ValueLayout.JAVA_LONG, 0) != mark
                                || segment.get(ValueLayout.JAVA_LONG, segment.byteSize() - 8) != mark) {
                            failures.incrementAndGet();
                        }
                        pool.release(buffer);
                    }
                }, "pool-borrower-" + t);
                threads[t].setUncaughtExceptionHandler((thread, e) -> errors.add(e));
                threads[t].start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
        }
        assertEquals(List.of(), errors);
        assertEquals(0, failures.get(), "a buffer was written by another owner while lent");
    }
}
