package io.turbokv.cache;

import io.turbokv.CacheStatistics;
import java.util.concurrent.locks.LockSupport;

/**
 * The shards and memory of one block cache, which one store's {@link BlockCache} uses alone or several stores'
 * share ({@link SharedCaches}): keys are the stores' own ({@link BlockCache#key(int, int)} with the store's id in
 * the top 16 bits), capacity and memory are common. The cache is split into shards by key hash, each an S3-FIFO
 * ({@link CacheShard}) behind its own monitor; block memory comes from one {@link SlabAllocator}. Nothing is
 * allocated, on or off the heap, until the first lookup.
 *
 * <p>Thread-safe.
 */
final class CacheCore implements AutoCloseable {
    private static final int MIN_SHARD_BYTES = 4 << 20;
    private static final int SPINS_BEFORE_YIELD = 64;
    private static final int YIELDS_BEFORE_PARK = 16;
    private static final long PARK_NANOS = 20_000;

    private final String name;
    private final long capacityBytes;
    private final Readers readers;
    private final int cell;
    private final int shardCount;
    private volatile CacheShard[] shards;
    private SlabAllocator allocator;
    private volatile boolean closed;

    /**
     * The core of a cache of at most {@code capacityBytes} of block memory; 0 disables it.
     *
     * @param name          for statistics and messages ("key blocks", "value blocks")
     * @param capacityBytes the most block memory the cache may hold, in bytes
     * @param readers       the readers' domain; may be shared with other caches (at most seven)
     */
    CacheCore(String name, long capacityBytes, Readers readers) {
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

    /** {@return the name given at construction} */
    String name() {
        return name;
    }

    /** {@return the capacity in bytes (0 = disabled)} */
    long capacityBytes() {
        return capacityBytes;
    }

    /** {@return the domain readers of this cache enter} */
    Readers readers() {
        return readers;
    }

    /** {@return whether lookups can hit or reserve: a positive capacity and not closed} */
    boolean isEnabled() {
        return capacityBytes > 0 && !closed;
    }

    /**
     * Looks up block {@code key} (a store's key, its id included) for {@link BlockCache#lookup}: waits for another
     * reader's load of it, and returns {@link CacheShard#HIT}, {@link CacheShard#RESERVED} or
     * {@link CacheShard#BYPASS}.
     */
    int lookup(long key, int length, CacheHandle handle) {
        CacheShard shard = shardOf(key);
        int waits = 0;
        while (true) {
            int outcome = shard.lookup(key, length, handle);
            if (outcome != CacheShard.WAIT) {
                return outcome;
            }
            awaitLanding(handle.flight, handle.flightGeneration, waits++);
        }
    }

    /**
     * Evicts every block. Readers keep what they were handed; the memory is recycled, and chunks
     * no longer used unmapped, once they have left.
     */
    void clear() {
        CacheShard[] current = shards;
        if (current == null) {
            return;
        }
        for (CacheShard shard : current) {
            shard.clear();
        }
        allocator.trim();
    }

    /**
     * Evicts every resident block of the store whose id is {@code store}, for its close or its {@code clearCache}:
     * its memory is recycled once readers left.
     *
     * @return the store's blocks still being loaded, which stay (none once the store's readers are done)
     */
    int evict(int store) {
        CacheShard[] current = shards;
        if (current == null) {
            return 0;
        }
        int loading = 0;
        for (CacheShard shard : current) {
            loading += shard.evict(store);
        }
        allocator.trim();
        return loading;
    }

    /**
     * {@return the statistics of a store that counted {@code hits}, {@code misses} and {@code bypasses} itself, with
     * this core's items and memory}
     */
    CacheStatistics statistics(long hits, long misses, long bypasses) {
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
        return new CacheStatistics(name, capacityBytes, items, weight, charged, reserved, hits, misses, bypasses);
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
                current[i] = new CacheShard(name, capacityBytes / shardCount, maxBlock, allocator, readers, cell);
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
