package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The seed's fuzz target as a property: random puts, deletes, commits, reads (which make keys warm),
 * compactions with random bounds, full compactions and reopens, checked against an in-memory model after every
 * step. Small key spaces, so that SSTs overlap, merges, moves and the warm/cold split all happen.
 *
 * <p>Read scopes and read-only instances opened at random steps are held across the compactions and commits that
 * follow and checked, with the store, against the model as it was when they opened: compaction must not delete a
 * file they still read. Their decisions come from a random stream of their own, so a seed's writes and
 * compactions are the same with or without them.
 */
class CompactionModelTest {
    private static final DbConfig CONFIG = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family("multi", FamilyKind.MULTI_VALUE)
            .build();

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static final java.util.concurrent.atomic.AtomicLong MOVES = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong COLD_OUTPUTS =
            new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong WARM_OUTPUTS =
            new java.util.concurrent.atomic.AtomicLong();

    /** Checks of a scope, and of a read-only instance, after a compaction that followed its opening. */
    private static final java.util.concurrent.atomic.AtomicLong SCOPE_CHECKS_AFTER_COMPACTION =
            new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong READ_ONLY_CHECKS_AFTER_COMPACTION =
            new java.util.concurrent.atomic.AtomicLong();

    @net.jqwik.api.lifecycle.AfterContainer
    static void everyKindOfSegmentOccurred() {
        System.out.println("CompactionModelTest: " + MOVES.get() + " moves, " + WARM_OUTPUTS.get() + " warm and "
                + COLD_OUTPUTS.get() + " cold merged SSTs; " + SCOPE_CHECKS_AFTER_COMPACTION.get() + " scope and "
                + READ_ONLY_CHECKS_AFTER_COMPACTION.get() + " read-only checks after a compaction");
        assertTrue(MOVES.get() > 0 && COLD_OUTPUTS.get() > 0 && WARM_OUTPUTS.get() > 0, "coverage of the runs");
        assertTrue(SCOPE_CHECKS_AFTER_COMPACTION.get() > 0 && READ_ONLY_CHECKS_AFTER_COMPACTION.get() > 0,
                "coverage of the readers");
    }

    @Property(tries = 12, seed = "6")
    void randomOperationsKeepEveryAnswer(@ForAll long seed) throws IOException {
        run(seed, true);
    }

    /** The long version, with fresh seeds each time ({@code -Pstress}). */
    @Property(tries = 500)
    @net.jqwik.api.Tag("stress")
    void manyRandomOperationsKeepEveryAnswer(@ForAll long seed) throws IOException {
        run(seed, true);
    }

    /** The run that found the commit path's filter bug (TurboKV.narrow): merged-away SSTs back after a reopen. */
    @org.junit.jupiter.api.Test
    void seedThatResurrectedMergedAwaySsts() throws IOException {
        run(7139973L, false);
    }

    /** A read scope or read-only instance, the model as it was when it opened, and the compactions since. */
    private record Reader(ReadScope scope, TurboKV readOnly, TreeMap<String, byte[]> single,
                          TreeMap<String, List<String>> multi, String openedAfter, int compactions) {
        void close() throws IOException {
            if (scope != null) {
                scope.close();
            } else {
                readOnly.close();
            }
        }
    }

    /**
     * Runs 40 random steps of {@code seed}; with {@code holdReaders}, opens scopes and read-only instances along the
     * way and checks them whenever the store is checked.
     */
    private static void run(long seed, boolean holdReaders) throws IOException {
        Random random = new Random(seed);
        Random readerChoices = new Random(~seed);
        Path dir = Files.createTempDirectory("turbokv-model");
        TreeMap<String, byte[]> single = new TreeMap<>();
        TreeMap<String, List<String>> multi = new TreeMap<>();
        List<String> log = new ArrayList<>();
        List<Reader> readers = new ArrayList<>();
        int compactions = 0;
        TurboKV db = TurboKV.open(dir, CONFIG);
        try {
            for (int step = 0; step < 40; step++) {
                int op = random.nextInt(10);
                try {
                    step(db, op, random, single, multi, log);
                } catch (IOException | RuntimeException e) {
                    throw new AssertionError("seed " + seed + " after " + log + ": " + e, e);
                }
                if (op == 8 || (op == 6 || op == 7) && log.getLast().endsWith("true")) {
                    compactions++;
                }
                if (op == 9) {
                    checkReaders(readers, compactions, "seed " + seed + " before the reopen after " + log);
                    closeScopes(readers); // the store's close would end them
                    db.close();
                    db = TurboKV.open(dir, CONFIG);
                }
                if (op >= 6 || step == 39) { // checking reads every key, which would make every key warm
                    check(db, single, multi, "seed " + seed + " after " + log);
                    checkReaders(readers, compactions, "seed " + seed + " after " + log);
                }
                if (holdReaders && readers.size() < 4 && readerChoices.nextInt(4) == 0) {
                    TreeMap<String, List<String>> multiThen = new TreeMap<>();
                    multi.forEach((key, values) -> multiThen.put(key, List.copyOf(values)));
                    boolean scope = readerChoices.nextBoolean();
                    readers.add(new Reader(scope ? db.readScope() : null,
                            scope ? null : TurboKV.openReadOnly(dir, CONFIG), new TreeMap<>(single), multiThen,
                            "step " + step, compactions));
                }
            }
            String logFile = Files.readString(dir.resolve("LOG"));
            MOVES.addAndGet(logFile.lines().filter(l -> l.contains("MOVED")).count());
            COLD_OUTPUTS
                    .addAndGet(logFile.lines().filter(l -> l.contains("MERGE OUTPUT") && l.endsWith("COLD")).count());
            WARM_OUTPUTS
                    .addAndGet(logFile.lines().filter(l -> l.contains("MERGE OUTPUT") && l.endsWith("WARM")).count());
        } finally {
            for (Reader reader : readers) {
                reader.close();
            }
            db.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Checks every reader against the model of when it opened. */
    private static void checkReaders(List<Reader> readers, int compactions, String when) throws IOException {
        for (Reader reader : readers) {
            String what = (reader.scope() != null ? "scope" : "read-only instance") + " opened after "
                    + reader.openedAfter() + ", " + when;
            if (reader.scope() != null) {
                checkScope(reader.scope(), reader.single(), reader.multi(), what);
            } else {
                check(reader.readOnly(), reader.single(), reader.multi(), what);
            }
            if (compactions > reader.compactions()) {
                (reader.scope() != null ? SCOPE_CHECKS_AFTER_COMPACTION : READ_ONLY_CHECKS_AFTER_COMPACTION)
                        .incrementAndGet();
            }
        }
    }

    private static void closeScopes(List<Reader> readers) throws IOException {
        for (java.util.Iterator<Reader> it = readers.iterator(); it.hasNext();) {
            Reader reader = it.next();
            if (reader.scope() != null) {
                reader.close();
                it.remove();
            }
        }
    }

    private static void checkScope(ReadScope scope, TreeMap<String, byte[]> single,
                                   TreeMap<String, List<String>> multi, String when)
            throws IOException {
        for (int i = 0; i < 60; i++) {
            String key = "k" + i;
            java.lang.foreign.MemorySegment found = scope.get(0, bytes(key));
            assertArrayEquals(single.get(key), found == null ? null
                    : found.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), key + " " + when);
        }
        for (int i = 0; i < 15; i++) {
            String key = "m" + i;
            List<String> found = new ArrayList<>();
            scope.getMultiple(1, java.lang.foreign.MemorySegment.ofArray(bytes(key)),
                    v -> found.add(HexFormat.of().formatHex(v.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))));
            found.sort(null);
            List<String> expected = new ArrayList<>(multi.getOrDefault(key, List.of()));
            expected.sort(null);
            assertEquals(expected, found, key + " " + when);
        }
    }

    private static void step(TurboKV db, int op, Random random, TreeMap<String, byte[]> single,
                             TreeMap<String, List<String>> multi, List<String> log)
            throws IOException {
        if (op < 5) {
            batch(db, random, single, multi);
            log.add("batch");
        } else if (op == 5) {
            for (int i = 0; i < 10; i++) {
                db.get(0, bytes("k" + random.nextInt(60)));
            }
            log.add("reads");
        } else if (op < 8) {
            int optimal = 2 + random.nextInt(4);
            int max = optimal + random.nextInt(4);
            long maxBytes = random.nextBoolean() ? Long.MAX_VALUE : 2_000 + random.nextInt(20_000);
            CompactConfig config = new CompactConfig(2, optimal, max, maxBytes, 0, 0, 1 + random.nextInt(4));
            log.add("compact " + config + " -> " + db.compact(config));
        } else if (op == 8) {
            db.fullCompact();
            log.add("fullCompact");
            CompactionTest.assertNoDuplicateKeysAndNoOverlap(db, db.directory());
        } else {
            log.add("reopen");
        }
    }

    private static void batch(TurboKV db, Random random, TreeMap<String, byte[]> single,
                              TreeMap<String, List<String>> multi)
            throws IOException {
        Set<String> singleTouched = new HashSet<>();
        Set<String> multiDeleted = new HashSet<>();
        Map<String, List<String>> multiAdded = new HashMap<>();
        try (WriteBatch batch = db.writeBatch()) {
            int puts = 1 + random.nextInt(30);
            for (int i = 0; i < puts; i++) {
                String key = "k" + random.nextInt(60);
                if (singleTouched.add(key)) {
                    if (random.nextInt(6) == 0) {
                        batch.delete(0, bytes(key));
                        single.remove(key);
                    } else {
                        byte[] value = new byte[random.nextInt(10) == 0 ? 4097 + random.nextInt(3000)
                                : random.nextInt(40)];
                        random.nextBytes(value);
                        batch.put(0, bytes(key), value);
                        single.put(key, value);
                    }
                }
                String multiKey = "m" + random.nextInt(15);
                if (multiDeleted.contains(multiKey)) {
                    continue;
                }
                if (random.nextInt(8) == 0 && !multiAdded.containsKey(multiKey)) {
                    batch.delete(1, bytes(multiKey));
                    multiDeleted.add(multiKey);
                } else {
                    byte[] value = new byte[random.nextInt(20)];
                    random.nextBytes(value);
                    batch.put(1, bytes(multiKey), value);
                    multiAdded.computeIfAbsent(multiKey, k -> new ArrayList<>()).add(HexFormat.of().formatHex(value));
                }
            }
            batch.commit();
        }
        multiDeleted.forEach(multi::remove);
        multiAdded.forEach((key, values) -> multi.computeIfAbsent(key, k -> new ArrayList<>()).addAll(values));
    }

    private static void check(TurboKV db, TreeMap<String, byte[]> single, TreeMap<String, List<String>> multi,
                              String when)
            throws IOException {
        for (int i = 0; i < 60; i++) {
            String key = "k" + i;
            byte[] found = db.get(0, bytes(key)).orElse(null);
            if (single.containsKey(key)) {
                assertArrayEquals(single.get(key), found, key + " " + when);
            } else {
                assertNull(found, key + " " + when);
            }
        }
        for (int i = 0; i < 15; i++) {
            String key = "m" + i;
            List<String> found = new ArrayList<>();
            for (byte[] value : db.getMultiple(1, bytes(key))) {
                found.add(HexFormat.of().formatHex(value));
            }
            found.sort(null);
            List<String> expected = new ArrayList<>(multi.getOrDefault(key, List.of()));
            expected.sort(null);
            assertEquals(expected, found, key + " " + when);
        }
    }
}
