package io.turbokv.cache;

import io.turbokv.CacheStatistics;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A cache of decompressed SST blocks in off-heap memory it owns, bounded by bytes.
 *
 * <p>Keys are {@link #key(int, int) (sst seq &lt;&lt; 16 | block index)}: sequence numbers are never reused while
 * a store is open, so a key never goes stale. The cache is split into shards by key hash, each an S3-FIFO
 * ({@link CacheShard}) behind its own monitor; block memory comes from one {@link SlabAllocator} per cache. Nothing
 * is allocated, on or off the heap, until the first lookup.
 *
 * <p><b>Protocol.</b> A reader {@link Readers#enter() enters} the {@link Readers} domain the cache was built with,
 * {@link CacheHandle#bind binds} its handle to the slot it got, then calls {@link #lookup}:
 * <ul>
 * <li>a hit sets the {@link CacheHandle} to the block and announces it in the reader's record: the block stays
 *     valid and unchanged until the reader's next lookup on this cache or its {@link Readers#exit exit}, even if
 *     it is evicted meanwhile (its slot is recycled only once no reader announces it);</li>
 * <li>a miss either reserves a slot ({@link CacheHandle#isReserved()}): the reader decodes the block, then calls
 *     {@link #fill} (or {@link #abandon} when decoding failed); or leaves the handle unreserved: the reader decodes
 *     into memory of its own (the block is larger than a quarter of its shard, or memory is short);</li>
 * <li>concurrent misses on one block decode it once: later readers wait for the first one's load
 *     (single-flight), then hit.</li>
 * </ul>
 * A hit allocates nothing on the heap.
 *
 * <p>Thread-safe.
 */
public final class BlockCache implements AutoCloseable {
    private static final int MIN_SHARD_BYTES = 4 << 20;
    private static final int SPINS_BEFORE_YIELD = 64;
    private static final int YIELDS_BEFORE_PARK = 16;
    private static final long PARK_NANOS = 20_000;

    private final String name;
    private final long capacityBytes;
    private final Readers readers;
    private final int cell;
    private final int shardCount;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bypasses = new LongAdder();
    private volatile CacheShard[] shards;
    private SlabAllocator allocator;
    private volatile boolean closed;

    /**
     * A cache of at most {@code capacityBytes} of block memory; 0 disables it ({@link #lookup} then always misses
     * without reserving).
     *
     * @param name          for statistics and messages ("key blocks", "value blocks")
     * @param capacityBytes the most block memory the cache may hold, in bytes
     * @param readers       the readers' domain; may be shared with other caches (at most seven)
     */
    public BlockCache(String name, long capacityBytes, Readers readers) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException(name + " capacityBytes: " + capacityBytes + " (expected: >= 0)");
        }
        this.name = name;
        this.capacityBytes = capacityBytes;
        this.readers = readers;
        this.cell = readers.register();
        int byCores = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() * 4 - 1)) << 1;
        long byCapacity = Math.max(1, Long.highestOneBit(Math.max(1, capacityBytes / MIN_SHARD_BYTES)));
        this.shardCount = (int) Math.min(Math.min(byCores, byCapacity), 64);
    }

    /**
     * {@return the cache key of block {@code block} of the SST with sequence number {@code seq} (unsigned)}
     *
     * @param seq   the SST's sequence number, never reused while the store is open
     * @param block the block's index in that SST (below 2<sup>16</sup>)
     */
    public static long key(int seq, int block) {
        return Integer.toUnsignedLong(seq) << 16 | block;
    }

    /** {@return the name given at construction} */
    public String name() {
        return name;
    }

    /** {@return the capacity in bytes (0 = disabled)} */
    public long capacityBytes() {
        return capacityBytes;
    }

    /** {@return the domain readers of this cache enter} */
    public Readers readers() {
        return readers;
    }

    /** {@return whether lookups can hit or reserve: a positive capacity and not closed} */
    public boolean isEnabled() {
        return capacityBytes > 0 && !closed;
    }

    /**
     * Looks up block {@code key}, whose decoded length is {@code length}. The caller has entered {@link #readers()}
     * and bound {@code handle} to its slot (an unbound handle always misses), and holds no reservation on it.
     *
     * @param key    the block's cache key, from {@link #key(int, int)}
     * @param length the block's decoded length in bytes, which a reserved slot gets
     * @param handle the caller's handle, which the hit or the reservation is written to
     * @return true on a hit ({@code handle} points at the block); false on a miss, after which
     *         {@link CacheHandle#isReserved()} says whether the caller must {@link #fill} or {@link #abandon}
     */
    public boolean lookup(long key, int length, CacheHandle handle) {
        if (!isEnabled() || handle.reader == Readers.NO_SLOT) {
            misses.increment();
            return false;
        }
        CacheShard shard = shardOf(key);
        int waits = 0;
        while (true) {
            int outcome = shard.lookup(key, length, handle);
            if (outcome == CacheShard.HIT) {
                hits.increment();
                return true;
            } else if (outcome == CacheShard.WAIT) {
                awaitLanding(handle.flight, handle.flightGeneration, waits++);
            } else {
                misses.increment();
                if (outcome == CacheShard.BYPASS) {
                    bypasses.increment();
                }
                return false;
            }
        }
    }

    /**
     * Copies the block the caller decoded, {@code source[offset, offset + length)}, into its reserved slot and
     * publishes it to other readers.
     *
     * @param handle the handle whose last {@link #lookup} reserved a slot
     * @param source the memory the caller decoded the block into
     * @param offset where the block starts in {@code source}; its length is the one given to the lookup
     */
    public void fill(CacheHandle handle, MemorySegment source, long offset) {
        MemorySegment.copy(source, offset, handle.segment, handle.offset, handle.length);
        handle.shard.publish(handle);
    }

    /**
     * Gives up the handle's reservation (decoding failed); waiting readers then load the block themselves.
     *
     * @param handle the handle whose last {@link #lookup} missed; a no-op when it holds no reservation
     */
    public void abandon(CacheHandle handle) {
        if (handle.isReserved()) {
            handle.shard.abandon(handle);
        }
    }

    /**
     * Evicts every block. Readers keep what they were handed; the memory is recycled, and chunks
     * no longer used unmapped, once they have left.
     */
    public void clear() {
        CacheShard[] current = shards;
        if (current == null) {
            return;
        }
        for (CacheShard shard : current) {
            shard.clear();
        }
        allocator.trim();
    }

    /** {@return hit rate, fill, items, size, hits and misses now} */
    public CacheStatistics statistics() {
        long hitCount = hits.sum();
        long missCount = misses.sum();
        CacheShard[] current = shards;
        int items = 0;
        long weight = 0;
        long charged = 0;
        long reserved = 0;
        if (current != null) {
            for (CacheShard shard : current) {
                items += shard.items();
                weight += shard.weightBytes();
                charged += shard.chargedBytes();
            }
            reserved = allocator.reservedBytes();
        }
        return new CacheStatistics(name, capacityBytes, items, weight, charged, reserved, hitCount, missCount,
                bypasses.sum());
    }

    /**
     * Unmaps the cache's memory. The caller guarantees that no reader still holds a block of this cache
     * (a store hands this to its version tracker); lookups afterwards miss. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (allocator != null) {
                allocator.close();
            }
        }
    }

    /** The most memory the allocator reserves, for tests. */
    long hardLimitBytes() {
        CacheShard[] current = shards;
        return current == null ? 0 : allocator.hardLimitBytes();
    }

    /** Memory reserved by the allocator, for tests. */
    long reservedBytes() {
        CacheShard[] current = shards;
        return current == null ? 0 : allocator.reservedBytes();
    }

    /** Retired slots waiting for readers, for tests. */
    int limboSlots() {
        CacheShard[] current = shards;
        return current == null ? 0 : allocator.limboSlots();
    }

    int shardCount() {
        return shardCount;
    }

    private CacheShard shardOf(long key) {
        CacheShard[] current = shards;
        if (current == null) {
            current = createShards();
        }
        long h = key * 0x9E3779B97F4A7C15L;
        return current[(int) (h >>> 40) & (current.length - 1)];
    }

    private synchronized CacheShard[] createShards() {
        CacheShard[] current = shards;
        if (current == null) {
            allocator = new SlabAllocator(capacityBytes, readers, cell);
            int maxBlock = SlabAllocator.maxSlotFor(capacityBytes / shardCount);
            current = new CacheShard[shardCount];
            for (int i = 0; i < shardCount; i++) {
                current[i] = new CacheShard(capacityBytes / shardCount, maxBlock, allocator, readers, cell);
            }
            shards = current;
        }
        return current;
    }

    /** Waits until {@code flight} has moved past {@code generation}: spins, then yields, then parks briefly. */
    private static void awaitLanding(CacheShard.Flight flight, long generation, int previousWaits) {
        int round = 0;
        while (flight.generation == generation) {
            if (round < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else if (round < SPINS_BEFORE_YIELD + YIELDS_BEFORE_PARK) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
            round++;
        }
    }
}
