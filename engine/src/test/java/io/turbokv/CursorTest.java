package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.StoreFileNames;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cursor API of key-ordered families: bounds and prefixes, multi-valued keys, the family's order recorded in
 * the store, and the lifetimes: a cursor reads its scope's state across later commits and compactions, and used
 * after its close, its scope's close or the store's close, or from another thread, it throws instead of reading
 * freed or unmapped memory.
 */
class CursorTest {
    private static final int SINGLE = 0;
    private static final int MULTI = 1;
    private static final int HASHED = 2;
    private static final DbConfig CONFIG = DbConfig.builder()
            .family(FamilyConfig.ordered("single", FamilyKind.SINGLE_VALUE))
            .family(FamilyConfig.ordered("multi", FamilyKind.MULTI_VALUE))
            .family("hashed", FamilyKind.SINGLE_VALUE)
            .build();

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(MemorySegment segment) {
        return new String(segment.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    private static List<String> walk(Cursor cursor) throws IOException {
        List<String> found = new ArrayList<>();
        try (cursor) {
            while (cursor.next()) {
                found.add(text(cursor.key()) + "=" + text(cursor.value()));
            }
        }
        return found;
    }

    private static void put(TurboKV db, int family, String... keyValues) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < keyValues.length; i += 2) {
                if (keyValues[i + 1] == null) {
                    batch.delete(family, bytes(keyValues[i]));
                } else {
                    batch.put(family, bytes(keyValues[i]), bytes(keyValues[i + 1]));
                }
            }
            batch.commit();
        }
    }

    @Test
    void rangesAndPrefixesYieldTheLiveEntriesInKeyOrder() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            put(db, SINGLE, "b", "1", "a", "0", "ab", "2", "c", "3", "ca", "4");
            put(db, SINGLE, "c", null, "b", "5", "d", "6");
            try (ReadScope scope = db.readScope()) {
                assertEquals(List.of("a=0", "ab=2", "b=5", "ca=4", "d=6"),
                        walk(scope.range(SINGLE, (byte[]) null, true, null, true)));
                assertEquals(List.of("ab=2", "b=5"), walk(scope.range(SINGLE, bytes("a"), false, bytes("c"), true)));
                assertEquals(List.of("a=0", "ab=2", "b=5"), walk(scope.range(SINGLE, bytes("a"), true, bytes("c"),
                        false)));
                assertEquals(List.of("ca=4", "d=6"), walk(scope.range(SINGLE, bytes("c"), true, null, true)));
                assertEquals(List.of(), walk(scope.range(SINGLE, bytes("d"), false, null, true)));
                assertEquals(List.of(), walk(scope.range(SINGLE, bytes("c"), true, bytes("b"), true)));
                assertEquals(List.of("a=0", "ab=2"), walk(scope.prefix(SINGLE, bytes("a"))));
                assertEquals(List.of("ca=4"), walk(scope.prefix(SINGLE, bytes("c"))));
                assertEquals(List.of(), walk(scope.prefix(SINGLE, bytes("e"))));
                assertEquals(5, walk(scope.prefix(SINGLE, new byte[0])).size());
                assertEquals(List.of("d=6", "ca=4", "b=5", "ab=2", "a=0"),
                        walk(scope.rangeReverse(SINGLE, (byte[]) null, true, null, true)));
                assertEquals(List.of("b=5", "ab=2"), walk(scope.rangeReverse(SINGLE, bytes("a"), false, bytes("c"),
                        true)));
                assertEquals(List.of("ca=4"), walk(scope.rangeReverse(SINGLE, bytes("b"), false, bytes("d"),
                        false)));
                assertEquals(List.of("ab=2", "a=0"), walk(scope.prefixReverse(SINGLE, bytes("a"))));
                assertEquals(List.of(), walk(scope.rangeReverse(SINGLE, bytes("e"), true, null, true)));
            }
            assertArrayEquals(bytes("5"), db.get(SINGLE, bytes("b")).orElseThrow());
            assertTrue(db.get(SINGLE, bytes("c")).isEmpty());
        }
    }

    /**
     * Each SST of a key-ordered family has its key range in its meta entry, and a cursor maps only the SSTs whose
     * range meets its own: with one SST's file cut short on disk, cursors elsewhere read on, one over it fails.
     */
    @Test
    void aCursorOpensOnlyTheSstsWhoseKeyRangeMeetsItsRange() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            put(db, SINGLE, "a2", "1", "a1", "0");
            put(db, SINGLE, "m1", "2", "m3", "3");
            put(db, SINGLE, "z1", "4");
        }
        Map<String, Integer> sstByMinKey = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path path : files.filter(p -> p.toString().endsWith(".meta")).toList()) {
                String name = path.getFileName().toString();
                try (MetaFile meta = MetaFile.open(path, Integer.parseInt(name.substring(0, name.indexOf('.'))))) {
                    for (int i = 0; i < meta.entryCount(); i++) {
                        MetaEntry entry = meta.entry(i);
                        if (meta.family() == SINGLE) {
                            sstByMinKey.put(new String(entry.keyRange().min(), StandardCharsets.UTF_8) + ".."
                                    + new String(entry.keyRange().max(), StandardCharsets.UTF_8), entry.sstSeq());
                        }
                    }
                }
            }
        }
        assertEquals(List.of("a1..a2", "m1..m3", "z1..z1"), List.copyOf(sstByMinKey.keySet()));
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            Path middle = StoreFileNames.path(dir, StoreFileNames.Kind.SST, sstByMinKey.get("m1..m3"));
            try (FileChannel channel = FileChannel.open(middle, StandardOpenOption.WRITE)) {
                channel.truncate(channel.size() - 1);
            }
            try (ReadScope scope = db.readScope()) {
                assertEquals(List.of("a1=0", "a2=1"), walk(scope.prefix(SINGLE, bytes("a"))));
                assertEquals(List.of("z1=4"), walk(scope.range(SINGLE, bytes("n"), true, null, true)));
                assertEquals(List.of("a2=1", "a1=0"), walk(scope.rangeReverse(SINGLE, (byte[]) null, true, bytes("b"),
                        true)));
                assertThrows(CorruptionException.class, () -> walk(scope.prefix(SINGLE, bytes("m"))));
            }
        }
    }

    @Test
    void aMultiValuedKeyYieldsEachOfItsValuesDownToItsNewestDelete() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            put(db, MULTI, "k", "1", "k", "2", "j", "0");
            put(db, MULTI, "k", null, "k", "3");
            put(db, MULTI, "k", "4", "l", "5");
            try (ReadScope scope = db.readScope()) {
                List<String> found = walk(scope.range(MULTI, (byte[]) null, true, null, true));
                assertEquals("j=0", found.getFirst());
                assertEquals(List.of("k=3", "k=4"), found.subList(1, 3).stream().sorted().toList());
                assertEquals("l=5", found.getLast());
                assertEquals(4, found.size());
            }
        }
    }

    @Test
    void aCursorReadsItsScopesStateAcrossLaterCommitsAndACompaction() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            for (int i = 0; i < 20; i++) {
                put(db, SINGLE, String.format("key%03d", i), "v" + i);
            }
            try (ReadScope scope = db.readScope(); Cursor cursor = scope.range(SINGLE, (byte[]) null, true, null,
                    true)) {
                assertTrue(cursor.next());
                assertEquals("key000", text(cursor.key()));
                put(db, SINGLE, "key001", null, "key005", "new", "key0015", "between");
                db.fullCompact();
                List<String> rest = new ArrayList<>();
                while (cursor.next()) {
                    rest.add(text(cursor.key()) + "=" + text(cursor.value()));
                }
                assertEquals(19, rest.size());
                assertEquals("key001=v1", rest.getFirst());
                assertTrue(rest.contains("key005=v5"));
            }
            try (ReadScope scope = db.readScope()) {
                List<String> now = walk(scope.range(SINGLE, (byte[]) null, true, null, true));
                assertEquals(List.of("key000=v0", "key0015=between", "key002=v2"), now.subList(0, 3));
                assertTrue(now.contains("key005=new"));
            }
        }
    }

    @Test
    void aCursorUsedAfterItsCloseItsScopesCloseOrFromAnotherThreadThrows() throws Exception {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            put(db, SINGLE, "a", "x".repeat(300), "b", "y");
            ReadScope scope = db.readScope();
            Cursor cursor = scope.range(SINGLE, (byte[]) null, true, null, true);
            assertThrows(IllegalStateException.class, cursor::key, "before the first step");
            assertTrue(cursor.next());
            MemorySegment key = cursor.key();
            MemorySegment value = cursor.value();
            ExecutionException other = assertThrows(ExecutionException.class,
                    () -> CompletableFuture.supplyAsync(() -> {
                        try {
                            return cursor.next();
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }).get());
            assertTrue(other.getCause() instanceof WrongThreadException, other.toString());
            cursor.close();
            assertThrows(IllegalStateException.class, () -> key.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> value.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, cursor::next);
            assertThrows(IllegalStateException.class, cursor::value);
            cursor.close(); // idempotent

            Cursor second = scope.prefix(SINGLE, bytes("b"));
            assertTrue(second.next());
            MemorySegment secondValue = second.value();
            scope.close();
            assertThrows(IllegalStateException.class, second::next, "its scope closed");
            assertThrows(IllegalStateException.class, () -> secondValue.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void aCursorOfAClosedStoreThrowsButItsViewsStayReadableUntilItCloses() throws IOException {
        TurboKV db = TurboKV.open(dir, CONFIG);
        put(db, SINGLE, "a", "1", "b", "2");
        try (ReadScope scope = db.readScope(); Cursor cursor = scope.range(SINGLE, (byte[]) null, true, null, true)) {
            assertTrue(cursor.next());
            MemorySegment value = cursor.value();
            db.close();
            assertThrows(StoreClosedException.class, cursor::next);
            assertEquals("1", text(value));
        }
    }

    /** How many of the store's SST files this process has mapped, from {@code /proc/self/maps}. */
    private long mappedSsts() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(line -> line.contains(dir.toString()) && line.endsWith(".sst")).count();
        }
    }

    @Test
    void aStoreClosedOnAnotherThreadUnmapsAnOpenCursorsFilesAndTheCursorsNextStepThrows() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs /proc/self/maps");
        TurboKV db = TurboKV.open(dir, CONFIG);
        put(db, SINGLE, "a", "1", "b", "2", "c", "3");
        try (ReadScope scope = db.readScope(); Cursor cursor = scope.range(SINGLE, (byte[]) null, true, null, true)) {
            assertTrue(cursor.next());
            assertEquals("a=1", new String(cursor.keyBytes(), StandardCharsets.UTF_8) + "="
                    + new String(cursor.valueBytes(), StandardCharsets.UTF_8));
            assertTrue(mappedSsts() > 0, "the cursor's SST is mapped");
            CompletableFuture.runAsync(() -> {
                try {
                    db.close();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).get();
            assertEquals(0, mappedSsts(), "the store's close, on another thread, unmapped the cursor's files");
            assertThrows(StoreClosedException.class, cursor::next);
            assertThrows(StoreClosedException.class, cursor::keyBytes);
            assertThrows(StoreClosedException.class, cursor::valueBytes);
            assertThrows(StoreClosedException.class, cursor::value);
        }
    }

    @Test
    void aStoreClosedOnAnotherThreadWhileACursorStepsEndsTheWalkWithStoreClosedExceptionNeverACrash()
            throws Exception {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            String[] keyValues = new String[2 * 20_000];
            for (int i = 0; i < keyValues.length; i += 2) {
                keyValues[i] = "key" + (100_000 + i);
                keyValues[i + 1] = "v".repeat(1 + i % 300); // blocks of many sizes, some compressed
            }
            put(db, SINGLE, keyValues);
        }
        for (int round = 0; round < 4; round++) {
            TurboKV store = TurboKV.open(dir, CONFIG);
            CountDownLatch stepping = new CountDownLatch(64 << round);
            CompletableFuture<String> walk = CompletableFuture.supplyAsync(() -> {
                long entries = 0;
                try (ReadScope scope = store.readScope();
                     Cursor cursor = scope.range(SINGLE, (byte[]) null, true, null, true)) {
                    while (cursor.next()) {
                        entries += cursor.keyBytes().length > 0 && cursor.valueBytes().length > 0 ? 1 : 0;
                        stepping.countDown();
                    }
                    return "walked " + entries + " entries before the close"; // possible: no assertion on timing
                } catch (StoreClosedException e) {
                    return "ended by the close";
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            stepping.await();
            store.close();
            String outcome = walk.get(); // any other exception fails here
            assertTrue(outcome.startsWith("ended") || outcome.equals("walked 20000 entries before the close"),
                    outcome);
        }
    }

    @Test
    void aHashOrderedFamilyHasNoCursorAndTheOrderIsPartOfTheSchema() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG); ReadScope scope = db.readScope()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> scope.range(HASHED, (byte[]) null, true, null, true));
            assertTrue(e.getMessage().contains("hash-ordered"), e.getMessage());
        }
        DbConfig hashed = DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .family(FamilyConfig.ordered("multi", FamilyKind.MULTI_VALUE))
                .family("hashed", FamilyKind.SINGLE_VALUE)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TurboKV.open(dir, hashed));
        assertTrue(e.getMessage().contains("family 0 is 'single' SINGLE_VALUE key-ordered in the store, 'single'"
                + " SINGLE_VALUE in the config"), e.getMessage());
        try (TurboKV db = TurboKV.open(dir, DbConfig.storeDefined())) {
            assertTrue(db.config().family(SINGLE).keyOrdered());
            assertFalse(db.config().family(HASHED).keyOrdered());
        }
    }
}
