package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What outlives what: write batches and read scopes against their store's close, a second writer, compaction, and a
 * read-only instance against the writer's compaction. Misuse must fail with a clear exception and never destroy
 * committed data.
 */
class StoreLifecycleTest {
    @TempDir
    Path dir;

    /** The configuration of every store this test opens; {@link StoreLifecycleMappedMetaTest} maps its meta files. */
    DbConfig config() {
        return DbConfig.singleFamily();
    }

    /** Whether {@link #config()} maps every meta file rather than reading them into memory. */
    boolean metaFilesMapped() {
        return false;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static void commit(TurboKV db, String... keyValues) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < keyValues.length; i += 2) {
                batch.put(0, bytes(keyValues[i]), bytes(keyValues[i + 1]));
            }
            batch.commit();
        }
    }

    private static String get(TurboKV db, String key) throws IOException {
        return db.get(0, bytes(key)).map(v -> new String(v, UTF_8)).orElse(null);
    }

    /** Every file of the store with its content, to show that nothing changed. */
    private Map<String, byte[]> snapshot() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path path : list.toList()) {
                if (!path.getFileName().toString().equals(StoreFileNames.LOG)) {
                    files.put(path.getFileName().toString(), Files.readAllBytes(path));
                }
            }
        }
        return files;
    }

    private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> found) {
        assertEquals(expected.keySet(), found.keySet());
        expected.forEach((name, content) -> assertArrayEquals(content, found.get(name), name));
    }

    @Test
    void batchLeftOpenWhenItsStoreClosesCannotTouchTheNextWritersCommits() throws IOException {
        TurboKV db1 = TurboKV.open(dir, config());
        commit(db1, "k", "v");
        WriteBatch stale = db1.writeBatch();
        stale.put(0, bytes("stale"), bytes("x"));
        db1.close();
        try (TurboKV db2 = TurboKV.open(dir, config())) {
            commit(db2, "a", "1");
            commit(db2, "b", "2");
            Map<String, byte[]> before = snapshot();
            StoreClosedException onPut = assertThrows(StoreClosedException.class,
                    () -> stale.put(0, bytes("late"), bytes("y")));
            assertTrue(onPut.getMessage().contains("closed"), onPut.getMessage());
            assertThrows(StoreClosedException.class, stale::commit);
            stale.close(); // already rolled back by the store's close: nothing to do
            assertSameFiles(before, snapshot());
            assertEquals("1", get(db2, "a"));
            assertEquals("2", get(db2, "b"));
        }
        try (TurboKV db = TurboKV.open(dir, config())) {
            assertEquals("v", get(db, "k"));
            assertEquals("1", get(db, "a"));
            assertEquals("2", get(db, "b"));
            assertEquals(null, get(db, "stale"));
        }
    }

    @Test
    void commitOfABatchWhoseStoreClosedWritesNothing() throws IOException {
        TurboKV db = TurboKV.open(dir, config());
        commit(db, "k", "v");
        WriteBatch batch = db.writeBatch();
        for (int i = 0; i < 300_000; i++) { // past a spill: SST files exist when the store closes
            batch.put(0, bytes("key" + i), bytes("value" + i));
        }
        db.close();
        Map<String, byte[]> afterClose = snapshot();
        assertThrows(StoreClosedException.class, batch::commit);
        batch.close();
        assertSameFiles(afterClose, snapshot());
        assertTrue(afterClose.keySet().stream().noneMatch(n -> n.endsWith(".sst") && !n.equals("00000001.sst")),
                "the open batch's spilled SSTs were rolled back by the close: " + afterClose.keySet());
        try (TurboKV reopened = TurboKV.open(dir, config())) {
            assertEquals("v", get(reopened, "k"));
            assertEquals(null, get(reopened, "key1"));
        }
    }

    @Test
    void readsOfAClosedStoreAndItsScopesFailWithTheStoreClosedException() throws IOException {
        TurboKV db = TurboKV.open(dir, config());
        commit(db, "k", "v");
        ReadScope scope = db.readScope();
        MemorySegment view = scope.get(0, bytes("k"));
        db.close();
        assertThrows(StoreClosedException.class, () -> db.get(0, bytes("k")));
        assertThrows(StoreClosedException.class, () -> db.batchGet(0, new byte[][] {bytes("k")}));
        assertThrows(StoreClosedException.class, () -> db.forEach(0, (k, v) -> {}));
        assertThrows(StoreClosedException.class, db::readScope);
        assertThrows(StoreClosedException.class, db::writeBatch);
        assertThrows(StoreClosedException.class, db::fullCompact);
        assertThrows(StoreClosedException.class, () -> scope.get(0, bytes("k")));
        assertArrayEquals(bytes("v"), view.toArray(ValueLayout.JAVA_BYTE),
                "a view stays readable until its scope closes");
        scope.close();
    }

    @Test
    void secondBatchIsRefusedNamingWhereTheActiveOneWasCreated() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config()); WriteBatch active = db.writeBatch()) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, db::writeBatch);
            assertTrue(refused.getMessage().contains("already active"), refused.getMessage());
            assertNotNull(refused.getCause(), "the cause carries where the active batch was created");
            assertTrue(stackOf(refused.getCause()).contains("secondBatchIsRefusedNamingWhereTheActiveOneWasCreated"));
            active.put(0, bytes("k"), bytes("v"));
        }
    }

    @Test
    void abandonedBatchIsRolledBackAndReportedWithWhereItWasCreated() throws Exception {
        Logger logger = Logger.getLogger("io.turbokv");
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        boolean parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false); // the warning is expected here; keep the build output clean
        logger.addHandler(capture);
        try (TurboKV db = TurboKV.open(dir, config())) {
            abandonABatch(db);
            WriteBatch next = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (next == null && System.nanoTime() < deadline) {
                System.gc();
                try {
                    next = db.writeBatch();
                } catch (IllegalStateException stillHeld) {
                    Thread.sleep(20); // nothing signals a collection: poll, with a generous deadline
                }
            }
            assertNotNull(next, "the abandoned batch still holds the write slot after 30 s of GCs");
            next.put(0, bytes("after"), bytes("ok"));
            next.commit();
            next.close();
            assertEquals(null, get(db, "abandoned"));
            assertEquals("ok", get(db, "after"));
            // the cleaner logs before its rollback frees the write slot, so the record is there already
            assertEquals(1, records.size());
            LogRecord record = records.get(0);
            assertTrue(record.getMessage().contains("neither committed nor closed"), record.getMessage());
            assertTrue(stackOf(record.getThrown()).contains("abandonABatch"), stackOf(record.getThrown()));
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(parentHandlers);
        }
        assertTrue(snapshot().keySet().stream().filter(n -> n.endsWith(".sst")).count() == 1);
    }

    private static void abandonABatch(TurboKV db) throws IOException {
        WriteBatch batch = db.writeBatch();
        batch.put(0, bytes("abandoned"), bytes("x"));
    }

    private static String stackOf(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void scopeOpenedBeforeAFullCompactionStillReadsItsState() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config())) {
            commit(db, "k1", "v1");
            commit(db, "k2", "v2");
            commit(db, "k3", "v3");
            try (ReadScope scope = db.readScope()) {
                db.fullCompact(); // the scope's SSTs were never mapped: they must still be on disk
                commit(db, "k1", "newer");
                db.fullCompact();
                for (int i = 1; i <= 3; i++) {
                    assertArrayEquals(bytes("v" + i), scope.get(0, bytes("k" + i)).toArray(
                            ValueLayout.JAVA_BYTE), "k" + i);
                }
            }
            assertEquals("newer", get(db, "k1"));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(1, files.filter(p -> p.toString().endsWith(".sst")).count(),
                        "obsolete SSTs are deleted once the scope closed");
            }
        }
    }

    @Test
    void readOnlyInstanceKeepsServingTheStateItOpenedWhileTheWriterCompacts() throws IOException {
        byte[] blob = new byte[(int) WriteBatch.MAX_MEDIUM_VALUE_SIZE + 1];
        blob[0] = 7;
        blob[blob.length - 1] = 9;
        try (TurboKV writer = TurboKV.open(dir, config())) {
            commit(writer, "k1", "v1");
            try (WriteBatch batch = writer.writeBatch()) {
                batch.put(0, bytes("blob"), blob);
                batch.commit();
            }
            commit(writer, "k2", "v2");
            try (TurboKV reader = TurboKV.openReadOnly(dir, config())) {
                try (WriteBatch batch = writer.writeBatch()) {
                    batch.put(0, bytes("blob"), bytes("small now"));
                    batch.delete(0, bytes("k1"));
                    batch.commit();
                }
                writer.fullCompact(); // deletes every file the reader opened, the blob included
                writer.fullCompact();
                assertEquals("v1", get(reader, "k1"));
                assertEquals("v2", get(reader, "k2"));
                assertArrayEquals(blob, reader.get(0, bytes("blob")).orElseThrow());
                reader.clearCache();
                assertEquals("v1", get(reader, "k1"));
                List<String> keys = new ArrayList<>();
                reader.forEach(0, (k, v) -> keys.add(new String(k.toArray(ValueLayout.JAVA_BYTE),
                        UTF_8)));
                keys.sort(null);
                assertEquals(List.of("blob", "k1", "k2"), keys);
            }
            assertEquals(Optional.empty(), writer.get(0, bytes("k1")));
            assertEquals("small now", get(writer, "blob"));
        }
    }

    @Test
    void openThatFindsADamagedMetaFileLeavesNoMetaFileMapped() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config())) {
            for (int i = 0; i < 8; i++) {
                commit(db, "k" + i, "v" + i);
            }
        }
        List<Path> metas;
        try (Stream<Path> files = Files.list(dir)) {
            metas = files.filter(p -> p.toString().endsWith(".meta")).sorted().toList();
        }
        Path damaged = metas.get(metas.size() / 2);
        byte[] content = Files.readAllBytes(damaged);
        content[content.length / 2] ^= 0x10;
        Files.write(damaged, content);
        for (int attempt = 0; attempt < 3; attempt++) {
            IOException failure = assertThrows(IOException.class, () -> TurboKV.open(dir, config()));
            assertInstanceOf(CorruptionException.class, failure);
            assertEquals(0, mappingsOf(dir), "meta files still mapped after the failed open");
            assertThrows(CorruptionException.class, () -> TurboKV.openReadOnly(dir, config()));
            assertEquals(0, mappingsOf(dir), "meta files still mapped after the failed read-only open");
        }
    }

    @Test
    void anOpenStoreMapsItsMetaFilesOnlyWithoutRoomInItsBudget() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config())) {
            commit(db, "k1", "v1");
            commit(db, "k2", "v2");
        }
        try (TurboKV db = TurboKV.open(dir, config())) {
            assertEquals("v1", get(db, "k1"));
            assertEquals(metaFilesMapped() ? 2 : 0, mappingsOf(dir, ".meta"));
        }
        assertEquals(0, mappingsOf(dir, ".meta"), "meta files still mapped after close");
    }

    private static long mappingsOf(Path directory) {
        return mappingsOf(directory, "");
    }

    /**
     * How many mappings of files in {@code directory} whose name ends with {@code suffix} this process has (Linux:
     * /proc/self/maps).
     */
    private static long mappingsOf(Path directory, String suffix) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.exists(maps)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(maps)) {
            String prefix = directory.toRealPath().toString();
            return lines.filter(line -> line.contains(prefix) && line.endsWith(suffix)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
