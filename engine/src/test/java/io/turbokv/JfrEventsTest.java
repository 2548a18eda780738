package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.jfr.SlowGets;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    private List<RecordedEvent> record(StoreWork work) throws Exception {
        Path file = dir.resolve("events.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.turbokv.Commit");
            recording.enable("io.turbokv.Spill");
            recording.enable("io.turbokv.Compaction");
            recording.enable("io.turbokv.SlowGet");
            recording.enable("io.turbokv.BlockCacheFill");
            recording.enable("io.turbokv.BlockCacheEvict");
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
        List<RecordedEvent> events = record(() -> {
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
    }

    @Test
    void everyReadOverTheThresholdIsRecordedWithItsFamilyKeyOutcomeAndProbes() throws Exception {
        Path store = dir.resolve("slow");
        DbConfig config = DbConfig.builder().family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE).slowGetThreshold(Duration.ZERO).build();
        List<RecordedEvent> events = record(() -> {
            try (TurboKV db = TurboKV.open(store, config)) {
                for (int b = 0; b < 2; b++) { // two SSTs per family
                    try (WriteBatch batch = db.writeBatch()) {
                        batch.put(0, bytes("key-" + b), bytes("value"));
                        batch.put(1, bytes("multi"), bytes("value-" + b));
                        batch.commit();
                    }
                }
                assertTrue(db.get(0, bytes("key-0")).isPresent());
                assertTrue(db.get(0, bytes("absent-key")).isEmpty());
                assertEquals(2, db.getMultiple(1, MemorySegment.ofArray(bytes("multi")), value -> {}));
                db.batchGet(0, new byte[][] {bytes("key-0"), bytes("key-1"), bytes("none")});
            }
        });
        List<RecordedEvent> slow = named(events, "io.turbokv.SlowGet");
        assertEquals(List.of("get", "get", "getMultiple", "batchGet"),
                slow.stream().map(e -> e.getString("operation")).toList());
        RecordedEvent found = slow.get(0);
        assertEquals(store.toString(), found.getString("directory"));
        assertEquals(0, found.getInt("family"));
        assertEquals(1, found.getInt("keys"));
        assertEquals(5, found.getLong("keyBytes"));
        assertEquals("found", found.getString("outcome"));
        assertEquals(1, found.getInt("found"));
        // newest first: key-0 is in the older SST, so the newer one was probed (and ruled it out) before
        assertEquals(2, found.getInt("sstsProbed"));
        assertTrue(found.getLong("getDuration") > 0);
        assertTrue(found.getStackTrace() != null, "the caller's stack trace");
        RecordedEvent absent = slow.get(1);
        assertEquals("absent", absent.getString("outcome"));
        assertEquals(0, absent.getInt("found"));
        assertEquals(10, absent.getLong("keyBytes"));
        RecordedEvent multi = slow.get(2);
        assertEquals(1, multi.getInt("family"));
        assertEquals(2, multi.getInt("found"));
        assertEquals(2, multi.getInt("sstsProbed"));
        RecordedEvent batch = slow.get(3);
        assertEquals(3, batch.getInt("keys"));
        assertEquals(14, batch.getLong("keyBytes"));
        assertEquals(2, batch.getInt("found"));
    }

    @Test
    void theSlowGetGateFollowsTheRecordings() throws Exception {
        try (Recording recording = new Recording()) {
            recording.enable("io.turbokv.SlowGet");
            recording.start();
            assertTrue(SlowGets.enabled(), "a recording enables the event");
            try (Recording other = new Recording()) {
                other.disable("io.turbokv.SlowGet");
                other.start();
                assertTrue(SlowGets.enabled(), "one recording enabling it is enough");
                other.stop();
            }
            recording.stop();
        }
        assertFalse(SlowGets.enabled(), "no recording runs");
        try (Recording disabled = new Recording()) {
            disabled.disable("io.turbokv.SlowGet");
            disabled.start();
            assertFalse(SlowGets.enabled(), "the only recording disables it");
            disabled.stop();
        }
    }

    @Test
    void aReadUnderTheThresholdRecordsNothing() throws Exception {
        Path store = dir.resolve("fast");
        List<RecordedEvent> events = record(() -> {
            try (TurboKV db = TurboKV.open(store, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                    .slowGetThreshold(Duration.ofHours(1)).build())) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(0, bytes("k"), bytes("v"));
                    batch.commit();
                }
                for (int i = 0; i < 100; i++) {
                    assertTrue(db.get(0, bytes("k")).isPresent());
                }
            }
        });
        assertEquals(List.of(), named(events, "io.turbokv.SlowGet"));
        assertEquals(1, named(events, "io.turbokv.Commit").size(), "the recording ran");
    }

    @Test
    void blockCacheFillsAndEvictionsAreSampled() throws Exception {
        Path store = dir.resolve("cache");
        int keys = 20_000;
        long[] misses = new long[1];
        List<RecordedEvent> events = record(() -> {
            try (TurboKV db = TurboKV.open(store, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                    .keyBlockCacheBytes(64 << 10).valueBlockCacheBytes(64 << 10).build())) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < keys; i++) {
                        batch.put(0, bytes("key-" + i + "-of-the-cache-events-test"),
                                bytes(("value of " + i + "; ").repeat(10)));
                    }
                    batch.commit();
                }
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < keys; i += 3) {
                        assertTrue(db.get(0, bytes("key-" + i + "-of-the-cache-events-test")).isPresent());
                    }
                }
                Statistics stats = db.statistics();
                misses[0] = stats.keyBlockCache().misses() + stats.valueBlockCache().misses();
            }
        });
        List<RecordedEvent> fills = named(events, "io.turbokv.BlockCacheFill");
        List<RecordedEvent> evictions = named(events, "io.turbokv.BlockCacheEvict");
        System.out.println("sampled cache events: " + fills.size() + " fills, " + evictions.size()
                + " evictions of " + misses[0] + " misses");
        assertTrue(fills.size() > 10, fills.size() + " fills");
        assertTrue(evictions.size() > 10, evictions.size() + " evictions");
        // one in 64 per shard: never more than the misses allow
        assertTrue(fills.size() <= misses[0] / 64 + 64, fills.size() + " fills for " + misses[0] + " misses");
        for (RecordedEvent fill : fills) {
            assertTrue(List.of("key blocks", "value blocks").contains(fill.getString("cache")));
            assertEquals(0, fill.getInt("store"));
            assertTrue(fill.getLong("blockBytes") > 0);
            assertEquals(64, fill.getInt("sampledEvery"));
        }
        assertTrue(evictions.stream().anyMatch(e -> e.getString("cache").equals("value blocks")));
    }
}
