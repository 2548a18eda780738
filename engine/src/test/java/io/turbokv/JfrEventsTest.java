package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's JFR events, recorded to a file and read back: which operations emit them, with which fields. */
class JfrEventsTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private List<RecordedEvent> record(Duration slowGetThreshold, StoreWork work) throws Exception {
        Path file = dir.resolve("events.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.turbokv.Commit");
            recording.enable("io.turbokv.Spill");
            recording.enable("io.turbokv.Compaction");
            recording.enable("io.turbokv.SlowGet").withThreshold(slowGetThreshold).withStackTrace();
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.turbokv.")).toList();
    }

    @FunctionalInterface
    private interface StoreWork {
        void run() throws Exception;
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    private void writeAndCompact(TurboKV db) throws IOException {
        for (int b = 0; b < 3; b++) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < 100; i++) {
                    batch.put(0, bytes("k" + i), bytes("v" + b + "-" + i));
                }
                batch.commit();
            }
        }
        db.fullCompact();
    }

    @Test
    void commitsSpillsAndCompactionsAreRecordedWithTheirFigures() throws Exception {
        Path store = dir.resolve("store");
        List<RecordedEvent> events = record(Duration.ofSeconds(10), () -> {
            try (TurboKV db = TurboKV.open(store, DbConfig.singleFamily())) {
                writeAndCompact(db);
            }
        });
        List<RecordedEvent> commits = named(events, "io.turbokv.Commit");
        assertEquals(List.of("batch", "batch", "batch", "compaction"),
                commits.stream().map(e -> e.getString("kind")).toList());
        for (int i = 0; i < 3; i++) {
            RecordedEvent commit = commits.get(i);
            assertEquals(store.toString(), commit.getString("directory"));
            assertEquals(100, commit.getLong("keys"));
            assertEquals(1, commit.getInt("ssts"));
            assertTrue(commit.getLong("bytesWritten") > 0);
            assertTrue(commit.getLong("operationDuration") >= commit.getDuration().toNanos());
        }
        assertTrue(commits.get(3).getLong("sequence") > commits.get(2).getLong("sequence"));

        List<RecordedEvent> spills = named(events, "io.turbokv.Spill");
        assertEquals(3, spills.size());
        for (RecordedEvent spill : spills) {
            assertEquals(0, spill.getInt("family"));
            assertEquals(100, spill.getLong("entries"));
            assertTrue(spill.getLong("fileBytes") > 0);
        }

        List<RecordedEvent> compactions = named(events, "io.turbokv.Compaction");
        assertEquals(1, compactions.size());
        RecordedEvent compaction = compactions.getFirst();
        assertTrue(compaction.getBoolean("changed"));
        assertFalse(compaction.getBoolean("separateCategories"));
        assertEquals(3, compaction.getInt("sstsMerged"));
        assertEquals(100, compaction.getLong("keysWritten"));
        // no read took 10 s
        assertEquals(List.of(), named(events, "io.turbokv.SlowGet"));
    }

    @Test
    void readsOverTheThresholdAreRecordedWithWhatTheyFound() throws Exception {
        Path store = dir.resolve("store");
        List<RecordedEvent> events = record(Duration.ZERO, () -> {
            try (TurboKV db = TurboKV.open(store, DbConfig.builder().family("single", FamilyKind.SINGLE_VALUE)
                    .family("multi", FamilyKind.MULTI_VALUE).build())) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(0, bytes("present"), bytes("value"));
                    batch.put(1, bytes("m"), bytes("a"));
                    batch.put(1, bytes("m"), bytes("b"));
                    batch.commit();
                }
                db.get(0, bytes("present"));
                db.get(0, bytes("absent"));
                db.getMultiple(1, bytes("m"));
                db.batchGet(0, new byte[][] {bytes("present"), bytes("absent"), bytes("other")});
            }
        });
        List<RecordedEvent> gets = named(events, "io.turbokv.SlowGet");
        assertEquals(List.of("get", "get", "getMultiple", "batchGet"),
                gets.stream().map(e -> e.getString("operation")).toList());
        assertEquals(List.of(1, 0, 2, 1), gets.stream().map(e -> e.getInt("found")).toList());
        assertEquals(List.of(1, 1, 1, 3), gets.stream().map(e -> e.getInt("keys")).toList());
        assertEquals(List.of(0, 0, 1, 0), gets.stream().map(e -> e.getInt("family")).toList());
        Predicate<RecordedEvent> fromThisTest = e -> e.getStackTrace().getFrames().stream()
                .anyMatch(f -> f.getMethod().getType().getName().equals(JfrEventsTest.class.getName()));
        assertTrue(gets.stream().allMatch(fromThisTest), "each slow get carries the caller's stack");
    }
}
