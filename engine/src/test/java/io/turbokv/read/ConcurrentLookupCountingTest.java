package io.turbokv.read;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.Statistics;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The statistics count every read of every thread exactly, however many threads read at once: more readers than
 * the read path pools contexts for make contexts that are dropped after one call, and their counts must not go
 * with them; the statistics read while other threads read, and again after they have ended.
 */
class ConcurrentLookupCountingTest {
    private static final int KEYS = 2_000;
    /** More than the read path pools contexts for (four per processor). */
    private static final int THREADS = 4 * Runtime.getRuntime().availableProcessors() + 16;
    private static final int READS_PER_THREAD = 1_000;

    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(UTF_8);
    }

    @Test
    void everyReadOfEveryThreadIsCountedOnce() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.builder().family("a", FamilyKind.SINGLE_VALUE).build())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < KEYS; i++) {
                    batch.put(0, key(i), ("value-" + i).getBytes(UTF_8));
                }
                batch.commit();
            }
            Statistics before = db.statistics();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> readers = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int r = 0; r < READS_PER_THREAD; r++) {
                            int i = (first * 7_919 + r * 31) % (2 * KEYS); // half of them never written
                            db.get(0, key(i));
                            if (r % 250 == 0) {
                                db.statistics(); // summed while the others count
                            }
                        }
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }));
            }
            start.countDown();
            for (Thread reader : readers) {
                reader.join();
            }
            assertEquals(List.of(), failures);
            long expectedHits = 0;
            for (int t = 0; t < THREADS; t++) {
                for (int r = 0; r < READS_PER_THREAD; r++) {
                    expectedHits += (t * 7_919 + r * 31) % (2 * KEYS) < KEYS ? 1 : 0;
                }
            }
            long reads = (long) THREADS * READS_PER_THREAD;
            Statistics after = db.statistics();
            assertEquals(expectedHits, after.valueHits() - before.valueHits(), "value hits");
            assertEquals(reads - expectedHits, after.misses() - before.misses(), "misses");
            // one SST: every read of an absent key was ruled out by its hash range, its key filter or its key block
            assertEquals(reads - expectedHits, after.rangeMisses() - before.rangeMisses() + after.filterMisses()
                    - before.filterMisses() + after.keyMisses() - before.keyMisses(), "SSTs ruled out");
        }
    }
}
