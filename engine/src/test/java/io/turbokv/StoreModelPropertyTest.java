package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Random sequences of puts, deletes, commits, abandoned batches, reopens and reads on a single- and a
 * multi-valued family, checked after every step against an in-memory model of what was committed.
 */
class StoreModelPropertyTest {
    private static final DbConfig CONFIG = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family("multi", FamilyKind.MULTI_VALUE)
            .build();
    private static final int KEYS = 12;
    /** Value sizes of every class: inline, small, medium. */
    private static final int[] SIZES = {0, 3, 8, 9, 100, 4096, 4097, 20_000};

    private final List<Path> directories = new ArrayList<>();

    sealed interface Op permits Put, Delete, Commit, Abandon, Reopen {}

    record Put(int family, int key, int size, int seed) implements Op {}

    record Delete(int family, int key) implements Op {}

    record Commit() implements Op {}

    record Abandon() implements Op {}

    record Reopen() implements Op {}

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Op> put = Combinators.combine(Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, KEYS - 1), Arbitraries.of(Arrays.stream(SIZES).boxed().toList()),
                Arbitraries.integers()).as(Put::new);
        Arbitrary<Op> delete = Combinators.combine(Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, KEYS - 1)).as(Delete::new);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, put), net.jqwik.api.Tuple.of(3, delete),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(new Commit())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Abandon())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Reopen())));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    private static byte[] key(int key) {
        return ("key-" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] value(Put put) {
        byte[] value = new byte[put.size()];
        new java.util.Random(put.seed()).nextBytes(value);
        if (value.length > 0) {
            value[0] = (byte) put.key();
        }
        return value;
    }

    /** What is committed: single-valued key -> value; multi-valued key -> values (a multiset, as sorted hex). */
    private static final class Model {
        final Map<Integer, byte[]> single = new HashMap<>();
        final Map<Integer, List<String>> multi = new HashMap<>();
        final List<Op> pending = new ArrayList<>();

        void commit() {
            Map<Integer, List<String>> added = new HashMap<>();
            Set<Integer> deleted = new HashSet<>();
            for (Op op : pending) {
                if (op instanceof Put p && p.family() == 0) {
                    single.put(p.key(), value(p));
                } else if (op instanceof Delete d && d.family() == 0) {
                    single.remove(d.key());
                } else if (op instanceof Put p) {
                    added.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(hex(value(p)));
                } else if (op instanceof Delete d) {
                    deleted.add(d.key());
                }
            }
            for (int key : deleted) {
                multi.remove(key); // a tombstone removes older values; this batch's own values stay
            }
            added.forEach((key, values) -> multi.computeIfAbsent(key, k -> new ArrayList<>()).addAll(values));
            pending.clear();
        }
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    @Property(tries = 40)
    void storeAgreesWithModel(@ForAll("operations") List<Op> ops) throws IOException {
        Path dir = Files.createTempDirectory("turbokv-model");
        directories.add(dir);
        Model model = new Model();
        TurboKV db = TurboKV.open(dir, CONFIG);
        WriteBatch batch = null;
        try {
            for (Op op : ops) {
                switch (op) {
                    case Put p -> {
                        batch = batch == null ? db.writeBatch() : batch;
                        batch.put(p.family(), key(p.key()), value(p));
                        model.pending.add(p);
                    }
                    case Delete d -> {
                        batch = batch == null ? db.writeBatch() : batch;
                        batch.delete(d.family(), key(d.key()));
                        model.pending.add(d);
                    }
                    case Commit c -> {
                        if (batch != null) {
                            batch.commit();
                            batch.close();
                            batch = null;
                            model.commit();
                        }
                    }
                    case Abandon a -> {
                        if (batch != null) {
                            batch.close();
                            batch = null;
                            model.pending.clear();
                        }
                    }
                    case Reopen r -> {
                        if (batch != null) {
                            batch.close();
                            batch = null;
                            model.pending.clear();
                        }
                        db.close();
                        db = TurboKV.open(dir, CONFIG);
                    }
                }
                check(db, model);
            }
        } finally {
            if (batch != null) {
                batch.close();
            }
            db.close();
        }
    }

    /** The long run, behind {@code -Pstress}. */
    @Property(tries = 1000)
    @net.jqwik.api.Tag("stress")
    void storeAgreesWithModelOverManySequences(@ForAll("operations") List<Op> ops) throws IOException {
        storeAgreesWithModel(ops);
    }

    private static void check(TurboKV db, Model model) throws IOException {
        byte[][] keys = new byte[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            keys[k] = key(k);
            byte[] expected = model.single.get(k);
            assertArrayEquals(expected, db.get(0, keys[k]).orElse(null), "single-valued key " + k);
            List<String> expectedValues = model.multi.getOrDefault(k, List.of()).stream().sorted().toList();
            List<String> found = db.getMultiple(1, keys[k]).stream().map(StoreModelPropertyTest::hex).sorted()
                    .toList();
            assertEquals(expectedValues, found, "multi-valued key " + k);
        }
        Map<String, String> scanned = new java.util.TreeMap<>();
        db.forEach(0, (k, v) -> scanned.put(new String(k.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                java.nio.charset.StandardCharsets.UTF_8), hex(v.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))));
        Map<String, String> expectedScan = new java.util.TreeMap<>();
        model.single.forEach((k, v) -> expectedScan.put("key-" + k, hex(v)));
        assertEquals(expectedScan, scanned, "forEach over the single-valued family");
        List<String> scannedMulti = new ArrayList<>();
        db.forEach(1, (k, v) -> scannedMulti.add(new String(k.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                java.nio.charset.StandardCharsets.UTF_8) + "=" + hex(v.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))));
        List<String> expectedMulti = new ArrayList<>();
        model.multi.forEach((k, vs) -> vs.forEach(v -> expectedMulti.add("key-" + k + "=" + v)));
        assertEquals(expectedMulti.stream().sorted().toList(), scannedMulti.stream().sorted().toList(),
                "forEach over the multi-valued family");
        byte[][] values = db.batchGet(0, keys);
        for (int k = 0; k < KEYS; k++) {
            assertArrayEquals(model.single.get(k), values[k], "batchGet of key " + k);
        }
    }

    @AfterProperty
    void deleteDirectories() {
        for (Path dir : directories) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        directories.clear();
    }
}
