package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store reuses its write buffers from batch to batch (a pool, see docs/ARCHITECTURE.md): a batch must never see
 * or write another batch's entries, a late filler must be refused, and a small commit must free no shared arena.
 */
class WriteBufferReuseTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** A 100-byte value that encodes its batch and key, so a value written into the wrong buffer shows. */
    private static byte[] value(String batch, int key) {
        byte[] value = new byte[100];
        Arrays.fill(value, (byte) (batch.hashCode() ^ key));
        byte[] tag = bytes(batch + "/" + key);
        System.arraycopy(tag, 0, value, 0, tag.length);
        return value;
    }

    @Test
    void aPutRacingWithCloseIsRefusedAndNeverReachesTheNextBatch() throws Exception {
        int rounds = 60;
        int keysPerRound = 50;
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int round = 0; round < rounds; round++) {
                WriteBatch late = db.writeBatch();
                CountDownLatch started = new CountDownLatch(1);
                AtomicReference<Throwable> ended = new AtomicReference<>();
                AtomicInteger latePuts = new AtomicInteger();
                String lateName = "late" + round;
                Thread filler = new Thread(() -> {
                    try {
                        for (int i = 0;; i++) {
                            late.put(0, bytes(lateName + "-" + i), value(lateName, i));
                            if (latePuts.incrementAndGet() == 20) {
                                started.countDown();
                            }
                        }
                    } catch (Throwable e) {
                        ended.set(e);
                        started.countDown();
                    }
                }, "late-filler-" + round);
                filler.start();
                started.await();
                late.close(); // rolls back while the filler is still putting
                String name = "round" + round;
                try (WriteBatch next = db.writeBatch()) { // borrows the buffers the late batch returned
                    for (int key = 0; key < keysPerRound; key++) {
                        next.put(0, bytes(name + "-" + key), value(name, key));
                    }
                    next.commit();
                }
                filler.join();
                assertTrue(ended.get() instanceof IllegalStateException,
                        "the late filler must be refused with IllegalStateException, got " + ended.get());
            }
            AtomicInteger entries = new AtomicInteger();
            db.forEach(0, (key, value) -> entries.incrementAndGet());
            assertEquals(rounds * keysPerRound, entries.get(), "entries of rolled-back batches leaked in");
            for (int round = 0; round < rounds; round++) {
                String name = "round" + round;
                for (int key = 0; key < keysPerRound; key++) {
                    assertArrayEquals(value(name, key), db.get(0, bytes(name + "-" + key)).orElseThrow(),
                            name + "-" + key);
                }
            }
        }
    }

    @Test
    void aBatchAfterARollbackOrACommitHoldsOnlyItsOwnEntries() throws Exception {
        int keys = 20_000; // several stripe moves into the global buffer and a few buffer growths
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch rolledBack = db.writeBatch()) {
                fill(rolledBack, "rolledBack", keys);
            }
            for (String name : new String[] {"first", "second"}) {
                try (WriteBatch batch = db.writeBatch()) {
                    fill(batch, name, keys);
                    batch.commit();
                }
            }
            AtomicInteger entries = new AtomicInteger();
            db.forEach(0, (key, value) -> entries.incrementAndGet());
            assertEquals(2 * keys, entries.get());
            for (int key = 0; key < keys; key++) {
                assertEquals(Optional.empty(), db.get(0, bytes("rolledBack-" + key)));
                assertArrayEquals(value("first", key), db.get(0, bytes("first-" + key)).orElseThrow());
                assertArrayEquals(value("second", key), db.get(0, bytes("second-" + key)).orElseThrow());
            }
        }
    }

    /** Two filler threads, each its own half of the keys. */
    private static void fill(WriteBatch batch, String name, int keys) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] fillers = new Thread[2];
        for (int t = 0; t < fillers.length; t++) {
            int part = t;
            fillers[t] = new Thread(() -> {
                try {
                    for (int key = part; key < keys; key += 2) {
                        batch.put(0, bytes(name + "-" + key), value(name, key));
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, name + "-filler-" + t);
            fillers[t].start();
        }
        for (Thread filler : fillers) {
            filler.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("filler failed", failure.get());
        }
    }

    /**
     * Closing a shared arena stops every thread for a handshake; a one-key commit used to close three. Counted with
     * JFR's {@code jdk.ExecuteVMOperation} events: a few may come from elsewhere in the JVM, three per commit may
     * not.
     */
    @Test
    void aOneKeyCommitFreesNoSharedArena() throws IOException {
        int commits = 200;
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int i = 0; i < 50; i++) {
                commitOne(db, "warm" + i);
            }
            Path events = Files.createTempFile("vm-operations", ".jfr");
            try (Recording recording = new Recording()) {
                recording.enable("jdk.ExecuteVMOperation").withThreshold(Duration.ZERO);
                recording.start();
                for (int i = 0; i < commits; i++) {
                    commitOne(db, "key" + i);
                }
                recording.stop();
                recording.dump(events);
            }
            long handshakes = 0;
            for (RecordedEvent event : RecordingFile.readAllEvents(events)) {
                // only the enabled type, but any recording also holds the events enabled by default (TurboKV's)
                if (event.getEventType().getName().equals("jdk.ExecuteVMOperation")
                        && "HandshakeAllThreads".equals(event.getString("operation"))) {
                    handshakes++;
                }
            }
            Files.delete(events);
            assertTrue(handshakes < commits / 10, handshakes + " handshakes in " + commits + " one-key commits");
        }
    }

    private static void commitOne(TurboKV db, String key) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            batch.put(0, bytes(key), value(key, 0));
            batch.commit();
        }
    }
}
