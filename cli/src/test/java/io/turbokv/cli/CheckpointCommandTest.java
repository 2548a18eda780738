package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code turbokv checkpoint DIR DEST}: a consistent copy that opens as a store, also while a writer runs. */
class CheckpointCommandTest {
    private static final int KEYS = 200;

    @TempDir
    Path tmp;

    @Test
    void aCheckpointIsAStoreThatVerifiesAndAnswersReads() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("load", dir.toString(), "--entries", "2000", "--progress", "none").exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "k", "v").exit());
        Path copy = tmp.resolve("backup");
        CliRun checkpoint = CliRun.of("checkpoint", dir.toString(), copy.toString());
        assertEquals(0, checkpoint.exit(), checkpoint::toString);
        assertTrue(checkpoint.out().matches("checkpoint of sequence 4 in " + java.util.regex.Pattern.quote(
                copy.toString()) + ": 4 files linked, 0 files copied, [0-9.]+ KiB in [0-9.]+ m?s\\R"),
                checkpoint.out());
        assertEquals(0, CliRun.of("verify", copy.toString()).exit());
        assertEquals("v", CliRun.of("get", copy.toString(), "k").out().strip());
        assertEquals(0, CliRun.of("put", dir.toString(), "k", "changed").exit());
        assertEquals("v", CliRun.of("get", copy.toString(), "k").out().strip(), "the checkpoint does not change");
    }

    @Test
    void aDestinationThatHoldsFilesIsRefused() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "k", "v").exit());
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("notes.txt"), "mine");
        CliRun refused = CliRun.of("checkpoint", dir.toString(), full.toString());
        assertEquals(1, refused.exit(), refused::toString);
        assertArrayEquals(new String[] {"turbokv checkpoint: " + full + ": not empty: a checkpoint goes into a new or"
                + " empty directory"}, refused.errLines());
        CliRun inside = CliRun.of("checkpoint", dir.toString(), dir.resolve("backup").toString());
        assertEquals(1, inside.exit(), inside::toString);
        assertTrue(inside.err().contains("is inside the store"), inside::toString);
    }

    @Test
    void checkpointsWhileAWriterCommitsAndCompactsHoldOneCommitEach() throws Exception {
        Path dir = tmp.resolve("s");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            writeRound(db, 0);
            Thread writer = new Thread(() -> {
                try {
                    for (int round = 1; !stop.get(); round++) {
                        writeRound(db, round);
                        if (round % 2 == 0) {
                            db.fullCompact();
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            writer.start();
            try {
                for (int i = 0; i < 8; i++) {
                    Path copy = tmp.resolve("copy" + i);
                    CliRun checkpoint = CliRun.of("checkpoint", dir.toString(), copy.toString());
                    assertEquals(0, checkpoint.exit(), checkpoint::toString);
                    assertEquals(1, rounds(copy).size(), "one commit in a checkpoint");
                    assertEquals(0, CliRun.of("verify", "--progress", "none", copy.toString()).exit());
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("the writer failed", failure.get());
            }
        }
    }

    private static void writeRound(TurboKV db, int round) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            for (int k = 0; k < KEYS; k++) {
                batch.put(0, ("key" + k).getBytes(StandardCharsets.UTF_8),
                        (round + ":" + k).getBytes(StandardCharsets.UTF_8));
            }
            batch.commit();
        }
    }

    private static Set<String> rounds(Path dir) throws IOException {
        Set<String> rounds = new TreeSet<>();
        int[] keys = {0};
        try (TurboKV db = TurboKV.openReadOnly(dir)) {
            db.forEach(0, (key, value) -> {
                String text = new String(value.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                rounds.add(text.substring(0, text.indexOf(':')));
                keys[0]++;
            });
        }
        assertEquals(KEYS, keys[0]);
        return rounds;
    }
}
