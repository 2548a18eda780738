package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * What the class comment of {@link WriteBufferPool} (and docs/perf/write-path.md step 10) says of a borrower that
 * misbehaves: a segment kept after its release fails only once the memory has left the pool (the pool full, or
 * closed with its store); while the pool keeps the memory, the next borrower of the same store gets it, by design.
 * And a stale release is refused even after the buffer's memory was lent again.
 */
class WriteBufferReserveDocClaimTest {
    private static final long CHUNK = 1 << 20;

    /**
     * By design: a tenure per lending would close a shared arena (a handshake of every thread) on each release,
     * which is what the pool exists to avoid; within one store the borrowers are the engine's own code, which
     * drops its segment on release. The stale view reaches the next borrower's bytes, never another store's.
     */
    @Test
    void aSegmentKeptAfterItsReleaseReachesTheNextBorrowerOfTheSameStoreWhileThePoolKeepsIt() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8L << 20);
             WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
            WriteBufferPool.Buffer first = pool.borrow(CHUNK);
            MemorySegment stale = first.segment();
            pool.release(first); // kept by the pool: the view stays open
            WriteBufferPool.Buffer next = pool.borrow(CHUNK); // the next batch of the same store
            next.segment().set(ValueLayout.JAVA_LONG, 0, 42);
            assertEquals(42, stale.get(ValueLayout.JAVA_LONG, 0), "the kept memory went to the next borrower");
            pool.release(next);
        }
    }

    @Test
    void aSegmentKeptAfterItsMemoryLeftAFullPoolFails() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8L << 20);
             WriteBufferPool pool = new WriteBufferPool(0, reserve)) {
            WriteBufferPool.Buffer first = pool.borrow(CHUNK);
            MemorySegment stale = first.segment();
            pool.release(first); // a pool of no room: the memory goes to the reserve and the view closes
            assertEquals(CHUNK, reserve.heldBytes());
            WriteBufferPool.Buffer next = pool.borrow(CHUNK);
            assertEquals(stale.address(), next.segment().address(), "the reserve's memory was not reused");
            next.segment().set(ValueLayout.JAVA_LONG, 0, 42);
            assertThrows(IllegalStateException.class, () -> stale.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> stale.set(ValueLayout.JAVA_LONG, 0, 7));
            assertEquals(42, next.segment().get(ValueLayout.JAVA_LONG, 0));
            pool.release(next);
        }
    }

    @Test
    void aSegmentKeptAfterItsStoreClosedFails() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8L << 20)) {
            MemorySegment stale;
            try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer first = pool.borrow(CHUNK);
                stale = first.segment();
                pool.release(first);
            }
            try (WriteBufferPool other = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve)) {
                WriteBufferPool.Buffer next = other.borrow(CHUNK);
                assertEquals(stale.address(), next.segment().address(), "the reserve's memory was not reused");
                assertThrows(IllegalStateException.class, () -> stale.get(ValueLayout.JAVA_LONG, 0));
                other.release(next);
            }
        }
    }

    /**
     * A second release by a stale holder is refused even after the pool lent the same memory again (ABA), with a
     * reserve and without one: otherwise the stale release would put a buffer that is still lent on the free list,
     * and two borrowers would get one block of memory.
     */
    @Test
    void aStaleSecondReleaseAfterTheBufferWasLentAgainIsRefused() {
        try (WriteBufferPool.Reserve reserve = new WriteBufferPool.Reserve(8L << 20)) {
            for (WriteBufferPool.Reserve maybe : new WriteBufferPool.Reserve[] {null, reserve}) {
                try (WriteBufferPool pool = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, maybe)) {
                    WriteBufferPool.Buffer buffer = pool.borrow(CHUNK);
                    pool.release(buffer);
                    WriteBufferPool.Buffer owner = pool.borrow(CHUNK); // the same memory, lent again
                    assertEquals(buffer.segment().address(), owner.segment().address());
                    assertThrows(IllegalStateException.class, () -> pool.release(buffer), "stale second release");
                    assertEquals(0, pool.pooledCount(), "the refused release pooled the owner's buffer");
                    WriteBufferPool.Buffer other = pool.borrow(CHUNK);
                    assertNotEquals(owner.segment().address(), other.segment().address(),
                            "two borrowers hold the same memory");
                    pool.release(other);
                    pool.release(owner);
                    assertEquals(2, pool.pooledCount());
                }
            }
        }
    }
}
