package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic compaction ({@link CompactionPolicy#whenSstCountAbove}): commits trigger it on the engine's shared pool
 * of compaction threads, it is the store's write operation (a writer fails naming it, or waits for it), readers read
 * through it, the store's close waits for it (the last store's close ends the pool's threads), and its failure is
 * logged and thrown by the next write.
 * Compactions are held at their first file creation by a file layer, so each test sees one under way.
 */
class BackgroundCompactionTest {
    private static final int KEYS_PER_BATCH = 200;

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private static byte[] key(int batch, int i) {
        return bytes("key-" + batch + "-" + i);
    }

    private static byte[] value(int batch, int i) {
        return bytes("value-" + batch + "-" + i);
    }

    /** A file layer whose files created on the compaction thread wait for {@link #release()}, or fail. */
    private static final class CompactionGate implements FileLayer {
        private final FileLayer real = FileLayer.standard();
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile boolean fail;
        /** With {@link #fail}: throw an unchecked exception, as a bug or a closed mapping would. */
        private volatile boolean failUnchecked;
        private volatile int failures;

        void release() {
            released.countDown();
        }

        boolean awaitCompaction() throws InterruptedException {
            return entered.await(30, TimeUnit.SECONDS);
        }

        @Override
        public WritableFile create(Path path) throws IOException {
            if (Thread.currentThread().getName().startsWith("turbokv-compaction")) {
                if (fail) {
                    failures++;
                    if (failUnchecked) {
                        throw new IllegalStateException("injected: unchecked failure creating " + path);
                    }
                    throw new IOException("injected: no space for " + path);
                }
                entered.countDown();
                try {
                    if (!released.await(60, TimeUnit.SECONDS)) { // a failed test must not hang the build
                        throw new IOException("the test never released the compaction");
                    }
                } catch (InterruptedException e) {
                    throw new IOException("interrupted", e);
                }
            }
            return real.create(path);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            real.syncDirectory(directory);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            real.rename(from, to);
        }

        @Override
        public boolean delete(Path path) throws IOException {
            return real.delete(path);
        }
    }

    private TurboKV open(CompactionGate gate, int sstCountAbove) throws IOException {
        return open(dir, gate, sstCountAbove);
    }

    private static TurboKV open(Path directory, FileLayer layer, int sstCountAbove) throws IOException {
        return TurboKV.open(directory, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .compactionPolicy(CompactionPolicy.whenSstCountAbove(sstCountAbove)).fileLayer(layer).build());
    }

    private static void commit(TurboKV db, int batch) throws IOException, InterruptedException {
        try (WriteBatch writes = db.writeBatch(Duration.ofSeconds(30))) {
            for (int i = 0; i < KEYS_PER_BATCH; i++) {
                writes.put(0, key(batch, i), value(batch, i));
            }
            writes.commit();
        }
    }

    private static void checkAll(TurboKV db, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < KEYS_PER_BATCH; i += 7) {
                assertArrayEquals(value(b, i), db.get(0, key(b, i)).orElseThrow(), "batch " + b + " key " + i);
            }
        }
    }

    /** Starts write batches until one fails with the background compaction's failure (within 30 s). */
    private static IllegalStateException awaitReportedFailure(TurboKV db) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                db.writeBatch(Duration.ofSeconds(5)).close();
                Thread.sleep(10); // the compaction has not failed yet
            } catch (IllegalStateException e) {
                return e;
            }
        }
        throw new AssertionError("no write reported the compaction's failure within 30 s");
    }

    private static List<Thread> compactionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("turbokv-compaction")).toList();
    }

    @Test
    void commitsTriggerACompactionThatWritersWaitForAndReadersReadThrough() throws Exception {
        CompactionGate gate = new CompactionGate();
        try (TurboKV db = open(gate, 2)) {
            commit(db, 0);
            commit(db, 1);
            assertEquals(2, db.statistics().sstFiles(), "at the limit: no compaction");
            commit(db, 2);
            assertTrue(gate.awaitCompaction(), "the third SST started a compaction");

            IllegalStateException refused = assertThrows(IllegalStateException.class, db::writeBatch);
            assertTrue(refused.getMessage().contains("compaction"), refused.getMessage());
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
                try {
                    commit(db, 3); // writeBatch(Duration) waits for the compaction
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            checkAll(db, 3); // readers go on while the compaction holds the slot
            assertFalse(waiting.isDone(), "the writer waits for the compaction");

            gate.release();
            waiting.get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (db.statistics().sstFiles() > 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(db.statistics().sstFiles() <= 2, db.statistics().toString());
            checkAll(db, 4);
            int threads = compactionThreads().size();
            assertTrue(threads >= 1 && threads <= CompactionPolicy.COMPACTION_THREADS, threads + " threads");
        }
        assertEquals(List.of(), compactionThreads(), "the last store's close joined the shared threads");
    }

    @Test
    void closeWaitsForTheCompactionUnderWayAndStopsTheThread() throws Exception {
        CompactionGate gate = new CompactionGate();
        TurboKV db = open(gate, 1);
        try {
            for (int b = 0; b < 3; b++) {
                commit(db, b);
            }
            assertTrue(gate.awaitCompaction());
        } catch (Exception | Error e) {
            gate.release();
            db.close();
            throw e;
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                db.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(closing.isDone(), "close waits for the compaction");
        gate.release();
        closing.get(30, TimeUnit.SECONDS);
        assertEquals(List.of(), compactionThreads());
        assertThrows(StoreClosedException.class, db::writeBatch);
        try (TurboKV reopened = TurboKV.open(dir)) {
            checkAll(reopened, 3);
            assertTrue(reopened.statistics().sstFiles() <= 3, reopened.statistics().toString());
        }
    }

    @Test
    void aFailedCompactionIsLoggedAndThrownByTheNextWriteOnce() throws Exception {
        Logger logger = Logger.getLogger("io.turbokv");
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        boolean parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false); // the warning is expected here; keep the build output clean
        logger.addHandler(capture);
        CompactionGate gate = new CompactionGate();
        gate.fail = true;
        try (TurboKV db = open(gate, 1)) {
            commit(db, 0);
            commit(db, 1);
            IllegalStateException reported = awaitReportedFailure(db);
            assertTrue(reported.getMessage().contains("background compaction"), reported.getMessage());
            assertInstanceOf(IOException.class, reported.getCause());
            assertTrue(reported.getCause().getMessage().contains("injected"), reported.getCause().getMessage());
            assertEquals(1, gate.failures, "not retried before the next commit");
            LogRecord record = records.stream().filter(r -> r.getLevel() == Level.WARNING).findFirst().orElseThrow();
            assertTrue(record.getMessage().contains("background compaction"), record.getMessage());
            assertEquals(reported.getCause(), record.getThrown());

            // reported once; the store goes on, and compacts again once the fault is gone
            gate.fail = false;
            gate.release();
            commit(db, 2);
            checkAll(db, 3);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (db.statistics().sstFiles() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, db.statistics().sstFiles(), db.statistics().toString());
            checkAll(db, 3);
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(parentHandlers);
        }
    }

    @Test
    void anUncheckedCompactionFailureIsReportedNotRetriedSilently() throws Exception {
        Logger logger = Logger.getLogger("io.turbokv");
        boolean parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false); // the warning is expected here; keep the build output clean
        CompactionGate gate = new CompactionGate();
        gate.fail = true;
        gate.failUnchecked = true;
        try (TurboKV db = open(gate, 1)) {
            commit(db, 0);
            commit(db, 1);
            IllegalStateException reported = awaitReportedFailure(db);
            assertTrue(reported.getMessage().contains("background compaction"), reported.getMessage());
            assertTrue(reported.getCause().getMessage().contains("injected: unchecked"),
                    reported.getCause().getMessage());
            Thread.sleep(4 * CompactionPolicy.CHECK_INTERVAL_MILLIS); // time for retries, were there any
            assertEquals(1, gate.failures, "not retried before the next commit");
            checkAll(db, 2);
        } finally {
            logger.setUseParentHandlers(parentHandlers);
        }
    }

    @Test
    void aManualPolicyStartsNoThread() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int b = 0; b < 4; b++) {
                commit(db, b);
            }
            assertEquals(List.of(), compactionThreads());
            assertEquals(4, db.statistics().sstFiles());
            assertFalse(db.config().compactionPolicy().isAutomatic());
        }
        assertThrows(IllegalArgumentException.class, () -> CompactionPolicy.whenSstCountAbove(-1));
    }
    /** Waits up to a minute for automatic compaction to bring {@code db} to at most {@code ssts} SSTs. */
    static void awaitSstsAtMost(TurboKV db, int ssts) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (db.statistics().sstFiles() > ssts && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(db.statistics().sstFiles() <= ssts, db.directory() + ": " + db.statistics());
    }

    @Test
    void manyStoresCompactOnABoundedNumberOfSharedThreadsThatEndWithTheLastStore() throws Exception {
        int storeCount = 24; // six times the most threads the pool may have
        List<TurboKV> stores = new ArrayList<>();
        try {
            for (int s = 0; s < storeCount; s++) {
                stores.add(open(dir.resolve("store-" + s), FileLayer.standard(), 2));
            }
            TurboKV last = stores.getLast();
            int mostThreads = 0;
            for (int b = 0; b < 4; b++) {
                for (TurboKV db : stores) {
                    if (db != last || b < 2) { // the last store stays at its limit until the others are closed
                        commit(db, b);
                    }
                    mostThreads = Math.max(mostThreads, compactionThreads().size());
                }
            }
            for (TurboKV db : stores.subList(0, storeCount - 1)) {
                awaitSstsAtMost(db, 2);
                mostThreads = Math.max(mostThreads, compactionThreads().size());
                checkAll(db, 4);
            }
            assertTrue(mostThreads >= 1 && mostThreads <= CompactionPolicy.COMPACTION_THREADS,
                    mostThreads + " compaction threads for " + storeCount + " stores");
            assertEquals(2, last.statistics().sstFiles(), "at its limit: not compacted");
            for (int s = 0; s < storeCount - 1; s++) {
                stores.get(s).close();
            }
            assertFalse(compactionThreads().isEmpty(), "a store is still open: its threads stay");
            commit(last, 2); // the last store still compacts after the others closed
            awaitSstsAtMost(last, 2);
            checkAll(last, 3);
        } finally {
            for (TurboKV db : stores) {
                db.close();
            }
        }
        assertEquals(List.of(), compactionThreads(), "the last store's close joined the shared threads");

        // a store opened after that starts the threads again
        try (TurboKV db = open(dir.resolve("store-0"), FileLayer.standard(), 2)) {
            commit(db, 4);
            commit(db, 5);
            awaitSstsAtMost(db, 2);
            checkAll(db, 6);
        }
        assertEquals(List.of(), compactionThreads());
    }

    @Test
    void aStoresCloseDoesNotWaitForAnotherStoresCompactionUnderWay() throws Exception {
        CompactionGate gate = new CompactionGate();
        TurboKV compacting = open(dir.resolve("compacting"), gate, 1);
        try {
            TurboKV other = open(dir.resolve("other"), FileLayer.standard(), 1);
            for (int b = 0; b < 2; b++) {
                commit(other, b);
                commit(compacting, b);
            }
            assertTrue(gate.awaitCompaction(), "the gated store's compaction runs and is held");
            awaitSstsAtMost(other, 1); // the other store compacts on another shared thread meanwhile
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try {
                    other.close();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            closing.get(30, TimeUnit.SECONDS); // would time out if it waited for the held compaction
            assertFalse(compactionThreads().isEmpty(), "the held compaction's store is open: its threads stay");
            IllegalStateException refused = assertThrows(WriteSlotBusyException.class, compacting::writeBatch);
            assertTrue(refused.getMessage().contains("compaction"), refused.getMessage());
        } finally {
            gate.release();
            compacting.close();
        }
        assertEquals(List.of(), compactionThreads());
        try (TurboKV reopened = TurboKV.open(dir.resolve("compacting"))) {
            checkAll(reopened, 2);
        }
    }

    @Test
    void oneStoresFailedCompactionIsReportedToThatStoreOnlyAndTheOthersGoOn() throws Exception {
        Logger logger = Logger.getLogger("io.turbokv");
        boolean parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false); // the warning is expected here; keep the build output clean
        CompactionGate failing = new CompactionGate();
        failing.fail = true;
        try (TurboKV broken = open(dir.resolve("failing"), failing, 1);
             TurboKV healthy = open(dir.resolve("healthy"), FileLayer.standard(), 1)) {
            commit(broken, 0);
            commit(broken, 1);
            IllegalStateException reported = awaitReportedFailure(broken);
            assertInstanceOf(IOException.class, reported.getCause());
            assertFalse(reported instanceof WriteSlotBusyException, "a failure, not a busy slot");
            for (int b = 0; b < 3; b++) {
                commit(healthy, b);
            }
            awaitSstsAtMost(healthy, 1); // the shared threads went on after the other store's failure
            checkAll(healthy, 3);
            commit(broken, 2); // reported once: the failing store takes writes again
            checkAll(broken, 3);
        } finally {
            logger.setUseParentHandlers(parentHandlers);
        }
        assertEquals(List.of(), compactionThreads());
    }
}
