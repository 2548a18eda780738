package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.sst.SstReader;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction at the store level: every answer survives, files shrink, faults roll back. */
class CompactionTest {
    private static final int SINGLE = 0;
    private static final int MULTI = 1;
    /** A key-ordered copy of {@link #SINGLE}: every batch writes the same puts and deletes into both. */
    private static final int ORDERED = 2;
    private static final CompactConfig EAGER = new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8);

    @TempDir
    Path dir;

    private final FaultInjectingFileLayer faults = new FaultInjectingFileLayer();
    private final DbConfig config = families().fileLayer(faults).build();

    /** The families of the stores of these tests: single- and multi-valued by hash, and a key-ordered one. */
    private static DbConfig.Builder families() {
        return DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE)
                .family(FamilyConfig.ordered("ordered", FamilyKind.SINGLE_VALUE));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** What the store must answer: single-valued keys to values, multi-valued keys to value multisets. */
    static final class Model {
        final TreeMap<String, byte[]> single = new TreeMap<>();
        final TreeMap<String, List<String>> multi = new TreeMap<>();
        final Set<String> singleKeys = new HashSet<>();
        final Set<String> multiKeys = new HashSet<>();

        void check(TurboKV db, String when) throws IOException {
            // other suites reuse this model on stores without the key-ordered copy
            boolean hasOrdered = db.config().families().size() > ORDERED;
            for (String key : singleKeys) {
                byte[] expected = single.get(key);
                for (int family : hasOrdered ? new int[] {SINGLE, ORDERED} : new int[] {SINGLE}) {
                    byte[] found = db.get(family, bytes(key)).orElse(null);
                    if (expected == null) {
                        assertNull(found, when + ": " + key + " in family " + family);
                    } else {
                        assertArrayEquals(expected, found, when + ": " + key + " in family " + family);
                    }
                }
            }
            if (hasOrdered) {
                // the key-ordered family's walk: the model's keys in order (UTF-8 of ASCII sorts as the strings)
                List<String> walked = new ArrayList<>();
                try (ReadScope scope = db.readScope();
                     Cursor cursor = scope.range(ORDERED, (byte[]) null, true, null, true)) {
                    while (cursor.next()) {
                        String key = new String(cursor.keyBytes(), UTF_8);
                        assertArrayEquals(single.get(key), cursor.valueBytes(), when + ": ordered walk at " + key);
                        walked.add(key);
                    }
                }
                assertEquals(List.copyOf(single.keySet()), walked, when + ": the ordered family's keys in order");
            }
            for (String key : multiKeys) {
                List<String> found = new ArrayList<>();
                for (byte[] v : db.getMultiple(MULTI, bytes(key))) {
                    found.add(HexFormat.of().formatHex(v));
                }
                found.sort(null);
                List<String> expected = new ArrayList<>(multi.getOrDefault(key, List.of()));
                expected.sort(null);
                assertEquals(expected, found, when + ": " + key);
            }
        }
    }

    /** Writes one batch of random overlapping puts and deletes in both families, and applies it to the model. */
    private static void randomBatch(TurboKV db, Model model, Random random, int singleKeys, int multiKeys, int puts)
            throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            Set<String> touched = new HashSet<>();
            Map<String, List<String>> added = new HashMap<>();
            Set<String> deleted = new HashSet<>();
            for (int i = 0; i < puts; i++) {
                String key = "k" + random.nextInt(singleKeys);
                if (!touched.add(key)) {
                    continue; // a single-valued key once per batch
                }
                model.singleKeys.add(key);
                if (random.nextInt(10) == 0) {
                    batch.delete(SINGLE, bytes(key));
                    batch.delete(ORDERED, bytes(key));
                    model.single.remove(key);
                } else {
                    byte[] value = randomValue(random);
                    batch.put(SINGLE, bytes(key), value);
                    batch.put(ORDERED, bytes(key), value);
                    model.single.put(key, value);
                }
                String multiKey = "m" + random.nextInt(multiKeys);
                model.multiKeys.add(multiKey);
                if (deleted.contains(multiKey)) {
                    continue; // a multi-valued key deleted in this batch gets nothing more in it
                }
                if (random.nextInt(12) == 0 && !added.containsKey(multiKey)) {
                    batch.delete(MULTI, bytes(multiKey));
                    deleted.add(multiKey);
                } else {
                    byte[] value = randomValue(random);
                    batch.put(MULTI, bytes(multiKey), value);
                    added.computeIfAbsent(multiKey, k -> new ArrayList<>()).add(HexFormat.of().formatHex(value));
                }
            }
            batch.commit();
            for (String key : deleted) {
                model.multi.remove(key);
            }
            added.forEach((key, values) -> model.multi.computeIfAbsent(key, k -> new ArrayList<>()).addAll(values));
        }
    }

    private static byte[] randomValue(Random random) {
        int kind = random.nextInt(20);
        int length = kind < 8 ? random.nextInt(9) : kind < 19 ? 9 + random.nextInt(300) : 4097 + random.nextInt(9000);
        byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    private List<String> files(String extension) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(extension)).sorted().toList();
        }
    }

    private List<String> storeFiles() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.equals("LOG"))
                    .sorted().toList();
        }
    }

    @Test
    void oneKeyCommitsWithPeriodicCompactionKeepFilesBounded() throws IOException {
        // A Kafka Streams store's pattern: a commit per record, a compaction every 16 commits, no duplication
        // threshold. Each SST's range is one hash, so only the selector's small-SST rule merges them, and only
        // carrying the obsolete marks forward lets the compactions' meta files go.
        Map<String, String> expected = new HashMap<>();
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int i = 0; i < 2_000; i++) {
                String key = "k" + (i * 7919 % 500);
                try (WriteBatch batch = db.writeBatch()) {
                    if (i % 10 == 9) {
                        batch.delete(0, key.getBytes(UTF_8));
                        expected.remove(key);
                    } else {
                        batch.put(0, key.getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
                        expected.put(key, "v" + i);
                    }
                    batch.commit();
                }
                if (i % 16 == 15) {
                    db.compact(EAGER);
                    int metas = db.metaInfo().size();
                    int ssts = db.metaInfo().stream().mapToInt(meta -> meta.ssts().size()).sum();
                    assertTrue(metas <= 40 && ssts <= 40, metas + " meta files, " + ssts + " SSTs after " + (i + 1)
                            + " commits");
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                long count = files.count();
                assertTrue(count <= 100, count + " files in the store directory"); // .del files are removed too
            }
        }
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int k = 0; k < 500; k++) {
                String key = "k" + k;
                assertEquals(expected.get(key), db.get(0, key.getBytes(UTF_8)).map(v -> new String(v, UTF_8))
                        .orElse(null), key);
            }
        }
    }

    @Test
    void compactionKeepsEveryAnswerAcrossTenOverlappingBatches() throws IOException {
        Model model = new Model();
        Random random = new Random(6);
        try (TurboKV db = TurboKV.open(dir, config)) {
            try (WriteBatch batch = db.writeBatch()) { // a blob that a later batch overwrites, in both families
                batch.put(SINGLE, bytes("blob"), new byte[(64 << 20) + 1]);
                batch.put(ORDERED, bytes("blob"), new byte[(64 << 20) + 2]);
                batch.commit();
            }
            model.singleKeys.add("blob");
            for (int b = 0; b < 10; b++) {
                randomBatch(db, model, random, 3000, 400, 1500);
                if (b == 4) {
                    byte[] small = bytes("no longer a blob");
                    try (WriteBatch batch = db.writeBatch()) {
                        batch.put(SINGLE, bytes("blob"), small);
                        batch.put(ORDERED, bytes("blob"), small);
                        batch.commit();
                    }
                }
            }
            model.single.put("blob", bytes("no longer a blob"));
            model.check(db, "before compaction");
            int sstsBefore = files(".sst").size();
            assertEquals(2, files(".blob").size(), "one blob per family");

            assertTrue(db.compact(EAGER));
            model.check(db, "after compact");
            db.fullCompact();
            model.check(db, "after fullCompact");
            int sstsAfter = files(".sst").size();
            assertTrue(sstsAfter < sstsBefore, "SSTs: " + sstsBefore + " -> " + sstsAfter);
            assertFalse(files(".del").isEmpty(), "a .del file lists what the compaction deleted");
            assertEquals(List.of(), files(".blob"), "the overwritten blobs are deleted");
            assertNoDuplicateKeysAndNoOverlap(db);
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            model.check(db, "after reopen");
            assertNoDuplicateKeysAndNoOverlap(db);
        }
    }

    private void assertNoDuplicateKeysAndNoOverlap(TurboKV db) throws IOException {
        assertNoDuplicateKeysAndNoOverlap(db, dir);
    }

    /**
     * Every key is in one SST of its family; SSTs of one temperature of a hash-ordered family have disjoint hash
     * ranges.
     */
    static void assertNoDuplicateKeysAndNoOverlap(TurboKV db, Path dir) throws IOException {
        Map<Integer, Set<String>> keysByFamily = new HashMap<>();
        Map<String, List<long[]>> rangesByTemperature = new HashMap<>();
        for (MetaFileInfo meta : db.metaInfo()) {
            Set<String> seen = keysByFamily.computeIfAbsent(meta.family(), f -> new HashSet<>());
            // a key-ordered family's SSTs all span the hash space: their keys alone must not repeat
            boolean hashOrdered = !db.config().family(meta.family()).keyOrdered();
            for (SstInfo sst : meta.ssts()) {
                for (long[] other : !hashOrdered ? List.<long[]>of()
                        : rangesByTemperature.computeIfAbsent(meta.family() + "/" + sst.cold(),
                                t -> new ArrayList<>())) {
                    assertTrue(Long.compareUnsigned(sst.maxHash(), other[0]) < 0
                            || Long.compareUnsigned(other[1], sst.minHash()) < 0,
                            "SST " + sst.sequenceNumber() + " overlaps another of family " + meta.family());
                }
                rangesByTemperature.computeIfAbsent(meta.family() + "/" + sst.cold(), t -> new ArrayList<>())
                        .add(new long[] {sst.minHash(), sst.maxHash()});
                Set<String> inThisSst = new HashSet<>();
                Path path = StoreFileNames.path(dir, StoreFileNames.Kind.SST, sst.sequenceNumber());
                try (SstReader reader = SstReader.open(path, sst.sequenceNumber(), sst.blockCount(), sst.sizeBytes());
                     SstEntryIterator it = reader.iterator()) {
                    while (it.next()) {
                        String key = HexFormat.of().formatHex(it.key().toArray(ValueLayout.JAVA_BYTE));
                        if (inThisSst.add(key)) {
                            assertTrue(seen.add(key), "key " + key + " in two SSTs of family " + meta.family());
                        }
                    }
                }
            }
        }
    }

    @Test
    void nothingToCompactChangesNothing() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertFalse(db.compact(CompactConfig.defaults()));
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(SINGLE, bytes("a"), bytes("1"));
                batch.commit();
            }
            List<String> files = storeFiles();
            assertFalse(db.compact(EAGER), "one SST: nothing to merge");
            assertFalse(db.compact(CompactConfig.defaults()));
            assertEquals(files, storeFiles());
            db.writeBatch().close(); // the write slot is free again
        }
        try (TurboKV readOnly = TurboKV.openReadOnly(dir, config)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, readOnly::fullCompact);
            assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
        }
        TurboKV closed = TurboKV.open(dir, config);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.compact(CompactConfig.defaults()));
        assertThrows(IllegalStateException.class,
                () -> TurboKV.emptyInMemory(config).compact(CompactConfig.defaults()));
    }

    @Test
    void compactionIsExclusiveWithAWriteBatch() throws IOException, InterruptedException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int i = 0; i < 3; i++) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(SINGLE, bytes("a"), bytes("v" + i));
                    batch.commit();
                }
            }
            try (WriteBatch open = db.writeBatch()) {
                open.put(SINGLE, bytes("b"), bytes("uncommitted"));
                IllegalStateException refused = assertThrows(IllegalStateException.class, db::fullCompact);
                assertTrue(refused.getMessage().contains("Another write batch is already active"),
                        refused.getMessage());
            }
        }
        // A compaction blocked in its first file creation: a write batch meanwhile is refused.
        CreationGate gate = new CreationGate();
        DbConfig blockingConfig = families().fileLayer(gate).build();
        try (TurboKV db = TurboKV.open(dir, blockingConfig)) {
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                gate.arm();
                Future<?> compaction = executor.submit(() -> {
                    db.fullCompact();
                    return null;
                });
                gate.awaitHeld();
                IllegalStateException refused = assertThrows(IllegalStateException.class, db::writeBatch);
                assertTrue(refused.getMessage().contains("Another compaction is already active"),
                        refused.getMessage());
                assertEquals("v2", new String(db.get(SINGLE, bytes("a")).orElseThrow(), UTF_8));
                gate.open();
                compaction.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError(e.getCause());
            } finally {
                gate.open();
                executor.shutdown();
            }
            assertEquals("v2", new String(db.get(SINGLE, bytes("a")).orElseThrow(), UTF_8));
            db.writeBatch().close();
        }
    }

    @Test
    void readersDuringCompactionAlwaysSeeTheModel() throws Exception {
        Model model = new Model();
        Random random = new Random(7);
        long deadline = System.nanoTime() + Long.getLong("turbokv.stress.seconds", 3) * 1_000_000_000L;
        try (TurboKV db = TurboKV.open(dir, config)) {
            ExecutorService readers = Executors.newFixedThreadPool(2);
            try {
                int rounds = 0;
                AtomicLong reads = new AtomicLong();
                do {
                    for (int b = 0; b < 3; b++) {
                        randomBatch(db, model, random, 500, 100, 300);
                    }
                    List<String> singleKeys = new ArrayList<>(model.singleKeys);
                    AtomicBoolean compacting = new AtomicBoolean(true);
                    List<Future<?>> running = new ArrayList<>();
                    for (int r = 0; r < 2; r++) {
                        int seed = rounds * 2 + r;
                        running.add(readers.submit(() -> {
                            Random own = new Random(seed);
                            do { // at least one pass, then until the compaction has committed
                                for (int i = 0; i < 200; i++) {
                                    String key = singleKeys.get(own.nextInt(singleKeys.size()));
                                    byte[] found = db.get(SINGLE, bytes(key)).orElse(null);
                                    byte[] expected = model.single.get(key);
                                    if (!Arrays.equals(expected, found)) {
                                        throw new AssertionError("key " + key + " during compaction");
                                    }
                                    reads.incrementAndGet();
                                }
                            } while (compacting.get());
                            return null;
                        }));
                    }
                    if (rounds % 2 == 0) {
                        db.compact(EAGER);
                    } else {
                        db.fullCompact();
                    }
                    compacting.set(false);
                    for (Future<?> reader : running) {
                        reader.get();
                    }
                    model.check(db, "after round " + rounds);
                    rounds++;
                } while (System.nanoTime() < deadline);
                System.out.println("CompactionTest: " + rounds + " compactions with " + reads.get()
                        + " concurrent reads checked");
            } finally {
                readers.shutdown();
            }
        }
    }

    @Test
    void everyFaultDuringCompactionLeavesTheStoreAsBefore() throws IOException {
        Model model = new Model();
        Random random = new Random(8);
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int b = 0; b < 3; b++) {
                randomBatch(db, model, random, 400, 60, 200);
            }
            faults.failAt(Integer.MAX_VALUE, false);
            List<String> before = storeFiles();
            // count the file operations of one compaction on a copy of this state
            Path probe = dir.resolveSibling(dir.getFileName() + "-probe");
            int callsPerCompaction;
            copyStore(dir, probe);
            FaultInjectingFileLayer probeFaults = new FaultInjectingFileLayer();
            try (TurboKV copy = TurboKV.open(probe, families().fileLayer(probeFaults).build())) {
                probeFaults.failAt(Integer.MAX_VALUE, false);
                copy.fullCompact();
                callsPerCompaction = probeFaults.calls();
            }
            assertTrue(callsPerCompaction > 8, "file calls of one compaction: " + callsPerCompaction);
            int failed = 0;
            for (int call = 1; call <= callsPerCompaction; call++) {
                faults.failAt(call, false);
                IOException failure = null;
                try {
                    db.fullCompact();
                } catch (IOException e) {
                    failure = e;
                }
                faults.heal();
                if (failure == null) { // the fault hit after the commit point (deletions): the compaction stands
                    model.check(db, "fault " + call + " after the commit point");
                    for (int b = 0; b < 2; b++) {
                        randomBatch(db, model, random, 400, 60, 200);
                    }
                    before = storeFiles();
                    continue;
                }
                failed++;
                assertTrue(failure.getMessage().contains("injected fault"), failure.toString());
                assertFalse(db.hasUnrecoverableWriteError());
                assertEquals(before, storeFiles(), "files after a fault at call " + call);
                model.check(db, "after a fault at call " + call);
            }
            assertTrue(failed >= callsPerCompaction / 2, "faults that failed the compaction: " + failed);
            db.fullCompact();
            model.check(db, "after a clean compaction");
            System.out.println("CompactionTest: " + failed + " of " + callsPerCompaction
                    + " file operations of a compaction exercised as fault points");
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            model.check(db, "after reopen");
        }
    }

    @Test
    void aCompactionWhoseRollbackFailsLeavesAReadableStoreThatRefusesWrites() throws IOException {
        Model model = new Model();
        Random random = new Random(10);
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int b = 0; b < 3; b++) {
                randomBatch(db, model, random, 200, 30, 100);
            }
            faults.failAt(2, true); // the compaction fails, then so does every step of its rollback
            assertThrows(IOException.class, db::fullCompact);
            faults.heal();
            assertTrue(db.hasUnrecoverableWriteError());
            IllegalStateException refused = assertThrows(IllegalStateException.class, db::fullCompact);
            assertTrue(refused.getMessage().contains("unrecoverable"), refused.getMessage());
            assertThrows(IllegalStateException.class, db::writeBatch);
            model.check(db, "after a failed rollback");
        }
        try (TurboKV db = TurboKV.open(dir, config)) { // a reopen cleans up; compaction works again
            model.check(db, "after reopen");
            db.fullCompact();
            model.check(db, "after a compaction");
        }
    }

    private static void copyStore(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> list = Files.list(from)) {
            for (Path file : list.toList()) {
                if (!file.getFileName().toString().startsWith(".")) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
    }

    /**
     * A compaction killed at any of its stages (a snapshot of the directory taken while it is stopped there, as a
     * SIGKILL would leave it) opens as the store before the compaction: leftovers above {@code CURRENT} are removed.
     */
    @Test
    void aKilledCompactionOpensAsTheStoreBeforeIt() throws Exception {
        Model model = new Model();
        Random random = new Random(9);
        Path live = dir.resolve("live");
        List<String> stages = List.of(".sst", ".meta", ".del", "CURRENT");
        for (String stage : stages) {
            Path snapshot = dir.resolve("killed-at-" + stage);
            AtomicBoolean armed = new AtomicBoolean();
            FileLayer snapshotting = new FileLayer() {
                private final FileLayer real = FileLayer.standard();

                @Override
                public WritableFile create(Path path) throws IOException {
                    if (path.getFileName().toString().endsWith(stage.equals("CURRENT") ? ".tmp" : stage)
                            && armed.compareAndSet(true, false)) {
                        copyStore(live, snapshot); // the directory as a kill before this file would leave it
                    }
                    return real.create(path);
                }

                @Override
                public void syncDirectory(Path directory) throws IOException {
                    real.syncDirectory(directory);
                }

                @Override
                public void rename(Path from, Path to) throws IOException {
                    if (to.getFileName().toString().equals("CURRENT") && stage.equals("CURRENT")
                            && armed.compareAndSet(true, false)) {
                        copyStore(live, snapshot); // CURRENT.tmp written, not yet renamed
                    }
                    real.rename(from, to);
                }

                @Override
                public boolean delete(Path path) throws IOException {
                    return real.delete(path);
                }
            };
            DbConfig snapshotConfig = families().fileLayer(snapshotting).build();
            Model before;
            try (TurboKV db = TurboKV.open(live, snapshotConfig)) {
                for (int b = 0; b < 3; b++) {
                    randomBatch(db, model, random, 300, 50, 150);
                }
                before = copy(model);
                armed.set(true);
                db.fullCompact();
                model.check(db, "after the compaction");
            }
            assertFalse(armed.get(), "the compaction reached stage " + stage);
            try (TurboKV db = TurboKV.open(snapshot, config)) {
                before.check(db, "killed before " + stage);
                int committed = io.turbokv.io.CurrentFile.read(snapshot);
                try (Stream<Path> list = Files.list(snapshot)) {
                    for (Path file : list.toList()) {
                        String name = file.getFileName().toString();
                        if (name.matches("\\d+\\.\\w+")) {
                            assertTrue(Integer.parseInt(name.substring(0, name.indexOf('.'))) <= committed,
                                    "leftover " + name + " above CURRENT " + committed);
                        }
                    }
                }
            }
        }
    }

    private static Model copy(Model model) {
        Model copy = new Model();
        copy.single.putAll(model.single);
        model.multi.forEach((k, v) -> copy.multi.put(k, new ArrayList<>(v)));
        copy.singleKeys.addAll(model.singleKeys);
        copy.multiKeys.addAll(model.multiKeys);
        return copy;
    }

    @Test
    void aMoveNewerThanMergedDataIsStillReadFirst() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (String round : List.of("a", "b")) { // two small overlapping SSTs
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < 100; i++) {
                        batch.put(SINGLE, bytes("key" + i), bytes(round + i));
                    }
                    batch.commit();
                }
            }
            try (WriteBatch batch = db.writeBatch()) { // a newer, larger SST over the same keys
                for (int i = 0; i < 3000; i++) {
                    batch.put(SINGLE, bytes("key" + i), bytes("c" + i + "-".repeat(100)));
                }
                batch.commit();
            }
            long largest = db.metaInfo().getFirst().ssts().getFirst().sizeBytes();
            // the large SST alone reaches maxMergeBytes: the two small ones merge, the large one is moved
            assertTrue(db.compact(new CompactConfig(2, 2, 32, largest, 0, 0, 8)));
            List<MetaFileInfo> metas = db.metaInfo();
            assertEquals(2, metas.size(), "the move needs a meta file newer than the merged SST's: " + metas);
            assertTrue(metas.get(0).ssts().getFirst().sequenceNumber() < metas.get(1).ssts().getFirst()
                    .sequenceNumber(), "the moved SST keeps its old number");
            for (int i = 0; i < 100; i++) {
                assertEquals("c" + i + "-".repeat(100), new String(db.get(SINGLE, bytes("key" + i)).orElseThrow(),
                        UTF_8));
            }
            // merging the merged SST (new number) with the moved one (old number, newer data): newer data wins
            db.fullCompact();
            assertEquals(1, db.metaInfo().size());
            for (int i = 0; i < 3000; i++) {
                assertEquals("c" + i + "-".repeat(100), new String(db.get(SINGLE, bytes("key" + i)).orElseThrow(),
                        UTF_8));
            }
        }
    }

    @Test
    void warmAndColdFlagsFollowReads() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int b = 0; b < 2; b++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < 200; i++) {
                        batch.put(SINGLE, bytes("key" + i), bytes("v" + b + "-" + i));
                    }
                    batch.commit();
                }
            }
            Set<Long> readHashes = new HashSet<>();
            for (int i = 0; i < 200; i += 10) {
                assertTrue(db.get(SINGLE, bytes("key" + i)).isPresent());
                readHashes.add(KeyHash.hash(java.lang.foreign.MemorySegment.ofArray(bytes("key" + i))));
            }
            try (WriteBatch batch = db.writeBatch()) { // the commit stores the reads as the used-key filter
                batch.put(SINGLE, bytes("key0"), bytes("v2-0"));
                batch.commit();
            }
            assertTrue(db.compact(EAGER));
            int warm = 0;
            int cold = 0;
            for (MetaFileInfo meta : db.metaInfo()) {
                for (SstInfo sst : meta.ssts()) {
                    assertFalse(sst.fresh(), "merged SSTs are not fresh");
                    Path path = StoreFileNames.path(dir, StoreFileNames.Kind.SST, sst.sequenceNumber());
                    try (SstReader reader = SstReader.open(path, sst.sequenceNumber(), sst.blockCount(),
                            sst.sizeBytes());
                         SstEntryIterator it = reader.iterator()) {
                        while (it.next()) {
                            assertEquals(!readHashes.contains(it.hash()), sst.cold(), "flag of a key's SST");
                            assertEquals(EntryKind.VALUE, it.kind());
                            if (sst.cold()) {
                                cold++;
                            } else {
                                warm++;
                            }
                        }
                    }
                }
            }
            assertEquals(20, warm);
            assertEquals(180, cold);
            assertEquals("v2-0", new String(db.get(SINGLE, bytes("key0")).orElseThrow(), UTF_8));
            assertEquals("v1-5", new String(db.get(SINGLE, bytes("key5")).orElseThrow(), UTF_8));
            // a full compaction after more reads leaves warm and cold SSTs; a second one leaves them alone
            for (int i = 0; i < 200; i += 7) {
                db.get(SINGLE, bytes("key" + i));
            }
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(SINGLE, bytes("key1"), bytes("v3-1"));
                batch.commit();
            }
            db.fullCompact();
            List<SstInfo> ssts = db.metaInfo().stream().flatMap(m -> m.ssts().stream()).toList();
            assertTrue(ssts.stream().anyMatch(SstInfo::cold) && ssts.stream().anyMatch(sst -> !sst.cold()),
                    "warm and cold SSTs: " + ssts);
            assertNoDuplicateKeysAndNoOverlap(db);
            List<String> settled = storeFiles();
            db.fullCompact();
            assertEquals(settled, storeFiles(), "a second full compaction rewrites nothing");
            assertEquals("v3-1", new String(db.get(SINGLE, bytes("key1")).orElseThrow(), UTF_8));
        }
    }
}
