package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A held write slot is reported by its own type, {@link WriteSlotBusyException}, and {@link TurboKV#tryWriteBatch()}
 * reports it without one; neither leaves the slot claimed.
 */
class WriteSlotBusyTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private static void put(TurboKV db, String key, String value) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            batch.put(0, bytes(key), bytes(value));
            batch.commit();
        }
    }

    @Test
    void aHeldBatchIsReportedTypedWithWhereItWasCreatedAndTryWriteBatchIsEmpty() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch holder = db.writeBatch()) {
                holder.put(0, bytes("k"), bytes("held"));
                WriteSlotBusyException refused = assertThrows(WriteSlotBusyException.class, db::writeBatch);
                assertEquals("write batch", refused.holder());
                assertEquals(dir, refused.directory());
                assertTrue(refused.getMessage().contains("Another write batch is already active"),
                        refused.getMessage());
                assertNotNull(refused.getCause(), "where the holding batch was created");
                assertTrue(db.tryWriteBatch().isEmpty());
                WriteSlotBusyException afterWait = assertThrows(WriteSlotBusyException.class,
                        () -> db.writeBatch(Duration.ofMillis(20)));
                assertEquals("write batch", afterWait.holder());
                holder.commit();
            }
            Optional<WriteBatch> tried = db.tryWriteBatch();
            assertTrue(tried.isPresent(), "the refusals above claimed nothing, so the slot is free again");
            try (WriteBatch batch = tried.get()) {
                batch.put(0, bytes("k"), bytes("tried"));
                batch.commit();
            }
            assertEquals("tried", new String(db.get(0, bytes("k")).orElseThrow(), UTF_8));
        }
    }

    /**
     * A refused try is the expected answer of a writer that polls, not an error: it builds no throwable (neither a
     * {@link WriteSlotBusyException} nor the created-here trace), which JFR's throwable event would record.
     */
    @Test
    void aRefusedTryWriteBatchCreatesNoThrowable() throws Exception {
        Path recorded = dir.resolve("throwables.jfr");
        Thread tester = Thread.currentThread();
        try (TurboKV db = TurboKV.open(dir.resolve("store"), DbConfig.singleFamily());
             WriteBatch holder = db.writeBatch()) {
            try (Recording recording = new Recording()) {
                recording.enable("jdk.JavaExceptionThrow").withStackTrace();
                recording.start();
                for (int i = 0; i < 100; i++) {
                    assertTrue(db.tryWriteBatch().isEmpty());
                }
                recording.stop();
                recording.dump(recorded);
            }
            holder.commit();
        }
        long created = RecordingFile.readAllEvents(recorded).stream()
                .filter(event -> event.getEventType().getName().equals("jdk.JavaExceptionThrow"))
                .filter(event -> event.getThread() != null
                        && event.getThread().getJavaThreadId() == tester.threadId())
                .filter(WriteSlotBusyTest::fromTryWriteBatch)
                .count();
        assertEquals(0, created, "throwables built by 100 refused tries");
    }

    private static boolean fromTryWriteBatch(RecordedEvent event) {
        return event.getStackTrace() != null && event.getStackTrace().getFrames().stream()
                .anyMatch(frame -> frame.getMethod().getName().equals("tryWriteBatch"));
    }

    @Test
    void manyRefusedTriesLeakNoClaimAndTheStoreClosesWithoutWaiting() throws Exception {
        TurboKV db = TurboKV.open(dir, DbConfig.singleFamily());
        try (WriteBatch holder = db.writeBatch()) {
            for (int i = 0; i < 1_000; i++) {
                assertTrue(db.tryWriteBatch().isEmpty());
            }
            holder.put(0, bytes("k"), bytes("v"));
            holder.commit();
        }
        for (int i = 0; i < 3; i++) {
            try (WriteBatch batch = db.tryWriteBatch().orElseThrow()) {
                batch.put(0, bytes("k" + i), bytes("v"));
                batch.commit();
            }
        }
        db.close(); // would wait forever for a leaked claim
        try (TurboKV reopened = TurboKV.open(dir, DbConfig.singleFamily())) {
            assertEquals("v", new String(reopened.get(0, bytes("k2")).orElseThrow(), UTF_8));
        }
    }

    @Test
    void aCompactionHoldingTheSlotIsReportedTypedWithoutACause() throws Exception {
        CreationGate gate = new CreationGate();
        DbConfig config = DbConfig.builder().family("f", FamilyKind.SINGLE_VALUE).fileLayer(gate).build();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int i = 0; i < 3; i++) {
                put(db, "a", "v" + i);
            }
            gate.arm();
            Future<?> compaction = executor.submit(() -> {
                db.fullCompact();
                return null;
            });
            gate.awaitHeld();
            WriteSlotBusyException refused = assertThrows(WriteSlotBusyException.class, db::writeBatch);
            assertEquals("compaction", refused.holder());
            assertNull(refused.getCause(), "a compaction has no creation site to report");
            assertTrue(db.tryWriteBatch().isEmpty());
            gate.open();
            compaction.get();
            put(db, "a", "after");
            assertEquals("after", new String(db.get(0, bytes("a")).orElseThrow(), UTF_8));
        } finally {
            gate.open();
            executor.shutdownNow();
        }
    }

    @Test
    void otherRefusalsAreNotReportedAsABusySlot() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            put(db, "k", "v");
        }
        try (TurboKV readOnly = TurboKV.openReadOnly(dir)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, readOnly::tryWriteBatch);
            assertFalse(refused instanceof WriteSlotBusyException, refused.toString());
            assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
        }
        TurboKV closed = TurboKV.open(dir, DbConfig.singleFamily());
        closed.close();
        assertInstanceOf(StoreClosedException.class, assertThrows(IllegalStateException.class, closed::tryWriteBatch));
    }
}
