package io.turbokv.io;

import io.turbokv.ffm.LibC;
import io.turbokv.ffm.ScopedView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The off-heap buffers of a store's write path (a batch's entry buffers, the compression buffer of a spill's or a
 * compaction's SST writer), lent to one owner at a time and taken back for the next one.
 *
 * <p>Why: each buffer needs a shared {@link Arena} (it is filled by one thread and spilled by another), and closing
 * a shared arena makes the JVM stop every thread for a handshake. A commit of one key used to close three (the
 * stripe's and the global entry buffer, the SST writer's compression buffer), which made small commits cost
 * hundreds of microseconds more than their I/O. Pooled buffers are closed only when the pool is full or closed.
 * And the memory is not zeroed ({@link LibC#malloc}): {@link Arena#allocate} zeroes, and zeroing freshly allocated
 * buffers was 41 % of the CPU of a batch of a million entries; every owner writes before it reads anyway.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@link #borrow} hands out a {@link Buffer} of at least the requested size and at least
 *       {@value #MIN_BUFFER_BYTES} bytes, rounded up to a power of two while it stays within
 *       {@value #MAX_POOLED_BUFFER_BYTES} bytes. Its contents are undefined (a reused buffer holds the bytes of
 *       its previous owner): the borrower reads only what it wrote.</li>
 *   <li>The borrower is the buffer's only owner until it hands the buffer to {@link #release}, once; it must not
 *       touch the segment afterwards (a later owner may be writing it). A second release of the same buffer, or a
 *       release to another pool, throws {@link IllegalStateException} and changes nothing.</li>
 *   <li>A released buffer above {@value #MAX_POOLED_BUFFER_BYTES} bytes, or one that would take the pooled total
 *       above the pool's bound, is freed at once; so is every buffer released after {@link #close()}.</li>
 *   <li>{@link #close()} (the store's close) frees every pooled buffer; buffers lent out at that time are freed by
 *       their release. Borrowing after close still works, with buffers that are freed on release.</li>
 * </ul>
 *
 * <p>A pool may draw on a {@link Reserve} that outlives it (the user's {@code io.turbokv.WriteBufferReserve},
 * shared by the stores of a process): what the pool frees (at its close, or a buffer it cannot keep) goes to the
 * reserve instead while the reserve has room, and a borrow that finds no free buffer of its size here takes one
 * from the reserve before it allocates. Why: a store's pool is empty until its first batch ends, and that batch
 * otherwise writes every chunk into memory new to the process, whose page faults (the kernel zeroing each page,
 * some 4 ms per MB here) were most of its fillers' CPU; a process that closes and reopens stores pays that once.
 * The memory moves, never a {@link Buffer}: each pool's tenure of a block of memory is a {@link Buffer} of its own
 * whose segment is a view of the memory scoped to an arena of that tenure, closed when the memory leaves the pool.
 * So a borrower that keeps a segment after its release gets {@link IllegalStateException} from the closed view
 * once the memory has left the pool (the pool was full, or closed with its store), never another store's bytes.
 * While the pool keeps the memory, the view stays open and reaches the next borrower of the same pool: by design,
 * since a tenure per lending would close a shared arena on every release, which is what the pool exists to avoid;
 * the borrowers of one pool are the store's own write path, which drops a segment on release. Every borrow
 * returns a new {@link Buffer}, so a stale one released again throws as a second release does, even after its
 * memory was lent again. The views come from {@link ScopedView#of}, a restricted
 * method: a pool draws on a reserve only where native access is enabled for {@code io.turbokv.ffm} (as
 * {@code jdk-flags.txt} does), and behaves as without one otherwise.
 *
 * <p>Thread-safe: borrow and release may be called from any thread; one monitor guards the free lists (a batch
 * borrows a few buffers, so it is never contended for long). Its unlock/lock pair also orders a previous owner's
 * writes before the next owner's.
 */
public final class WriteBufferPool implements AutoCloseable {
    /** The smallest buffer handed out. */
    public static final long MIN_BUFFER_BYTES = 16 << 10;
    /** Buffers larger than this are never pooled: they are freed when their owner is done with them. */
    public static final long MAX_POOLED_BUFFER_BYTES = 64 << 20;
    /** The default bound of the bytes a pool keeps (a store's pool). */
    public static final long DEFAULT_MAX_POOLED_BYTES = 128 << 20;

    private static final int SIZE_CLASSES = Long.numberOfTrailingZeros(MAX_POOLED_BUFFER_BYTES)
            - Long.numberOfTrailingZeros(MIN_BUFFER_BYTES) + 1;
    private static final WriteBufferPool UNPOOLED = new WriteBufferPool(0);

    private final long maxPooledBytes;
    /** Where freed memory goes and where a borrow finds memory before it allocates; null for none. */
    private final Reserve reserve;
    /** Free buffers by size class: class {@code c} holds buffers of {@code MIN_BUFFER_BYTES << c} bytes. */
    private final List<ArrayDeque<Slot>> freeByClass = new ArrayList<>(SIZE_CLASSES);
    private long pooledBytes;
    private boolean closed;

    /** A pool that keeps at most {@link #DEFAULT_MAX_POOLED_BYTES} bytes. */
    public WriteBufferPool() {
        this(DEFAULT_MAX_POOLED_BYTES);
    }

    /**
     * A pool that keeps at most {@code maxPooledBytes} bytes of free buffers.
     *
     * @param maxPooledBytes the most bytes of free buffers kept for reuse
     * @throws IllegalArgumentException when {@code maxPooledBytes} is negative
     */
    public WriteBufferPool(long maxPooledBytes) {
        this(maxPooledBytes, null);
    }

    /**
     * A pool that keeps at most {@code maxPooledBytes} bytes of free buffers and draws on {@code reserve} (see the
     * class comment); a reserve of no capacity, or where native access is not enabled, is as none.
     *
     * @param maxPooledBytes the most bytes of free buffers kept for reuse
     * @param reserve        the memory shared with other pools, or null
     * @throws IllegalArgumentException when {@code maxPooledBytes} is negative
     */
    public WriteBufferPool(long maxPooledBytes, Reserve reserve) {
        if (maxPooledBytes < 0) {
            throw new IllegalArgumentException("maxPooledBytes=" + maxPooledBytes + " (expected: >= 0)");
        }
        this.maxPooledBytes = maxPooledBytes;
        // A reserve that cannot hold even the smallest buffer would only cost every buffer a tenure arena.
        this.reserve = reserve != null && reserve.capacityBytes() >= MIN_BUFFER_BYTES && LibC.isNativeAccessEnabled()
                ? reserve
                : null;
        for (int c = 0; c < SIZE_CLASSES; c++) {
            freeByClass.add(new ArrayDeque<>());
        }
    }

    /**
     * {@return a pool that keeps nothing: every buffer is allocated on borrow and freed on release} For writers that
     * live outside a store (tools, tests, benchmarks); shared, never closed.
     */
    public static WriteBufferPool unpooled() {
        return UNPOOLED;
    }

    /**
     * Lends a buffer of at least {@code minBytes} bytes, a pooled one when one of the right size is free.
     *
     * @param minBytes the smallest size the borrower needs
     * @return a buffer, which the borrower hands back to {@link #release}
     * @throws IllegalArgumentException when {@code minBytes} is negative
     */
    public Buffer borrow(long minBytes) {
        if (minBytes < 0) {
            throw new IllegalArgumentException("minBytes=" + minBytes + " (expected: >= 0)");
        }
        long size = sizeFor(minBytes);
        int sizeClass = sizeClass(size);
        if (sizeClass >= 0) {
            synchronized (this) {
                Slot free = freeByClass.get(sizeClass).pollLast();
                if (free != null) {
                    pooledBytes -= size;
                    return free.lend();
                }
            }
        }
        Memory memory = reserve != null && sizeClass >= 0 ? reserve.take(sizeClass) : null;
        if (memory == null) {
            Arena arena = Arena.ofShared();
            memory = new Memory(arena, LibC.malloc(size, arena));
        }
        Slot slot = new Slot(this, memory);
        synchronized (this) {
            return slot.lend();
        }
    }

    /**
     * Takes {@code buffer} back from its owner: pools it, or frees it when it is too large, the pool is full or
     * closed.
     *
     * @param buffer a buffer this pool lent out
     * @throws IllegalStateException when the buffer is not lent out by this pool (released twice, or another
     *                               pool's)
     */
    public void release(Buffer buffer) {
        Slot slot = buffer.slot;
        if (slot.pool != this) {
            throw new IllegalStateException("buffer of another pool released to this one");
        }
        long size = slot.segment.byteSize();
        int sizeClass = sizeClass(size);
        boolean pooled = false;
        synchronized (this) {
            // The slot's current lease, not a flag: a stale Buffer whose slot was lent again to another
            // borrower is not that lease, so its release cannot put the other borrower's memory on a free list.
            if (slot.lease != buffer) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "buffer of %d bytes released twice (expected: lent out)", size));
            }
            slot.lease = null;
            if (!closed && sizeClass >= 0 && pooledBytes + size <= maxPooledBytes) {
                freeByClass.get(sizeClass).addLast(slot);
                pooledBytes += size;
                pooled = true;
            }
        }
        if (!pooled) {
            free(slot);
        }
    }

    /** Ends a slot that leaves this pool: its memory goes to the reserve, or is freed. */
    private void free(Slot slot) {
        if (slot.tenure == slot.memory.arena) {
            slot.memory.free(); // no view of its own: memory that never goes to a reserve
            return;
        }
        slot.tenure.close(); // first: no view of this tenure reaches the memory once it can be another's
        reserve.offer(slot.memory);
    }

    /** Frees every pooled buffer; buffers lent out now are freed when they are released. Idempotent. */
    @Override
    public void close() {
        ArrayDeque<Slot> toFree = new ArrayDeque<>();
        synchronized (this) {
            if (this == UNPOOLED) {
                return; // shared by every caller of unpooled(); holds nothing anyway
            }
            closed = true;
            for (ArrayDeque<Slot> free : freeByClass) {
                toFree.addAll(free);
                free.clear();
            }
            pooledBytes = 0;
        }
        toFree.forEach(this::free);
    }

    /** {@return the bytes of the free buffers the pool holds now} */
    public synchronized long pooledBytes() {
        return pooledBytes;
    }

    /** {@return the bytes of free memory the pool's reserve holds now, 0 without one} */
    public long reserveBytes() {
        return reserve == null ? 0 : reserve.heldBytes();
    }

    /** Whether the pool draws on a reserve (tests). */
    boolean drawsOnReserve() {
        return reserve != null;
    }

    /** Free buffers the pool holds now. */
    synchronized int pooledCount() {
        int count = 0;
        for (ArrayDeque<Slot> free : freeByClass) {
            count += free.size();
        }
        return count;
    }

    /** The size handed out for a request: a power of two up to the pooling cap, the request itself above it. */
    private static long sizeFor(long minBytes) {
        if (minBytes <= MIN_BUFFER_BYTES) {
            return MIN_BUFFER_BYTES;
        }
        long powerOfTwo = Long.highestOneBit(minBytes - 1) << 1;
        return powerOfTwo <= MAX_POOLED_BUFFER_BYTES ? powerOfTwo : minBytes;
    }

    /** The free list of buffers of exactly {@code size} bytes, or -1 for a size that is never pooled. */
    private static int sizeClass(long size) {
        if (size > MAX_POOLED_BUFFER_BYTES || size < MIN_BUFFER_BYTES || Long.bitCount(size) != 1) {
            return -1;
        }
        return Long.numberOfTrailingZeros(size) - Long.numberOfTrailingZeros(MIN_BUFFER_BYTES);
    }

    /**
     * One lending of a buffer: what a borrower holds from {@link #borrow} until it hands it to {@link #release}. A
     * new object per borrow, so that a stale one (released already) can never be taken for the buffer's current
     * lending; its {@link #segment()} is the pooled memory's, 16-byte aligned and not zeroed. See the class comment
     * of {@link WriteBufferPool}.
     */
    public static final class Buffer {
        private final Slot slot;

        private Buffer(Slot slot) {
            this.slot = slot;
        }

        /** {@return the memory; valid for the borrower until it releases the buffer} */
        public MemorySegment segment() {
            return slot.segment;
        }

        /** Whether the segment is a view scoped to a tenure arena of its own, not the memory's segment (tests). */
        boolean hasTenureArena() {
            return slot.tenure != slot.memory.arena;
        }
    }

    /**
     * One pool's tenure of a block of memory, kept on the pool's free lists between lendings. Without a reserve
     * (or for memory that can never reach it) the view is the memory's own segment; otherwise a view scoped to an
     * arena of this tenure alone, closed when the memory leaves the pool.
     */
    private static final class Slot {
        private final WriteBufferPool pool;
        private final Memory memory;
        /** The arena the view is scoped to: the memory's own, or one of this tenure. */
        private final Arena tenure;
        private final MemorySegment segment;
        /** The borrower's current lending, null while free. Guarded by {@link #pool}'s monitor. */
        private Buffer lease;

        private Slot(WriteBufferPool pool, Memory memory) {
            this.pool = pool;
            this.memory = memory;
            // Memory that can never reach the reserve (a size that is never pooled, or a reserve closed for good)
            // needs no view of its own: a tenure arena would only cost a second shared-arena close when freed.
            if (pool.reserve == null || sizeClass(memory.byteSize()) < 0 || pool.reserve.isClosed()) {
                this.tenure = memory.arena;
                this.segment = memory.segment;
            } else {
                this.tenure = Arena.ofShared();
                this.segment = ScopedView.of(memory.segment, tenure);
            }
        }

        /** A new lending of this slot; called under {@link #pool}'s monitor. */
        private Buffer lend() {
            lease = new Buffer(this);
            return lease;
        }
    }

    /** A block of memory and the arena whose close frees it; in a pool's buffer, or free in a reserve. */
    private record Memory(Arena arena, MemorySegment segment) {
        void free() {
            arena.close();
        }

        long byteSize() {
            return segment.byteSize();
        }
    }

    /**
     * Memory that outlives the pools that use it: a closing pool's free buffers, kept up to a capacity for the
     * next pool's borrows instead of freed (see the class comment of {@link WriteBufferPool}). The memory of a
     * user's {@code io.turbokv.WriteBufferReserve}.
     *
     * <p>It holds memory only, never a view a borrower could still reach: a pool closes its tenure's arena before
     * it offers the memory here. {@link #close()} frees what it holds and makes it free whatever is offered later,
     * so that pools using it go on working (they allocate) and the owner knows when the memory is gone.
     *
     * <p>Thread-safe: one monitor guards the free lists.
     */
    public static final class Reserve implements AutoCloseable {
        private final long capacityBytes;
        private final List<ArrayDeque<Memory>> freeByClass = new ArrayList<>(SIZE_CLASSES);
        /** What it holds, oldest offer first: a full reserve frees from the front to keep a newer offer. */
        private final LinkedHashSet<Memory> byAge = new LinkedHashSet<>();
        private long heldBytes;
        private boolean closed;

        /**
         * A reserve that holds at most {@code capacityBytes} bytes of free memory.
         *
         * @param capacityBytes the most bytes held, 0 for a reserve that holds nothing
         * @throws IllegalArgumentException when {@code capacityBytes} is negative
         */
        public Reserve(long capacityBytes) {
            if (capacityBytes < 0) {
                throw new IllegalArgumentException("capacityBytes=" + capacityBytes + " (expected: >= 0)");
            }
            this.capacityBytes = capacityBytes;
            for (int c = 0; c < SIZE_CLASSES; c++) {
                freeByClass.add(new ArrayDeque<>());
            }
        }

        /** {@return the most bytes it holds} */
        public long capacityBytes() {
            return capacityBytes;
        }

        /** {@return the bytes of free memory it holds now} */
        public synchronized long heldBytes() {
            return heldBytes;
        }

        /** {@return whether {@link #close()} was called} */
        public synchronized boolean isClosed() {
            return closed;
        }

        /** Memory of size class {@code sizeClass}, or null when it holds none. */
        private synchronized Memory take(int sizeClass) {
            Memory memory = freeByClass.get(sizeClass).pollLast();
            if (memory != null) {
                byAge.remove(memory);
                heldBytes -= memory.byteSize();
            }
            return memory;
        }

        /**
         * Keeps {@code memory}, which no view reaches any longer, freeing the oldest memory it holds when that is
         * needed to stay within the capacity; or frees {@code memory} when closed, not poolable or larger than the
         * capacity. Why evict: {@link #take} matches the exact size, so memory of sizes the stores no longer borrow
         * (one earlier store's large batch) would otherwise fill the reserve until its close while later stores
         * allocate.
         */
        private void offer(Memory memory) {
            long size = memory.byteSize();
            int sizeClass = sizeClass(size);
            List<Memory> evicted = new ArrayList<>();
            synchronized (this) {
                if (!closed && sizeClass >= 0 && size <= capacityBytes) {
                    while (heldBytes + size > capacityBytes) {
                        Memory oldest = byAge.removeFirst();
                        // Offers append to both lists and take pops the newest of a class, so the oldest of all is
                        // the oldest (first) of its class.
                        freeByClass.get(sizeClass(oldest.byteSize())).pollFirst();
                        heldBytes -= oldest.byteSize();
                        evicted.add(oldest);
                    }
                    freeByClass.get(sizeClass).addLast(memory);
                    byAge.addLast(memory);
                    heldBytes += size;
                    memory = null;
                }
            }
            evicted.forEach(Memory::free);
            if (memory != null) {
                memory.free();
            }
        }

        /** Frees what it holds; memory offered later is freed at once. Idempotent. */
        @Override
        public void close() {
            List<Memory> toFree = new ArrayList<>();
            synchronized (this) {
                closed = true;
                for (ArrayDeque<Memory> free : freeByClass) {
                    toFree.addAll(free);
                    free.clear();
                }
                byAge.clear();
                heldBytes = 0;
            }
            toFree.forEach(Memory::free);
        }
    }
}
