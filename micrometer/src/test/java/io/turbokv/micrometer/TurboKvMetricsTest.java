package io.turbokv.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.Statistics;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import io.turbokv.WriteBufferReserve;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binder's meters against the store's own statistics, read through a {@link SimpleMeterRegistry}. */
class TurboKvMetricsTest {
    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return String.format(Locale.ROOT, "key-%08d-of-the-metrics-test", i).getBytes(UTF_8);
    }

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        FunctionCounter counter = registry.get(name).tags(tags).functionCounter();
        return counter.count();
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String... tags) {
        Gauge gauge = registry.get(name).tags(tags).gauge();
        return gauge.value();
    }

    /** Allocates until a young collection has certainly run: a weakly held binder would be gone. */
    private static void collectGarbage() {
        WeakReference<Object> probe = new WeakReference<>(new Object());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (probe.get() != null && System.nanoTime() < deadline) {
            byte[][] garbage = new byte[1024][];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = new byte[1024];
            }
        }
        assertNull(probe.get(), "no collection within 30 s");
    }

    @Test
    void metersShowTheStoresStatistics() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path store = dir.resolve("store");
        TurboKV db = TurboKV.open(store, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).build());
        try {
            for (int b = 0; b < 2; b++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = b * 5000; i < (b + 1) * 5000; i++) {
                        batch.put(0, key(i), ("value of " + i + " ").repeat(3).getBytes(UTF_8));
                    }
                    batch.commit();
                }
            }
            try (WriteBatch batch = db.writeBatch()) {
                batch.delete(0, key(10));
                batch.commit();
            }
            for (int i = 0; i < 10_000; i += 10) {
                db.get(0, key(i));
            }
            db.get(0, key(20_000));
            new TurboKvMetrics(db, Tags.of("app", "test")).bindTo(registry); // the binder itself is dropped
            Statistics stats = db.statistics();
            assertEquals(999, counter(registry, "turbokv.gets", "result", "value"));
            collectGarbage();

            String[] ofStore = {"store", store.toString(), "app", "test"};
            assertEquals(stats.valueHits(), counter(registry, "turbokv.gets", "result", "value"));
            assertEquals(999, stats.valueHits());
            assertEquals(0, counter(registry, "turbokv.gets", "result", "blob"));
            assertEquals(stats.deletedHits(), counter(registry, "turbokv.gets", "result", "deleted"));
            assertEquals(1, counter(registry, "turbokv.gets", "result", "deleted"), "key 10 was deleted");
            assertEquals(stats.misses(), counter(registry, "turbokv.gets", "result", "miss"));
            assertEquals(stats.filterMisses(), counter(registry, "turbokv.sst.skips", "reason", "filter"));
            assertEquals(stats.rangeMisses() + stats.filterMisses() + stats.keyMisses() + stats.familyMisses(),
                    registry.get("turbokv.sst.skips").functionCounters().stream()
                            .mapToDouble(FunctionCounter::count).sum());
            assertEquals(3, gauge(registry, "turbokv.files", "kind", "meta"));
            assertEquals(stats.sstFiles(), gauge(registry, "turbokv.files", "kind", "sst"));
            assertEquals(stats.keyBlockCache().hits(),
                    counter(registry, "turbokv.cache.gets", "cache", "key-blocks", "result", "hit"));
            assertEquals(stats.keyBlockCache().misses(),
                    counter(registry, "turbokv.cache.gets", "cache", "key-blocks", "result", "miss"));
            assertEquals(DbConfig.DEFAULT_VALUE_BLOCK_CACHE_BYTES,
                    gauge(registry, "turbokv.cache.size", "cache", "value-blocks", "measure", "capacity"));
            assertEquals(stats.keyBlockCache().chargedBytes(),
                    gauge(registry, "turbokv.cache.size", "cache", "key-blocks", "measure", "charged"));
            assertEquals(stats.keyBlockCache().items(), gauge(registry, "turbokv.cache.items", "cache", "key-blocks"));
            assertTrue(registry.get("turbokv.gets").tags(ofStore).functionCounters().size() == 4,
                    "every meter carries the store and the given tags");
            assertEquals(stats.writeBufferPoolBytes(), gauge(registry, "turbokv.write.buffers", "holder", "store"));
            assertEquals(0, gauge(registry, "turbokv.write.buffers", "holder", "reserve"), "no reserve");
            assertEquals(26, registry.getMeters().size(), "12 of the store, 7 per cache");
        } finally {
            db.close();
        }
        Thread.sleep(TurboKvMetrics.SNAPSHOT_MILLIS + 50);
        assertTrue(Double.isNaN(gauge(registry, "turbokv.files", "kind", "sst")), "NaN once the store is closed");
    }

    @Test
    void theReserveGaugeShowsWhatAClosedStoreLeftInTheReserve() throws Exception {
        try (WriteBufferReserve reserve = WriteBufferReserve.create(64L << 20)) {
            DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                    .writeBufferReserve(reserve).build();
            try (TurboKV first = TurboKV.open(dir.resolve("first"), config)) {
                try (WriteBatch batch = first.writeBatch()) {
                    for (int i = 0; i < 20_000; i++) {
                        batch.put(0, key(i), ("value of " + i + " ").repeat(3).getBytes(UTF_8));
                    }
                    batch.commit();
                }
            }
            assertTrue(reserve.heldBytes() > 0, "the first store's buffers went to the reserve at its close");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (TurboKV second = TurboKV.open(dir.resolve("second"), config)) {
                new TurboKvMetrics(second, Tags.empty()).bindTo(registry);
                assertEquals(reserve.heldBytes(), gauge(registry, "turbokv.write.buffers", "holder", "reserve"));
                assertEquals(second.statistics().writeBufferPoolBytes(),
                        gauge(registry, "turbokv.write.buffers", "holder", "store"));
            }
        }
    }
}
