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
 * The seed's fuzz target as a property (DESIGN.md §6): random puts, deletes, commits, reads (which make keys warm),
 * compactions with random bounds, full compactions and reopens, checked against an in-memory model after every
 * step. Small key spaces, so that SSTs overlap, merges, moves and the warm/cold split all happen.
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

    @net.jqwik.api.lifecycle.AfterContainer
    static void everyKindOfSegmentOccurred() {
        System.out.println("CompactionModelTest: " + MOVES.get() + " moves, " + WARM_OUTPUTS.get() + " warm and "
                + COLD_OUTPUTS.get() + " cold merged SSTs");
        assertTrue(MOVES.get() > 0 && COLD_OUTPUTS.get() > 0 && WARM_OUTPUTS.get() > 0, "coverage of the runs");
    }

    @Property(tries = 12, seed = "6")
    void randomOperationsKeepEveryAnswer(@ForAll long seed) throws IOException {
        run(seed);
    }

    /** The long version, with fresh seeds each time ({@code -Pstress}). */
    @Property(tries = 500)
    @net.jqwik.api.Tag("stress")
    void manyRandomOperationsKeepEveryAnswer(@ForAll long seed) throws IOException {
        run(seed);
    }

    /** The run that found the commit path's filter bug (TurboKV.narrow): merged-away SSTs back after a reopen. */
    @org.junit.jupiter.api.Test
    void seedThatResurrectedMergedAwaySsts() throws IOException {
        run(7139973L);
    }

    private static void run(long seed) throws IOException {
        Random random = new Random(seed);
        Path dir = Files.createTempDirectory("turbokv-model");
        TreeMap<String, byte[]> single = new TreeMap<>();
        TreeMap<String, List<String>> multi = new TreeMap<>();
        List<String> log = new ArrayList<>();
        TurboKV db = TurboKV.open(dir, CONFIG);
        try {
            for (int step = 0; step < 40; step++) {
                int op = random.nextInt(10);
                try {
                    step(db, op, random, single, multi, log);
                } catch (IOException | RuntimeException e) {
                    throw new AssertionError("seed " + seed + " after " + log + ": " + e, e);
                }
                if (op == 9) {
                    db.close();
                    db = TurboKV.open(dir, CONFIG);
                }
                if (op >= 6 || step == 39) { // checking reads every key, which would make every key warm
                    check(db, single, multi, "seed " + seed + " after " + log);
                }
            }
            String logFile = Files.readString(dir.resolve("LOG"));
            MOVES.addAndGet(logFile.lines().filter(l -> l.contains("MOVED")).count());
            COLD_OUTPUTS.addAndGet(logFile.lines().filter(l -> l.contains("MERGE OUTPUT") && l.endsWith("COLD")).count());
            WARM_OUTPUTS.addAndGet(logFile.lines().filter(l -> l.contains("MERGE OUTPUT") && l.endsWith("WARM")).count());
        } finally {
            db.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void step(TurboKV db, int op, Random random, TreeMap<String, byte[]> single,
                             TreeMap<String, List<String>> multi, List<String> log) throws IOException {
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
                              TreeMap<String, List<String>> multi) throws IOException {
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
                              String when) throws IOException {
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
