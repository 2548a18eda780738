package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A {@link WriteBufferPool.Reserve}: a closed pool's memory goes to the next pool, a view of it never outlives its
 * pool's tenure, the capacity bounds what is kept, and closing the reserve frees it while its pools go on.
 */
class WriteBufferReserveTest {
    private static final long CHUNK = 1 << 20;

    @Test
    void aClosedPoolsMemoryIsLentByTheNextPoolOfTheReserve() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK)) {
            long address;
            try (WriteBufferPool first = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer buffer = first.borrow(CHUNK);
                address = buffer.segment().address();
                first.release(buffer);
                assertEquals(CHUNK, first.pooledBytes());
                assertEquals(0, reserve.heldBytes(), "an open pool keeps its free buffers");
            }
            assertEquals(CHUNK, reserve.heldBytes());
            try (WriteBufferPool second = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer buffer = second.borrow(CHUNK - 100);
                assertEquals(address, buffer.segment().address(), "the reserve's memory was not reused");
                assertEquals(0, reserve.heldBytes());
                assertEquals(CHUNK, second.reserveBytes() + buffer.segment().byteSize());
                second.release(buffer);
            }
            assertEquals(CHUNK, reserve.heldBytes());
        }
    }

    @Test
    void aSegmentKeptAfterItsPoolClosedFailsInsteadOfReachingTheNextOwnersBytes() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK)) {
            WriteBufferPool first = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve);
            WriteBufferPool.Buffer stale = first.borrow(CHUNK);
            MemorySegment staleView = stale.segment();
            staleView.set(ValueLayout.JAVA_LONG, 0, 1);
            first.release(stale);
            first.close();
            try (WriteBufferPool second = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer next = second.borrow(CHUNK);
                assertEquals(staleView.address(), next.segment().address());
                next.segment().set(ValueLayout.JAVA_LONG, 0, 2);
                assertThrows(IllegalStateException.class, () -> staleView.get(ValueLayout.JAVA_LONG, 0));
                assertThrows(IllegalStateException.class, () -> staleView.set(ValueLayout.JAVA_LONG, 0, 3));
                assertThrows(IllegalStateException.class, () -> first.release(stale), "stale release");
                assertThrows(IllegalStateException.class, () -> second.release(stale), "release to another pool");
                assertEquals(2, next.segment().get(ValueLayout.JAVA_LONG, 0));
                second.release(next);
            }
        }
    }

    @Test
    void aBufferReleasedAfterItsPoolClosedGoesToTheReserveAndItsViewDies() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK)) {
            WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve);
            WriteBufferPool.Buffer lent = pool.borrow(CHUNK);
            pool.close();
            assertEquals(0, reserve.heldBytes());
            lent.segment().set(ValueLayout.JAVA_LONG, 0, 7); // a borrower may finish after the store's close
            pool.release(lent);
            assertEquals(CHUNK, reserve.heldBytes());
            assertFalse(lent.segment().scope().isAlive());
            assertThrows(IllegalStateException.class, () -> pool.release(lent));
        }
    }

    @Test
    void theReserveKeepsNoMoreThanItsCapacityAndFreesTheRest() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(3 * CHUNK)) {
            try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer[] buffers = new WriteBufferPool.Buffer[5];
                for (int i = 0; i < buffers.length; i++) {
                    buffers[i] = pool.borrow(CHUNK);
                }
                WriteBufferPool.Buffer huge = pool.borrow(WriteBufferPool.MAX_POOLED_BUFFER_BYTES + 1);
                pool.release(huge); // above the size cap: freed, never kept
                assertEquals(0, reserve.heldBytes());
                for (WriteBufferPool.Buffer buffer : buffers) {
                    pool.release(buffer);
                }
            }
            assertEquals(3 * CHUNK, reserve.heldBytes());
        }
    }

    @Test
    void aPoolFullToItsBoundHandsTheBuffersItCannotKeepToTheReserve() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK);
             WriteBufferPool pool = new WriteBufferPool(CHUNK, reserve)) {
            WriteBufferPool.Buffer a = pool.borrow(CHUNK);
            WriteBufferPool.Buffer b = pool.borrow(CHUNK);
            pool.release(a);
            pool.release(b);
            assertEquals(CHUNK, pool.pooledBytes());
            assertEquals(CHUNK, reserve.heldBytes());
            assertFalse(b.segment().scope().isAlive());
        }
    }

    @Test
    void closingTheReserveFreesItsMemoryAndItsPoolsGoOn() {
        WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK);
        try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
            try (WriteBufferPool earlier = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                earlier.release(earlier.borrow(CHUNK));
            }
            WriteBufferPool.Buffer lent = pool.borrow(CHUNK);
            assertEquals(0, reserve.heldBytes());
            earlierClosed(reserve);
            reserve.close();
            assertTrue(reserve.isClosed());
            assertEquals(0, reserve.heldBytes());
            lent.segment().set(ValueLayout.JAVA_LONG, CHUNK - 8, 9);
            pool.release(lent);
            WriteBufferPool.Buffer again = pool.borrow(CHUNK);
            again.segment().set(ValueLayout.JAVA_LONG, 0, 1);
            pool.release(again);
            WriteBufferPool.Buffer other = pool.borrow(2 * CHUNK);
            pool.release(other);
        }
        assertEquals(0, reserve.heldBytes(), "a closed reserve kept what a closing pool offered");
        reserve.close(); // idempotent
    }

    /** Fills the reserve with one more chunk, which its close must free. */
    private static void earlierClosed(WriteBufferPool.Reserve reserve) {
        try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
            pool.release(pool.borrow(CHUNK));
        }
        assertEquals(CHUNK, reserve.heldBytes());
    }

    @Test
    void aFullReserveFreesItsOldestMemoryToKeepANewerOffer() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(2 * CHUNK)) {
            try (WriteBufferPool first = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer a = first.borrow(CHUNK);
                WriteBufferPool.Buffer b = first.borrow(CHUNK);
                first.release(a);
                first.release(b);
            }
            assertEquals(2 * CHUNK, reserve.heldBytes());
            long newer;
            try (WriteBufferPool second = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer large = second.borrow(2 * CHUNK);
                newer = large.segment().address();
                second.release(large);
            }
            assertEquals(2 * CHUNK, reserve.heldBytes(), "the capacity is still the bound");
            try (WriteBufferPool third = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer large = third.borrow(2 * CHUNK);
                assertEquals(newer, large.segment().address(), "the newest offer was not kept");
                assertEquals(0, reserve.heldBytes(), "the older chunks were kept beside it");
                third.release(large);
            }
        }
    }

    @Test
    void aBlockLargerThanTheWholeCapacityIsFreedWithoutEvictingAnything() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(2 * CHUNK)) {
            try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer small = pool.borrow(CHUNK);
                WriteBufferPool.Buffer large = pool.borrow(4 * CHUNK);
                pool.release(small);
                pool.release(large);
            }
            assertEquals(CHUNK, reserve.heldBytes());
        }
    }

    @Test
    void aBufferOfASizeThatIsNeverPooledHasNoTenureArenaOfItsOwn() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK);
             WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
            WriteBufferPool.Buffer atCap = pool.borrow(WriteBufferPool.MAX_POOLED_BUFFER_BYTES);
            WriteBufferPool.Buffer aboveCap = pool.borrow(WriteBufferPool.MAX_POOLED_BUFFER_BYTES + 1);
            assertTrue(atCap.hasTenureArena(), "a poolable size can reach the reserve: its view needs a tenure");
            assertFalse(aboveCap.hasTenureArena(), "memory that never reaches the reserve needs no second arena");
            aboveCap.segment().set(ValueLayout.JAVA_BYTE, WriteBufferPool.MAX_POOLED_BUFFER_BYTES, (byte) 5);
            pool.release(aboveCap);
            assertFalse(aboveCap.segment().scope().isAlive(), "freed at once");
            assertEquals(0, reserve.heldBytes());
            pool.release(atCap);
        }
    }

    @Test
    void aBufferAllocatedAfterItsReserveClosedHasNoTenureArenaOfItsOwn() {
        WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8 * CHUNK);
        try (WriteBufferPool pool = new WriteBufferPool(0, reserve)) {
            WriteBufferPool.Buffer before = pool.borrow(CHUNK);
            reserve.close();
            WriteBufferPool.Buffer after = pool.borrow(CHUNK);
            assertTrue(before.hasTenureArena());
            assertFalse(after.hasTenureArena(), "memory a closed reserve would free needs no second arena");
            pool.release(before);
            pool.release(after);
            assertFalse(after.segment().scope().isAlive(), "freed at once");
            assertEquals(0, reserve.heldBytes());
        }
    }

    @Test
    void aReserveSmallerThanTheSmallestBufferIsAsNone() {
        try (WriteBufferPool.Reserve tiny = new WriteBufferPool.Reserve(WriteBufferPool.MIN_BUFFER_BYTES - 1);
             WriteBufferPool.Reserve smallest = new WriteBufferPool.Reserve(WriteBufferPool.MIN_BUFFER_BYTES)) {
            try (WriteBufferPool pool = new WriteBufferPool(0, tiny)) {
                assertFalse(pool.drawsOnReserve(), "a reserve that can hold no buffer");
                WriteBufferPool.Buffer buffer = pool.borrow(1);
                assertFalse(buffer.hasTenureArena());
                pool.release(buffer);
                assertEquals(0, tiny.heldBytes());
            }
            try (WriteBufferPool pool = new WriteBufferPool(0, smallest)) {
                assertTrue(pool.drawsOnReserve(), "a reserve that holds one smallest buffer");
                pool.release(pool.borrow(1));
                assertEquals(WriteBufferPool.MIN_BUFFER_BYTES, smallest.heldBytes());
            }
        }
    }

    @Test
    void aReserveOfNoCapacityIsAsNone() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(0)) {
            try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                pool.release(pool.borrow(CHUNK));
            }
            assertEquals(0, reserve.heldBytes());
        }
        assertThrows(IllegalArgumentException.class, () -> new WriteBufferPool.Reserve(-1));
    }

    /**
     * Pools opened, used and closed on several threads at once over one small reserve: memory moves between pools
     * all the time, and a borrower must never see another's writes.
     */
    @Test
    void concurrentPoolsOverOneReserveNeverShareMemory() throws Exception {
        int rounds = 300;
        AtomicInteger failures = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(4 * CHUNK)) {
            Thread[] threads = new Thread[6];
            for (int t = 0; t < threads.length; t++) {
                long mark = t + 1;
                threads[t] = new Thread(() -> {
                    for (int round = 0; round < rounds; round++) {
                        WriteBufferPool pool = new WriteBufferPool(2 * CHUNK, reserve);
                        WriteBufferPool.Buffer a = pool.borrow(round % 2 == 0 ? CHUNK : CHUNK / 4);
                        WriteBufferPool.Buffer b = pool.borrow(CHUNK);
                        for (WriteBufferPool.Buffer buffer : List.of(a, b)) {
                            MemorySegment segment = buffer.segment();
                            segment.set(ValueLayout.JAVA_LONG, 0, mark);
                            segment.set(ValueLayout.JAVA_LONG, segment.byteSize() - 8, mark);
                        }
                        Thread.yield();
                        for (WriteBufferPool.Buffer buffer : List.of(a, b)) {
                            MemorySegment segment = buffer.segment();
                            if (segment.get(ValueLayout.JAVA_LONG, 0) != mark
                                    || segment.get(ValueLayout.JAVA_LONG, segment.byteSize() - 8) != mark) {
                                failures.incrementAndGet();
                            }
                        }
                        pool.release(a);
                        if (round % 3 == 0) {
                            pool.close(); // b released after the close, as by a batch outliving its store
                            pool.release(b);
                        } else {
                            pool.release(b);
                            pool.close();
                        }
                    }
                }, "reserve-pool-" + t);
                threads[t].setUncaughtExceptionHandler((thread, e) -> errors.add(e));
                threads[t].start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertTrue(reserve.heldBytes() <= 4 * CHUNK);
        }
        assertEquals(List.of(), errors);
        assertEquals(0, failures.get(), "a buffer was written by another owner while lent");
    }
}
