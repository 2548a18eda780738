package io.turbokv.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CacheStatistics;
import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.SharedBlockCache;
import io.turbokv.Statistics;
import io.turbokv.StoreClosedException;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stores sharing one {@link SharedBlockCache}: each sees its own blocks only, although all are written alike (same
 * keys, same SST sequence numbers, so the same block keys within each store) and differ only in their values, which
 * name the store; a store's close while the others read disturbs none of them; a store opened after another closed
 * (and so given its id) never sees the closed one's blocks; the capacity bounds the blocks of all of them.
 */
class SharedBlockCacheTest {
    private static final int KEYS = 20_000;
    private static final long CAPACITY = 512 << 10; // far below the stores' blocks: continuous eviction

    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return String.format(Locale.ROOT, "key-%08d-of-the-shared-cache-test", i).getBytes(UTF_8);
    }

    /**
     * A value naming its store and key: another store's block, or another key's, gives other text. 160 to 400
     * bytes: over the inline limit, in small value blocks, compressed, so both caches are used.
     */
    private static byte[] value(String store, int i) {
        return String.format(Locale.ROOT, "value of %s:%08d; ", store, i).repeat(8 + i % 13).getBytes(UTF_8);
    }

    private TurboKV filled(String name, SharedBlockCache cache) throws IOException {
        TurboKV db = TurboKV.open(dir.resolve(name), DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .blockCache(cache).build());
        try (WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < KEYS; i++) {
                batch.put(0, key(i), value(name, i));
            }
            batch.commit();
        }
        return db;
    }

    /** Reads random keys of {@code db} until {@code stop}, checking each value; returns the values checked. */
    private static long readUntil(TurboKV db, String name, long seed, AtomicBoolean stop) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long checked = 0;
        while (!stop.get()) {
            int i = random.nextInt(KEYS);
            byte[] expected = value(name, i);
            boolean found = db.get(0, MemorySegment.ofArray(key(i)),
                    v -> assertArrayEquals(expected, v.toArray(ValueLayout.JAVA_BYTE), name + " key " + i));
            assertTrue(found, name + " key " + i);
            checked++;
        }
        return checked;
    }

    @Test
    void storesSharingACacheReadOnlyTheirOwnBlocksWhileOneClosesAndAnotherTakesItsPlace() throws Exception {
        try (SharedBlockCache cache = SharedBlockCache.create(CAPACITY, CAPACITY)) {
            TurboKV a = filled("a", cache);
            TurboKV b = filled("b", cache);
            TurboKV c = filled("c", cache);
            assertEquals(3, cache.stores());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean stopA = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<Long>> others = new ArrayList<>();
                List<Future<Long>> readersOfA = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    long seed = r;
                    others.add(pool.submit(() -> readUntil(b, "b", seed, stop)));
                    others.add(pool.submit(() -> readUntil(c, "c", seed + 10, stop)));
                    readersOfA.add(pool.submit(() -> {
                        try {
                            return readUntil(a, "a", seed + 20, stopA);
                        } catch (StoreClosedException e) {
                            return -1L; // a closed under it: the one failure a reader of a closing store may see
                        }
                    }));
                }
                Thread.sleep(300);
                a.close(); // while its readers and the others' read: its blocks are evicted after its last reader
                stopA.set(true);
                for (Future<Long> reader : readersOfA) {
                    reader.get();
                }
                assertEquals(2, cache.stores());

                // d is written exactly as a was (same keys, same SST sequence numbers) and gets a's id: it must see
                // its own values, never a's blocks
                TurboKV d = filled("d", cache);
                try {
                    assertEquals(3, cache.stores());
                    for (int i = 0; i < KEYS; i += 7) {
                        assertArrayEquals(value("d", i), d.get(0, key(i)).orElseThrow(), "d key " + i);
                    }
                    Thread.sleep(200);
                } finally {
                    stop.set(true);
                }
                long checked = 0;
                for (Future<Long> reader : others) {
                    checked += reader.get();
                }
                assertTrue(checked > 1000, checked + " values checked by the readers of b and c");
                Statistics ofB = b.statistics();
                assertTrue(ofB.keyBlockCache().hits() > 0 && ofB.keyBlockCache().misses() > 0, ofB.toString());
                d.close();
            } finally {
                stop.set(true);
                stopA.set(true);
                pool.shutdown();
                b.close();
                c.close();
            }
            assertEquals(0, cache.stores());
            for (CacheStatistics stats : List.of(cache.keyBlockStatistics(), cache.valueBlockStatistics())) {
                assertTrue(stats.hits() > 0 && stats.misses() > stats.items(), stats.toString());
                assertTrue(stats.chargedBytes() <= CAPACITY, stats.toString());
            }
        }
    }

    @Test
    void theCapacityBoundsTheBlocksOfAllTheStores() throws Exception {
        try (SharedBlockCache cache = SharedBlockCache.create(CAPACITY, CAPACITY)) {
            List<TurboKV> stores = new ArrayList<>();
            try {
                for (String name : List.of("a", "b", "c")) {
                    stores.add(filled(name, cache));
                }
                long maxCharged = 0;
                long maxReserved = 0;
                for (int round = 0; round < 3; round++) {
                    for (int s = 0; s < stores.size(); s++) {
                        String name = List.of("a", "b", "c").get(s);
                        for (int i = round; i < KEYS; i += 11) {
                            assertArrayEquals(value(name, i), stores.get(s).get(0, key(i)).orElseThrow());
                        }
                        CacheStatistics keys = cache.keyBlockStatistics();
                        maxCharged = Math.max(maxCharged, keys.chargedBytes());
                        maxReserved = Math.max(maxReserved, keys.reservedBytes());
                    }
                }
                CacheStatistics keys = cache.keyBlockStatistics();
                System.out.println("shared key-block cache of 3 stores: " + keys + ", at most " + maxCharged
                        + " charged, " + maxReserved + " reserved");
                assertTrue(maxCharged <= CAPACITY, maxCharged + " charged");
                // the allocator's own bound: 1.25 x the capacity plus one chunk (of 16 KiB to 1 MiB)
                assertTrue(maxReserved <= CAPACITY * 5 / 4 + (1 << 20), maxReserved + " reserved");
                long storeMisses = 0;
                for (TurboKV db : stores) {
                    storeMisses += db.statistics().keyBlockCache().misses();
                }
                assertEquals(storeMisses, keys.misses(), "the cache's misses are its stores'");
                assertTrue(keys.items() > 0, keys.toString());
            } finally {
                for (TurboKV db : stores) {
                    db.close();
                }
            }
        }
    }

    @Test
    void clearCacheOfOneStoreEvictsOnlyItsBlocks() throws Exception {
        try (SharedBlockCache cache = SharedBlockCache.create(64L << 20);
             TurboKV a = filled("a", cache);
             TurboKV b = filled("b", cache)) {
            for (int i = 0; i < KEYS; i += 13) {
                a.get(0, key(i));
                b.get(0, key(i));
            }
            int both = cache.keyBlockStatistics().items();
            a.clearCache();
            int onlyB = cache.keyBlockStatistics().items();
            assertTrue(onlyB > 0 && onlyB < both, both + " then " + onlyB);
            for (int i = 0; i < KEYS; i += 13) {
                assertArrayEquals(value("b", i), b.get(0, key(i)).orElseThrow());
            }
            assertEquals(onlyB, cache.keyBlockStatistics().items(), "b's blocks stayed: every read hit");
            assertArrayEquals(value("a", 5), a.get(0, key(5)).orElseThrow());
        }
    }

    @Test
    void aClosedCacheServesItsStoresUntilTheLastClosesAndRefusesNewOnes() throws Exception {
        SharedBlockCache cache = SharedBlockCache.create(8L << 20);
        TurboKV a = filled("a", cache);
        cache.close();
        assertTrue(cache.isClosed());
        for (int i = 0; i < KEYS; i += 17) {
            assertArrayEquals(value("a", i), a.get(0, key(i)).orElseThrow());
        }
        assertTrue(cache.keyBlockStatistics().reservedBytes() > 0);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TurboKV.open(dir.resolve("b"),
                DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).blockCache(cache).build()));
        assertTrue(refused.getMessage().contains("closed"), refused.getMessage());
        a.close();
        assertEquals(0, cache.stores());
        assertEquals(0, cache.keyBlockStatistics().reservedBytes(), "unmapped with the last store");
        // the refused open released what it had opened: the directory is not locked
        try (TurboKV b = TurboKV.open(dir.resolve("b"), DbConfig.singleFamily())) {
            assertFalse(b.get(0, key(1)).isPresent());
        }
    }

    @Test
    void readersOfManyStoresOnTwoCoresNeverSeeAnotherStoresBytes() throws Exception {
        int stores = 3;
        int readersPerStore = 3;
        try (SharedBlockCache cache = SharedBlockCache.create(CAPACITY / 2, CAPACITY / 2)) {
            List<TurboKV> dbs = new ArrayList<>();
            for (int s = 0; s < stores; s++) {
                dbs.add(filled("s" + s, cache));
            }
            ExecutorService pool = Executors.newFixedThreadPool(stores * readersPerStore);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong checked = new AtomicLong();
            CountDownLatch started = new CountDownLatch(stores * readersPerStore);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int s = 0; s < stores; s++) {
                    for (int r = 0; r < readersPerStore; r++) {
                        TurboKV db = dbs.get(s);
                        String name = "s" + s;
                        long seed = s * 100L + r;
                        futures.add(pool.submit(() -> {
                            started.countDown();
                            checked.addAndGet(readUntil(db, name, seed, stop));
                            return null;
                        }));
                    }
                }
                started.await();
                Thread.sleep(1500);
                stop.set(true);
                for (Future<?> future : futures) {
                    future.get();
                }
            } finally {
                stop.set(true);
                pool.shutdown();
                for (TurboKV db : dbs) {
                    db.close();
                }
            }
            CacheStatistics values = cache.valueBlockStatistics();
            System.out.println("9 readers of 3 stores: " + checked.get() + " values checked; " + values);
            assertTrue(checked.get() > 1000, checked.get() + " values checked");
            assertTrue(values.misses() > values.items() * 4L, "continuous eviction: " + values);
        }
    }
}
