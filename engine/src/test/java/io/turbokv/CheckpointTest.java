package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Checkpoints#write}: a consistent copy of a committed state, by hard links, that opens as a store. */
class CheckpointTest {
    private static final int KEYS = 300;

    @TempDir
    Path tmp;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Batch {@code round} writes every key with the value {@code round:key}, so a consistent state has one round. */
    private static void writeRound(TurboKV db, int round) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            for (int k = 0; k < KEYS; k++) {
                batch.put(0, bytes("key" + k), bytes(round + ":" + k));
            }
            batch.commit();
        }
    }

    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (TurboKV db = TurboKV.openReadOnly(dir)) {
            db.forEach(0,
                    (key, value) -> all.put(new String(key.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8),
                            new String(value.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)));
        }
        return all;
    }

    /** The round every key of the store at {@code dir} holds; fails unless it is one round for all. */
    private static int singleRound(Path dir) throws IOException {
        Set<String> rounds = new TreeSet<>();
        Map<String, String> all = contents(dir);
        assertEquals(KEYS, all.size(), dir.toString());
        all.forEach((key, value) -> rounds.add(value.substring(0, value.indexOf(':'))));
        assertEquals(1, rounds.size(), "a checkpoint holds one commit: " + rounds);
        return Integer.parseInt(rounds.iterator().next());
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCheckpointHardLinksTheStatesFilesAndOpensAsAStoreOfItsOwn() throws IOException {
        Path dir = tmp.resolve("store");
        Path copy = tmp.resolve("backups/one");
        CheckpointStats stats;
        Map<String, String> expected;
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            writeRound(db, 1);
            writeRound(db, 2);
            try (WriteBatch batch = db.writeBatch()) {
                byte[] big = new byte[(int) WriteBatch.MAX_MEDIUM_VALUE_SIZE + 10];
                new java.util.Random(7).nextBytes(big); // incompressible: the blob file is as large
                batch.put(0, bytes("blob"), big);
                batch.commit();
            }
            expected = contents(dir);
            stats = Checkpoints.write(db, copy);
            writeRound(db, 3); // after the checkpoint: not in it
            db.fullCompact(); // deletes the names the checkpoint linked
        }
        assertTrue(stats.linkedFiles() > 3 && stats.copiedFiles() == 0, stats.toString());
        assertTrue(stats.bytes() > WriteBatch.MAX_MEDIUM_VALUE_SIZE, stats.toString());
        assertEquals(expected, contents(copy));
        List<String> files = names(copy);
        assertTrue(files.contains("CURRENT") && files.contains("SCHEMA"), files.toString());
        assertTrue(files.stream().anyMatch(f -> f.endsWith(".blob")), files.toString());
        assertTrue(files.stream().noneMatch(f -> f.endsWith(".del") || f.equals(".lock") || f.equals("LOG")),
                files.toString());
        try (TurboKV db = TurboKV.open(copy)) { // writable, and independent of the source
            writeRound(db, 9);
            db.fullCompact();
        }
        assertEquals(3, singleRoundWithoutBlob(dir));
    }

    private static int singleRoundWithoutBlob(Path dir) throws IOException {
        Map<String, String> all = contents(dir);
        all.remove("blob");
        Set<String> rounds = new TreeSet<>();
        all.forEach((key, value) -> rounds.add(value.substring(0, value.indexOf(':'))));
        assertEquals(1, rounds.size(), rounds.toString());
        return Integer.parseInt(rounds.iterator().next());
    }

    @Test
    void linkedFilesAreTheStoresFiles() throws IOException {
        Path dir = tmp.resolve("store");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            writeRound(db, 1);
            Checkpoints.write(db, tmp.resolve("copy"));
        }
        for (String name : names(tmp.resolve("copy"))) {
            if (name.endsWith(".sst") || name.endsWith(".meta")) {
                assertEquals(fileKey(dir.resolve(name)), fileKey(tmp.resolve("copy").resolve(name)), name);
            }
        }
    }

    @Test
    void onAnotherFileSystemTheFilesAreCopied() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "no second file system at /dev/shm");
        Path dir = tmp.resolve("store");
        Path copy = Files.createTempDirectory(shm, "turbokv-checkpoint-");
        try {
            CheckpointStats stats;
            try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
                writeRound(db, 4);
                stats = Checkpoints.write(db, copy);
            }
            assertEquals(0, stats.linkedFiles(), stats.toString());
            assertTrue(stats.copiedFiles() >= 2, stats.toString());
            assertEquals(4, singleRound(copy));
        } finally {
            try (Stream<Path> walk = Files.walk(copy)) {
                for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    void theDestinationMustBeNewOrEmptyAndOutsideTheStore() throws IOException {
        Path dir = tmp.resolve("store");
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("mine.txt"), "mine");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            writeRound(db, 1);
            assertThrows(FileAlreadyExistsException.class, () -> Checkpoints.write(db, full));
            assertEquals(List.of("mine.txt"), names(full));
            assertThrows(FileAlreadyExistsException.class, () -> Checkpoints.write(db, full.resolve("mine.txt")));
            assertThrows(IllegalArgumentException.class, () -> Checkpoints.write(db, dir.resolve("inside")));
            Path empty = Files.createDirectories(tmp.resolve("empty"));
            Checkpoints.write(db, empty);
            assertEquals(1, singleRound(empty));
        }
        try (TurboKV memory = TurboKV.emptyInMemory(DbConfig.singleFamily())) {
            assertThrows(IllegalStateException.class, () -> Checkpoints.write(memory, tmp.resolve("none")));
        }
    }

    @Test
    void aReadOnlyInstanceWhoseFilesAnotherWriterDeletedFailsAndLeavesNothing() throws IOException {
        Path dir = tmp.resolve("store");
        try (TurboKV writer = TurboKV.open(dir, DbConfig.singleFamily())) {
            writeRound(writer, 1);
            writeRound(writer, 2);
            try (TurboKV reader = TurboKV.openReadOnly(dir)) {
                writer.fullCompact(); // the reader's lease does not hold back another instance's deletions
                Path copy = tmp.resolve("copy");
                assertThrows(NoSuchFileException.class, () -> Checkpoints.write(reader, copy));
                assertTrue(Files.notExists(copy), "nothing left behind");
            }
            try (TurboKV reader = TurboKV.openReadOnly(dir)) { // a new open copies the new state
                Checkpoints.write(reader, tmp.resolve("copy"));
            }
        }
        assertEquals(2, singleRound(tmp.resolve("copy")));
    }

    @Test
    void checkpointsTakenWhileAWriterCommitsAndCompactsAreConsistent() throws Exception {
        Path dir = tmp.resolve("store");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            writeRound(db, 0);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int round = 1; !stop.get(); round++) {
                        writeRound(db, round);
                        if (round % 3 == 0) {
                            db.fullCompact();
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            writer.start();
            List<Integer> rounds = new ArrayList<>();
            try {
                for (int i = 0; i < 12; i++) {
                    Path copy = tmp.resolve("copy" + i);
                    if (i % 2 == 0) {
                        Checkpoints.write(db, copy); // the writer's own instance
                    } else {
                        checkpointReadOnly(dir, copy); // as the command line does: another instance
                    }
                    rounds.add(singleRound(copy));
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("the writer failed", failure.get());
            }
            assertTrue(rounds.getLast() > 0, rounds.toString());
        }
    }

    /** A read-only open and its checkpoint, opened again when a compaction deleted a file first. */
    private static void checkpointReadOnly(Path dir, Path copy) throws IOException {
        for (int attempt = 1;; attempt++) {
            try (TurboKV reader = TurboKV.openReadOnly(dir)) {
                Checkpoints.write(reader, copy);
                return;
            } catch (NoSuchFileException e) {
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }
}
