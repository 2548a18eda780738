package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
            CountDownLatch waiting = new CountDownLatch(1);
            Future<Long> waited = second.submit(() -> {
                waiting.countDown();
                long start = System.nanoTime();
                try (WriteBatch batch = db.writeBatch(Duration.ofSeconds(30))) {
                    long elapsed = System.nanoTime() - start;
                    batch.put(0, bytes("k"), bytes("second"));
                    batch.commit();
                    return elapsed;
                }
            });
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            Thread.sleep(300); // the second writer is blocked meanwhile
            assertFalse(waited.isDone(), "the second batch started while the first was active");
            first.commit();
            first.close();
            long elapsed = waited.get(30, TimeUnit.SECONDS);
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(250), "waited only " + elapsed + " ns");
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
            Future<WriteBatch> waiting = second.submit(() -> db.writeBatch(Duration.ofSeconds(30)));
            Thread.sleep(200);
            db.close(); // rolls the held batch back, which frees the slot of a closed store
            Exception failure = assertThrows(Exception.class, () -> waiting.get(30, TimeUnit.SECONDS));
            assertEquals(StoreClosedException.class, failure.getCause().getClass());
            held.close();
        } finally {
            second.shutdownNow();
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
