package io.turbokv.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CompactionPolicy;
import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A background compaction check that throws outside the compaction's own failure handling (here: the handling itself
 * throws) is logged and reported once, ends that store's checks rather than failing silently at every look (the
 * shared pool's future would swallow it), and leaves the pool compacting the other stores.
 */
class BackgroundCompactionCheckFailureTest {
    @TempDir
    Path dir;

    @Test
    void aCheckThatThrowsIsLoggedAndReportedOnceAndThePoolGoesOn() throws Exception {
        Logger logger = Logger.getLogger("io.turbokv");
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING && record.getMessage().contains("broken-store")) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        boolean parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false); // the warnings are expected here; keep the build output clean
        logger.addHandler(capture);
        // one live SST over a limit of none, and no writer: the compaction throws, and so does its failure handling
        // (writer.isBroken()), as a bug in the writer would
        StoreState overLimit = new StoreState(List.of(new LiveMeta(null, new SstSlot[] {null})), 1);
        BackgroundCompaction broken = new BackgroundCompaction(null, new VersionTracker<>(overLimit, e -> {}),
                CompactionPolicy.whenSstCountAbove(0), dir.resolve("broken-store"));
        try {
            Exception reported = awaitFailure(broken);
            assertInstanceOf(NullPointerException.class, reported);
            Thread.sleep(6 * CompactionPolicy.CHECK_INTERVAL_MILLIS); // time for more looks, were the checks retried
            assertNull(broken.takeFailure(), "reported once");
            assertEquals(2, warnings.size(), "the compaction's failure, then the check's end, once each: " + warnings);
            assertTrue(warnings.get(1).getMessage().contains("no automatic compaction"),
                    warnings.get(1).getMessage());

            try (TurboKV db = TurboKV.open(dir.resolve("healthy-store"), DbConfig.builder()
                    .family("default", FamilyKind.SINGLE_VALUE)
                    .compactionPolicy(CompactionPolicy.whenSstCountAbove(1)).build())) {
                for (int batch = 0; batch < 3; batch++) {
                    try (WriteBatch writes = db.writeBatch(Duration.ofSeconds(30))) {
                        writes.put(0, ("key-" + batch).getBytes(UTF_8), ("value-" + batch).getBytes(UTF_8));
                        writes.commit();
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (db.statistics().sstFiles() > 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, db.statistics().sstFiles(), "the pool still compacts: " + db.statistics());
            }
        } finally {
            broken.stop();
            logger.removeHandler(capture);
            logger.setUseParentHandlers(parentHandlers);
        }
    }

    private static Exception awaitFailure(BackgroundCompaction compaction) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Exception failure = compaction.takeFailure();
            if (failure != null) {
                return failure;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no failure reported within 30 s");
    }
}
