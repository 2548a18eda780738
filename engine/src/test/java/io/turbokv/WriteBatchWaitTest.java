package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TurboKV#writeBatch(Duration)}: waits for the write slot instead of failing at once. */
class WriteBatchWaitTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    @Test
    void secondWriterWaitsForTheActiveBatchToCommitThenCommitsItsOwn() throws Exception {
        ExecutorService second = Executors.newSingleThreadExecutor();
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            WriteBatch first = db.writeBatch();
            first.put(0, bytes("k"), bytes("first"));
            AtomicReference<Thread> writer = new AtomicReference<>();
            Future<?> waited = second.submit(() -> {
                writer.set(Thread.currentThread());
                try (WriteBatch batch = db.writeBatch(Duration.ofSeconds(30))) {
                    batch.put(0, bytes("k"), bytes("second"));
                    batch.commit();
                }
                return null;
            });
            awaitParked(writer);
            assertFalse(waited.isDone(), "the second batch started while the first was active");
            first.commit();
            first.close();
            waited.get(30, TimeUnit.SECONDS);
            assertArrayEquals(bytes("second"), db.get(0, bytes("k")).orElseThrow());
        } finally {
            second.shutdownNow();
        }
    }

    @Test
    void waitEndsWithTheUsualRefusalWhenTheSlotStaysHeld() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily()); WriteBatch held = db.writeBatch()) {
            held.put(0, bytes("k"), bytes("held"));
            long start = System.nanoTime();
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> db.writeBatch(Duration.ofMillis(200)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
            assertTrue(refused.getMessage().contains("write batch is already active"), refused.getMessage());
        }
    }

    @Test
    void waitingWriterIsReleasedWithStoreClosedWhenTheStoreCloses() throws Exception {
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            TurboKV db = TurboKV.open(dir, DbConfig.singleFamily());
            WriteBatch held = db.writeBatch();
            AtomicReference<Thread> writer = new AtomicReference<>();
            Future<WriteBatch> waiting = second.submit(() -> {
                writer.set(Thread.currentThread());
                return db.writeBatch(Duration.ofSeconds(30));
            });
            awaitParked(writer);
            db.close(); // rolls the held batch back, which frees the slot of a closed store
            Exception failure = assertThrows(Exception.class, () -> waiting.get(30, TimeUnit.SECONDS));
            assertEquals(StoreClosedException.class, failure.getCause().getClass());
            held.close();
        } finally {
            second.shutdownNow();
        }
    }

    /**
     * Waits until the thread {@code writer} names is parked in a timed wait, the state {@code writeBatch(Duration)}
     * puts it in while the slot is held: a condition, not a guess at how long the thread needs to get there.
     */
    private static void awaitParked(AtomicReference<Thread> writer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (writer.get() == null || writer.get().getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the second writer never waited for the slot");
            Thread.onSpinWait();
        }
    }

    @Test
    void freeSlotIsTakenWithoutWaiting() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily());
             WriteBatch batch = db.writeBatch(Duration.ofSeconds(5))) {
            batch.put(0, bytes("k"), bytes("v"));
            batch.commit();
        }
    }
}
