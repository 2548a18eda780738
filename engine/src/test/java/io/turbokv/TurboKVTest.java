package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TurboKVTest {
    private static final DbConfig TWO_FAMILIES = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family("multi", FamilyKind.MULTI_VALUE)
            .build();

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] value(int i, int length) {
        byte[] value = new byte[length];
        new Random(i).nextBytes(value);
        return value;
    }

    private static void putAll(TurboKV db, int family, String... keyValues) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < keyValues.length; i += 2) {
                batch.put(family, bytes(keyValues[i]), bytes(keyValues[i + 1]));
            }
            batch.commit();
        }
    }

    private static String get(TurboKV db, String key) throws IOException {
        return db.get(0, bytes(key)).map(v -> new String(v, UTF_8)).orElse(null);
    }

    private List<String> numberedFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+\\..*")).sorted().toList();
        }
    }

    @Test
    void newStoreIsEmptyAndFindsNothing() throws IOException {
        try (TurboKV db = TurboKV.open(dir.resolve("new"), TWO_FAMILIES)) {
            assertTrue(db.isEmpty());
            assertEquals(Optional.empty(), db.get(0, bytes("k")));
            assertEquals(List.of(), db.getMultiple(1, bytes("k")));
        }
        assertEquals(0, CurrentFile.read(dir.resolve("new")));
    }

    @Test
    void committedValuesAreReadBackAndSurviveReopen() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1", "b", "2");
            assertFalse(db.isEmpty());
            assertEquals("1", get(db, "a"));
            assertEquals("2", get(db, "b"));
            assertNull(get(db, "c"));
        }
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            assertEquals("1", get(db, "a"));
            assertEquals("2", get(db, "b"));
        }
    }

    @Test
    void nothingIsVisibleBeforeCommit() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, bytes("a"), bytes("1"));
                assertNull(get(db, "a"));
                batch.commit();
            }
            assertEquals("1", get(db, "a"));
        }
    }

    @Test
    void newerCommitOverridesOlderAndTombstoneShadows() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1", "b", "1", "c", "1");
            putAll(db, 0, "a", "2");
            try (WriteBatch batch = db.writeBatch()) {
                batch.delete(0, bytes("b"));
                batch.commit();
            }
            assertEquals("2", get(db, "a"));
            assertNull(get(db, "b"));
            assertEquals("1", get(db, "c"));
        }
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            assertEquals("2", get(db, "a"));
            assertNull(get(db, "b"));
        }
    }

    @Test
    void multiValuedFamilyCollectsValuesAcrossCommitsUntilTombstone() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 1, "k", "old1", "k", "old2");
            try (WriteBatch batch = db.writeBatch()) {
                batch.delete(1, bytes("k"));
                batch.commit();
            }
            putAll(db, 1, "k", "new1", "k", "new2", "other", "x");
            putAll(db, 1, "k", "new3");
            List<String> values = db.getMultiple(1, bytes("k")).stream().map(v -> new String(v, UTF_8)).sorted()
                    .toList();
            assertEquals(List.of("new1", "new2", "new3"), values);
            assertEquals(1, db.getMultiple(1, bytes("other")).size());
        }
    }

    @Test
    void readingAFamilyWithTheWrongKindNamesTheFamily() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            IllegalArgumentException get = assertThrows(IllegalArgumentException.class, () -> db.get(1, bytes("k")));
            assertTrue(get.getMessage().contains("'multi'"), get.getMessage());
            IllegalArgumentException multiple = assertThrows(IllegalArgumentException.class,
                    () -> db.getMultiple(0, bytes("k")));
            assertTrue(multiple.getMessage().contains("'single'"), multiple.getMessage());
            assertThrows(IllegalArgumentException.class, () -> db.get(2, bytes("k")));
        }
    }

    @Test
    void valuesAtEveryThresholdRoundTrip() throws IOException {
        int[] sizes = {0, 1, 8, 9, 4095, 4096, 4097, 100_000, 1 << 20};
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int size : sizes) {
                    batch.put(0, bytes("k" + size), value(size, size));
                }
                batch.commit();
            }
            for (int size : sizes) {
                assertArrayEquals(value(size, size), db.get(0, bytes("k" + size)).orElseThrow(), "size " + size);
            }
        }
    }

    @Test
    void valueOverSixtyFourMebibytesGoesToABlobFile() throws IOException {
        int size = (64 << 20) + 1;
        byte[] big = new byte[size];
        big[0] = 1;
        big[size - 1] = 2;
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, bytes("big"), big);
                batch.put(1, bytes("bigs"), big);
                batch.commit();
            }
            assertArrayEquals(big, db.get(0, bytes("big")).orElseThrow());
            assertArrayEquals(big, db.getMultiple(1, bytes("bigs")).getFirst());
        }
        assertEquals(2, numberedFiles().stream().filter(n -> n.endsWith(".blob")).count());
    }

    @Test
    void manyThreadsFillOneBatchThatSpillsToSeveralSsts() throws Exception {
        int threads = 4;
        int perThread = 150_000; // 600K entries: more than one initial SST (256 Ki entries)
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try (WriteBatch batch = db.writeBatch()) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            int k = thread * perThread + i;
                            batch.put(0, bytes("key-" + k), bytes("value-" + k));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                CommitStats stats = batch.commit();
                assertEquals(threads * perThread, stats.keysWritten());
                assertTrue(stats.newSstFiles() >= 3, "SSTs: " + stats.newSstFiles());
            } finally {
                pool.shutdown();
            }
            Random random = new Random(7);
            for (int i = 0; i < 20_000; i++) {
                int k = random.nextInt(threads * perThread);
                assertEquals("value-" + k, get(db, "key-" + k));
            }
        }
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            byte[][] keys = new byte[1000][];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = bytes("key-" + (i * 599));
            }
            byte[][] values = db.batchGet(0, keys);
            for (int i = 0; i < keys.length; i++) {
                assertEquals("value-" + (i * 599), new String(values[i], UTF_8));
            }
            assertNull(db.batchGet(0, new byte[][] {bytes("absent")})[0]);
        }
    }

    @Test
    void onlyOneWriteOperationAtATime() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            WriteBatch first = db.writeBatch();
            IllegalStateException e = assertThrows(IllegalStateException.class, db::writeBatch);
            assertTrue(e.getMessage().contains("Another write batch is already active"), e.getMessage());
            first.close();
            try (WriteBatch second = db.writeBatch()) {
                second.put(0, bytes("a"), bytes("1"));
                second.commit();
            }
        }
    }

    @Test
    void closingWithoutCommitRollsBackEveryFile() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "kept", "1");
            List<String> before = numberedFiles();
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < 300_000; i++) { // forces a spill to disk before the rollback
                    batch.put(0, bytes("k" + i), bytes("v"));
                }
                batch.put(0, bytes("blob"), new byte[(64 << 20) + 1]);
            }
            assertEquals(before, numberedFiles());
            assertNull(get(db, "k1"));
            putAll(db, 0, "after", "2");
            assertEquals("2", get(db, "after"));
            assertEquals("1", get(db, "kept"));
        }
    }

    @Test
    void writesAfterCommitOrCloseAreRefused() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            WriteBatch batch = db.writeBatch();
            batch.commit();
            assertThrows(IllegalStateException.class, () -> batch.put(0, bytes("a"), bytes("b")));
            assertThrows(IllegalStateException.class, batch::commit);
        }
    }

    @Test
    void openDeletesUncommittedLeftoversAndReplaysDeletionFiles() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1");
            putAll(db, 0, "b", "2");
        }
        int committed = CurrentFile.read(dir);
        Path leftover = StoreFileNames.path(dir, StoreFileNames.Kind.SST, committed + 5);
        Files.write(leftover, new byte[] {1, 2, 3});
        // a .del naming a meta file of the first commit: that commit's data disappears at open
        String firstMeta = numberedFiles().stream().filter(n -> n.endsWith(".meta")).findFirst().orElseThrow();
        int firstMetaSeq = Integer.parseInt(firstMeta.substring(0, 8));
        DeletionFile.write(FileLayer.standard(), StoreFileNames.path(dir, StoreFileNames.Kind.DEL, committed),
                new int[0], new int[] {firstMetaSeq}, new int[0]);
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            assertFalse(Files.exists(leftover));
            assertFalse(Files.exists(dir.resolve(firstMeta)));
            assertNull(get(db, "a"));
            assertEquals("2", get(db, "b"));
        }
    }

    @Test
    void unexpectedFileStopsTheOpenNamingIt() throws IOException {
        TurboKV.open(dir, TWO_FAMILIES).close();
        Files.writeString(dir.resolve("notes.txt"), "hello");
        IOException e = assertThrows(IOException.class, () -> TurboKV.open(dir, TWO_FAMILIES));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    }

    @Test
    void secondWritableOpenOfTheSameDirectoryFails() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            assertFalse(db.isReadOnly());
            StoreLockedException e = assertThrows(StoreLockedException.class,
                    () -> TurboKV.open(dir, TWO_FAMILIES));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
        TurboKV.open(dir, TWO_FAMILIES).close(); // released at close
    }

    @Test
    void readOnlyOpenRefusesWritesAndChangesNothing() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1");
        }
        Path leftover = StoreFileNames.path(dir, StoreFileNames.Kind.SST, CurrentFile.read(dir) + 1);
        Files.write(leftover, new byte[] {1});
        List<String> before = numberedFiles();
        try (TurboKV db = TurboKV.openReadOnly(dir, TWO_FAMILIES)) {
            assertEquals("1", get(db, "a"));
            IllegalStateException e = assertThrows(IllegalStateException.class, db::writeBatch);
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
        assertEquals(before, numberedFiles());
        assertThrows(NoSuchFileException.class, () -> TurboKV.openReadOnly(dir.resolve("missing"), TWO_FAMILIES));
    }

    @Test
    void emptyInMemoryStoreFindsNothingAndRefusesWrites() throws IOException {
        try (TurboKV db = TurboKV.emptyInMemory(TWO_FAMILIES)) {
            assertTrue(db.isEmpty());
            assertEquals(Optional.empty(), db.get(0, bytes("a")));
            assertThrows(IllegalStateException.class, db::writeBatch);
        }
    }

    @Test
    void missingCurrentWithDataFilesIsRefusedRatherThanWiped() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1");
        }
        Files.delete(dir.resolve(StoreFileNames.CURRENT));
        List<String> before = numberedFiles();
        IOException e = assertThrows(IOException.class, () -> TurboKV.open(dir, TWO_FAMILIES));
        assertTrue(e.getMessage().contains("no CURRENT"), e.getMessage());
        assertEquals(before, numberedFiles());
    }

    @Test
    void familyWithoutEntriesWritesNoMetaFile() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1");
        }
        assertEquals(1, numberedFiles().stream().filter(n -> n.endsWith(".meta")).count());
    }

    @Test
    void readersDuringCommitsSeeWholeBatchesOnly() throws Exception {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            int rounds = 30;
            ExecutorService readers = Executors.newFixedThreadPool(2);
            try {
                Future<Integer> checks = readers.submit(() -> {
                    int checked = 0;
                    int seen = 0;
                    while (seen < rounds) {
                        // every batch writes round r into both keys: a reader sees both or neither
                        Optional<byte[]> x = db.get(0, bytes("x"));
                        Optional<byte[]> y = db.get(0, bytes("y"));
                        int rx = x.map(v -> Integer.parseInt(new String(v, UTF_8))).orElse(0);
                        int ry = y.map(v -> Integer.parseInt(new String(v, UTF_8))).orElse(0);
                        // x is read before y, and rounds only grow: y is at least as new as x
                        if (ry < rx) {
                            throw new AssertionError("saw x=" + rx + " but y=" + ry);
                        }
                        seen = ry;
                        checked++;
                    }
                    return checked;
                });
                for (int r = 1; r <= rounds; r++) {
                    putAll(db, 0, "x", Integer.toString(r), "y", Integer.toString(r));
                }
                assertTrue(checks.get() > 0);
            } finally {
                readers.shutdown();
            }
        }
    }

    @Test
    void scopedViewsStayValidUntilTheScopeClosesThenThrow() throws IOException {
        byte[] compressible = new byte[20_000]; // a medium value in a compressed block: copied into the scope
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, bytes("small"), bytes("v1"));
                batch.put(0, bytes("medium"), compressible);
                batch.put(1, bytes("m"), bytes("x"));
                batch.put(1, bytes("m"), bytes("y"));
                batch.commit();
            }
            MemorySegment small;
            MemorySegment medium;
            List<MemorySegment> multi = new ArrayList<>();
            try (ReadScope scope = db.readScope()) {
                small = scope.get(0, bytes("small"));
                medium = scope.get(0, bytes("medium"));
                assertNull(scope.get(0, bytes("absent")));
                assertEquals(2, scope.getMultiple(1, MemorySegment.ofArray(bytes("m")), multi::add));
                putAll(db, 0, "small", "v2"); // a later commit is not seen by the open scope
                assertArrayEquals(bytes("v1"), scope.get(0, bytes("small")).toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(bytes("v1"), small.toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(compressible, medium.toArray(ValueLayout.JAVA_BYTE));
                assertEquals(List.of("x", "y"), multi.stream()
                        .map(v -> new String(v.toArray(ValueLayout.JAVA_BYTE), UTF_8)).sorted().toList());
            }
            assertThrows(IllegalStateException.class, () -> small.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> medium.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> multi.getFirst().get(ValueLayout.JAVA_BYTE, 0));
            assertEquals("v2", get(db, "small"));
        }
    }

    @Test
    void closingTheStoreKeepsMappingsOfAnOpenScopeAlive() throws IOException {
        TurboKV db = TurboKV.open(dir, TWO_FAMILIES);
        putAll(db, 0, "a", "value-a");
        ReadScope scope = db.readScope();
        MemorySegment value = scope.get(0, bytes("a"));
        db.close();
        assertArrayEquals(bytes("value-a"), value.toArray(ValueLayout.JAVA_BYTE));
        scope.close();
        assertThrows(IllegalStateException.class, () -> value.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> db.get(0, bytes("a")));
    }

    @Test
    void zeroCopyGetHandsTheValueToTheConsumer() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "value-a");
            List<String> seen = new ArrayList<>();
            assertTrue(db.get(0, MemorySegment.ofArray(bytes("a")),
                    v -> seen.add(new String(v.toArray(ValueLayout.JAVA_BYTE), UTF_8))));
            assertFalse(db.get(0, MemorySegment.ofArray(bytes("b")), v -> seen.add("wrong")));
            assertEquals(List.of("value-a"), seen);
        }
    }

    @Test
    void batchGetResolvesEachKeyFromTheNewestSstThatKnowsIt() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1", "b", "1", "c", "1");
            putAll(db, 0, "a", "2");
            try (WriteBatch batch = db.writeBatch()) {
                batch.delete(0, bytes("b"));
                batch.put(0, bytes("big"), new byte[(64 << 20) + 1]);
                batch.commit();
            }
            byte[][] values = db.batchGet(0, new byte[][] {bytes("c"), bytes("a"), bytes("b"), bytes("x"),
                    bytes("big"), bytes("a")});
            assertEquals("1", new String(values[0], UTF_8));
            assertEquals("2", new String(values[1], UTF_8));
            assertNull(values[2]);
            assertNull(values[3]);
            assertEquals((64 << 20) + 1, values[4].length);
            assertEquals("2", new String(values[5], UTF_8));
        }
    }

    @Test
    void metaInfoListsLiveMetaFilesNewestFirst() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1");
            putAll(db, 1, "m", "1");
            List<MetaFileInfo> info = db.metaInfo();
            assertEquals(2, info.size());
            assertEquals(1, info.get(0).family());
            assertEquals(0, info.get(1).family());
            assertTrue(info.get(0).sequenceNumber() > info.get(1).sequenceNumber());
            SstInfo sst = info.get(1).ssts().getFirst();
            assertTrue(sst.fresh());
            assertFalse(sst.cold());
            assertEquals(1, sst.entryCount());
            assertTrue(sst.sizeBytes() > 0 && sst.filterBytes() > 0 && sst.blockCount() >= 2);
        }
    }

    @Test
    void clearCacheAndPrepareKeepAnswersIntact() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1", "b", "2");
            db.prepareAllSstCaches();
            try (ReadScope scope = db.readScope()) {
                MemorySegment a = scope.get(0, bytes("a"));
                db.clearCache(); // the scope's mapping stays until the scope closes
                assertEquals("1", new String(a.toArray(ValueLayout.JAVA_BYTE), UTF_8));
            }
            assertEquals("2", get(db, "b"));
            db.prepareAllSstCaches();
            assertEquals("1", get(db, "a"));
        }
    }

    @Test
    void forEachYieldsEveryLiveValueOnceAcrossCommits() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            putAll(db, 0, "a", "1", "b", "1", "c", "1");
            putAll(db, 0, "a", "2", "d", "2");
            try (WriteBatch batch = db.writeBatch()) {
                batch.delete(0, bytes("b"));
                batch.delete(1, bytes("m"));
                batch.put(0, bytes("big"), new byte[(64 << 20) + 1]);
                batch.commit();
            }
            putAll(db, 1, "m", "x", "n", "y");
            putAll(db, 1, "m", "z");
            java.util.TreeMap<String, String> single = new java.util.TreeMap<>();
            db.forEach(0, (k, v) -> {
                String key = new String(k.toArray(ValueLayout.JAVA_BYTE), UTF_8);
                String value = v.byteSize() > 100 ? "len=" + v.byteSize()
                        : new String(v.toArray(ValueLayout.JAVA_BYTE), UTF_8);
                assertNull(single.put(key, value), "key twice: " + key);
            });
            assertEquals(java.util.Map.of("a", "2", "c", "1", "d", "2", "big", "len=" + ((64 << 20) + 1)), single);
            List<String> multi = new ArrayList<>();
            db.forEach(1, (k, v) -> multi.add(new String(k.toArray(ValueLayout.JAVA_BYTE), UTF_8) + "="
                    + new String(v.toArray(ValueLayout.JAVA_BYTE), UTF_8)));
            assertEquals(List.of("m=x", "m=z", "n=y"), multi.stream().sorted().toList());
        }
    }

    @Test
    void creatingAStoreInAForeignDirectoryIsRefusedAndLeavesItUntouched() throws IOException {
        Files.writeString(dir.resolve("thesis.tex"), "mine");
        IOException e = assertThrows(IOException.class, () -> TurboKV.open(dir, TWO_FAMILIES));
        assertTrue(e.getMessage().contains("thesis.tex"), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("thesis.tex"), files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
