package io.turbokv.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CacheStatistics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Readers hammer two caches (as key and value blocks, one {@link Readers} domain) far smaller than their working
 * set, so both evict continuously, and check that every block they are handed holds its own bytes: each block's
 * every 8-byte word is its own key, and its length is a function of the key. As a lookup does, a reader takes a
 * block from the first cache, then one from the second, then re-reads the first: memory recycled while a reader may
 * still read it would show up as another key's words or length.
 */
class BlockCacheConcurrencyTest {
    private static final int READERS = 8;
    private static final int KEYS = 3000;
    private static final long CAPACITY = 2 << 20;

    @Test
    void readersNeverSeeAnotherBlocksBytesWhileTheCacheEvictsContinuously() throws Exception {
        hammer(60_000);
    }

    @Test
    @Tag("stress")
    void readersNeverSeeAnotherBlocksBytesUnderLongEviction() throws Exception {
        hammer(2_000_000);
    }

    private static int lengthOf(long key) {
        return 4096 + 8 * (int) ((key * 0x9E3779B97F4A7C15L) >>> 54); // 4 .. 12 KiB, as SST blocks: 8 size classes
    }

    private void hammer(int operationsPerReader) throws Exception {
        Readers readers = new Readers();
        AtomicLong checkedBlocks = new AtomicLong();
        AtomicLong loads = new AtomicLong();
        try (BlockCache keys = new BlockCache("keys", CAPACITY, readers);
             BlockCache values = new BlockCache("values", CAPACITY, readers)) {
            ExecutorService pool = Executors.newFixedThreadPool(READERS);
            try {
                CyclicBarrier start = new CyclicBarrier(READERS);
                List<Future<?>> futures = new ArrayList<>();
                for (int r = 0; r < READERS; r++) {
                    long seed = r;
                    futures.add(pool.submit(() -> {
                        start.await();
                        read(keys, values, readers, seed, operationsPerReader, checkedBlocks, loads);
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get();
                }
            } finally {
                pool.shutdown();
            }
            for (BlockCache cache : new BlockCache[] {keys, values}) {
                CacheStatistics stats = cache.statistics();
                System.out.println("stress: " + stats + " checked=" + checkedBlocks + " loads=" + loads
                        + " reserved=" + cache.reservedBytes() + " limbo=" + cache.limboSlots());
                assertTrue(stats.misses() - stats.bypasses() > stats.items() * 4L,
                        "the cache evicted continuously: " + stats);
                assertTrue(stats.hits() > 0, "some lookups hit: " + stats);
                assertTrue(stats.bypasses() < stats.misses() / 4, "most misses load into the cache: " + stats);
                assertTrue(cache.reservedBytes() <= cache.hardLimitBytes(), "reserved " + cache.reservedBytes());
                assertTrue(cache.hardLimitBytes() <= 1.5 * CAPACITY, "limit " + cache.hardLimitBytes());
            }
        }
    }

    private static void read(BlockCache keys, BlockCache values, Readers readers, long seed, int operations,
                             AtomicLong checkedBlocks, AtomicLong loads) {
        SplittableRandom random = new SplittableRandom(seed);
        CacheHandle keyHandle = new CacheHandle();
        CacheHandle valueHandle = new CacheHandle();
        long checked = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(16 << 10);
            for (int op = 0; op < operations; op++) {
                long a = skewed(random);
                long b = skewed(random);
                int slot = readers.enter();
                keyHandle.bind(slot);
                valueHandle.bind(slot);
                try {
                    boolean aHit = access(keys, a, keyHandle, source, random, loads);
                    boolean bHit = access(values, b, valueHandle, source, random, loads);
                    if (aHit) {
                        check(keyHandle, a);
                        checked++;
                    }
                    if (bHit) {
                        check(valueHandle, b);
                        checked++;
                    }
                    if (aHit) {
                        check(keyHandle, a); // still its own after more lookups and evictions
                    }
                } finally {
                    readers.exit(slot);
                }
            }
        }
        checkedBlocks.addAndGet(checked);
    }

    /** Looks {@code key} up, loading it on a reserved miss (abandoning one load in 64); whether it hit. */
    private static boolean access(BlockCache cache, long key, CacheHandle handle, MemorySegment source,
                                  SplittableRandom random, AtomicLong loads) {
        int length = lengthOf(key);
        if (cache.lookup(key, length, handle)) {
            return true;
        }
        if (handle.isReserved()) {
            if (random.nextInt(64) == 0) {
                cache.abandon(handle);
                return false;
            }
            for (int i = 0; i < length; i += 8) {
                source.set(ValueLayout.JAVA_LONG_UNALIGNED, i, key);
            }
            cache.fill(handle, source, 0);
            loads.incrementAndGet();
        }
        return false;
    }

    private static long skewed(SplittableRandom random) {
        double u = random.nextDouble();
        return (long) (KEYS * u * u) + 1; // more weight on small keys, but a working set far above capacity
    }

    private static void check(CacheHandle handle, long key) {
        assertEquals(lengthOf(key), handle.length(), "length of block " + key);
        MemorySegment segment = handle.segment();
        for (long i = 0; i < handle.length(); i += 8) {
            long word = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, handle.offset() + i);
            if (word != key) {
                throw new AssertionError("block " + key + " holds word " + word + " at " + i);
            }
        }
    }

    @Test
    void concurrentMissesOnOneBlockLoadItOnce() throws Exception {
        Readers readers = new Readers();
        try (BlockCache cache = new BlockCache("single-flight", 8 << 20, readers)) {
            for (int round = 0; round < 50; round++) {
                long key = BlockCache.key(7, round);
                AtomicInteger started = new AtomicInteger();
                AtomicInteger loaded = new AtomicInteger();
                AtomicInteger hit = new AtomicInteger();
                CyclicBarrier barrier = new CyclicBarrier(READERS);
                ExecutorService pool = Executors.newFixedThreadPool(READERS);
                try {
                    List<Future<?>> futures = new ArrayList<>();
                    for (int r = 0; r < READERS; r++) {
                        futures.add(pool.submit(() -> {
                            CacheHandle handle = new CacheHandle();
                            barrier.await();
                            int slot = readers.enter();
                            handle.bind(slot);
                            try (Arena arena = Arena.ofConfined()) {
                                started.incrementAndGet();
                                if (cache.lookup(key, 4096, handle)) {
                                    check(handle, key, 4096);
                                    hit.incrementAndGet();
                                } else {
                                    assertTrue(handle.isReserved());
                                    loaded.incrementAndGet();
                                    while (started.get() < READERS) {
                                        Thread.onSpinWait(); // every other reader is on its way into lookup
                                    }
                                    MemorySegment source = arena.allocate(4096);
                                    for (int i = 0; i < 4096; i += 8) {
                                        source.set(ValueLayout.JAVA_LONG_UNALIGNED, i, key);
                                    }
                                    cache.fill(handle, source, 0);
                                }
                            } finally {
                                readers.exit(slot);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> future : futures) {
                        future.get();
                    }
                } finally {
                    pool.shutdown();
                }
                assertEquals(1, loaded.get(), "loads of block " + round);
                assertEquals(READERS - 1, hit.get(), "hits on block " + round);
            }
        }
    }

    private static void check(CacheHandle handle, long key, int length) {
        assertEquals(length, handle.length());
        for (long i = 0; i < length; i += 8) {
            assertEquals(key, handle.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, handle.offset() + i));
        }
    }
}
