package io.turbokv;

import static io.turbokv.StoreModel.MULTI;
import static io.turbokv.StoreModel.SINGLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.ModelData.FillerStyle;
import io.turbokv.ModelData.KeyId;
import io.turbokv.ModelData.Value;
import io.turbokv.StoreModel.Fingerprint;
import io.turbokv.StoreModel.Snapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks what a store, a read-only instance or a read scope answers against a {@link Snapshot} of the model, in
 * every read form: {@code get} (copying and zero-copy), {@code batchGet}, {@code getMultiple} (both forms),
 * {@code forEach} of both families, and a scope's {@code get} and {@code getMultiple}. Tracked keys are read one by
 * one; fillers, which may be hundreds of thousands, by a sample at the boundaries of key blocks, stripes and spills
 * and at random, and all of them through {@code forEach}, whose entries are compared as a {@link Fingerprint}.
 */
final class ModelCheck {
    /**
     * Filler indices that sit on a boundary: key blocks hold 819 entries, a stripe's first chunk some 2,500 tiny
     * records, a later chunk at most 2,048 (the smallest spill by entries), SSTs at 2^18.
     */
    private static final int[] BOUNDARIES = {0, 1, 818, 819, 820, 2047, 2048, 2049, 16_383, 16_384, 16_385, 262_143,
            262_144, 262_145};
    private static final int RANDOM_SAMPLES = 12;
    /** Whose turn it is among the read forms of a large value (see {@link #trackedKeys}). */
    private static final AtomicInteger TURN = new AtomicInteger();

    private ModelCheck() {}

    /** Reads every tracked key and a sample of fillers in every form of {@code db}, and scans both families. */
    static void store(TurboKV db, Snapshot expected, String when) throws IOException {
        pointReads(db, expected, when);
        scan(db, SINGLE, expected, when);
        scan(db, MULTI, expected, when);
        try (ReadScope scope = db.readScope()) {
            cursors(db.config(), scope, expected, when);
        }
    }

    /** Checks the cursors of every key-ordered family in {@code scope} ({@link ModelCursors}). */
    static void cursors(DbConfig config, ReadScope scope, Snapshot expected, String when) throws IOException {
        for (int family : new int[] {SINGLE, MULTI}) {
            if (config.family(family).keyOrdered()) {
                ModelCursors.check(scope, family, expected, expected.version() * 53L + family, when);
            }
        }
    }

    /** Reads every tracked key and a sample of fillers in every form of {@code db} but {@code forEach}. */
    static void pointReads(TurboKV db, Snapshot expected, String when) throws IOException {
        trackedKeys(db, expected, when);
        fillers(db, expected, when);
    }

    /**
     * Reads every tracked key with both forms of {@code get} and {@code getMultiple}, and {@code batchGet}: quick
     * enough to repeat while a compaction runs. A key holding a value over {@value ModelData#ALLOCATED_LIMIT} bytes
     * (a 64 MiB value or a blob, each read costing tens of milliseconds) is read in one form per call, in turn.
     */
    static void trackedKeys(TurboKV db, Snapshot expected, String when) throws IOException {
        List<byte[]> batchKeys = new ArrayList<>();
        List<Integer> batchIndices = new ArrayList<>();
        for (int key = 0; key < ModelData.trackedKeyCount(); key++) {
            byte[] bytes = ModelData.trackedKey(key);
            String what = "tracked key " + key + " (" + bytes.length + " bytes) at " + expected + ", " + when;
            Value value = expected.single(key);
            int turn = isLarge(value) ? TURN.getAndIncrement() % 3 : -1;
            if (turn == -1 || turn == 0) {
                assertEquals(value, decodeOrNull(db.get(SINGLE, bytes).orElse(null), "get of " + what),
                        "get of " + what);
            }
            if (turn == -1 || turn == 1) {
                Value[] viewed = new Value[1];
                boolean found = db.get(SINGLE, MemorySegment.ofArray(bytes), v -> viewed[0] = ModelData.decode(v,
                        () -> "zero-copy get of " + what));
                assertEquals(value, viewed[0], "zero-copy get of " + what);
                assertEquals(value != null, found, "zero-copy get's answer for " + what);
            }
            if (turn == -1 || turn == 2) {
                batchKeys.add(bytes);
                batchIndices.add(key);
            }
            List<Value> values = expected.multi(key);
            turn = values.stream().anyMatch(ModelCheck::isLarge) ? TURN.getAndIncrement() % 2 : -1;
            if (turn == -1 || turn == 0) {
                assertEquals(values, decodeSorted(db.getMultiple(MULTI, bytes), "getMultiple of " + what),
                        "getMultiple of " + what);
            }
            if (turn == -1 || turn == 1) {
                List<Value> views = new ArrayList<>();
                int count = db.getMultiple(MULTI, MemorySegment.ofArray(bytes),
                        v -> views.add(ModelData.decode(v, () -> "zero-copy getMultiple of " + what)));
                views.sort(null);
                assertEquals(values, views, "zero-copy getMultiple of " + what);
                assertEquals(views.size(), count, "zero-copy getMultiple's count for " + what);
            }
        }
        byte[][] found = db.batchGet(SINGLE, batchKeys.toArray(byte[][]::new));
        assertEquals(batchKeys.size(), found.length, "batchGet's answers");
        for (int i = 0; i < found.length; i++) {
            String what = "batchGet of tracked key " + batchIndices.get(i) + " at " + expected + ", " + when;
            assertEquals(expected.single(batchIndices.get(i)), decodeOrNull(found[i], what), what);
        }
    }

    private static boolean isLarge(Value value) {
        return value != null && value.size() > ModelData.ALLOCATED_LIMIT;
    }

    /** Reads sampled fillers with {@code get}, {@code batchGet} and {@code getMultiple}. */
    private static void fillers(TurboKV db, Snapshot expected, String when) throws IOException {
        List<byte[]> keys = new ArrayList<>();
        List<Value> values = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (FillerStyle style : FillerStyle.values()) {
            for (int index : sample(expected.extent(SINGLE, style), expected.version() * 31L + style.ordinal())) {
                byte[] key = style.key(index);
                String what = style + " filler " + index + " at " + expected + ", " + when;
                Value value = expected.filler(style, index);
                assertEquals(value, decodeOrNull(db.get(SINGLE, key).orElse(null), "get of " + what), "get of " + what);
                keys.add(key);
                values.add(value);
                names.add(style + " filler " + index);
            }
            for (int index : sample(expected.extent(MULTI, style), expected.version() * 37L + style.ordinal())) {
                String what = style + " filler " + index + " at " + expected + ", " + when;
                assertEquals(expected.fillerValues(style, index),
                        decodeSorted(db.getMultiple(MULTI, style.key(index)), "getMultiple of " + what),
                        "getMultiple of " + what);
            }
        }
        byte[][] found = db.batchGet(SINGLE, keys.toArray(byte[][]::new));
        assertEquals(keys.size(), found.length, "batchGet's answers");
        for (int i = 0; i < found.length; i++) {
            String what = "batchGet of " + names.get(i) + " at " + expected + ", " + when;
            assertEquals(values.get(i), decodeOrNull(found[i], what), what);
        }
    }

    /** Reads every tracked key and a sample of fillers through {@code scope}. */
    static void scope(ReadScope scope, Snapshot expected, String when) throws IOException {
        for (int key = 0; key < ModelData.trackedKeyCount(); key++) {
            byte[] bytes = ModelData.trackedKey(key);
            String what = "tracked key " + key + " in a scope of " + expected + ", " + when;
            assertEquals(expected.single(key), decodeOrNull(scope.get(SINGLE, bytes), "get of " + what),
                    "get of " + what);
            assertEquals(expected.multi(key), scopedValues(scope, bytes, "getMultiple of " + what),
                    "getMultiple of " + what);
        }
        for (FillerStyle style : FillerStyle.values()) {
            for (int index : sample(expected.extent(SINGLE, style), expected.version() * 41L + style.ordinal())) {
                String what = style + " filler " + index + " in a scope of " + expected + ", " + when;
                assertEquals(expected.filler(style, index), decodeOrNull(scope.get(SINGLE, style.key(index)),
                        "get of " + what), "get of " + what);
            }
            for (int index : sample(expected.extent(MULTI, style), expected.version() * 43L + style.ordinal())) {
                String what = style + " filler " + index + " in a scope of " + expected + ", " + when;
                assertEquals(expected.fillerValues(style, index), scopedValues(scope, style.key(index),
                        "getMultiple of " + what), "getMultiple of " + what);
            }
        }
    }

    private static List<Value> scopedValues(ReadScope scope, byte[] key, String what) throws IOException {
        List<Value> values = new ArrayList<>();
        int count = scope.getMultiple(MULTI, MemorySegment.ofArray(key),
                v -> values.add(ModelData.decode(v, () -> what)));
        assertEquals(values.size(), count, "count of " + what);
        values.sort(null);
        return values;
    }

    /**
     * Scans {@code family} with {@code forEach} and compares the entries' fingerprint with the model's; when they
     * differ, scans again to name the keys that differ.
     */
    static void scan(TurboKV db, int family, Snapshot expected, String when) throws IOException {
        String what = "forEach of family " + family + " at " + expected + ", " + when;
        Fingerprint found = new Fingerprint();
        db.forEach(family, (key, value) -> {
            KeyId id = ModelData.identify(key);
            assertTrue(!(id instanceof ModelData.Unknown), () -> what + " found a key never written: " + id);
            found.add(id, ModelData.decode(value, () -> what + ", key " + id));
        });
        if (found.sameAs(expected.fingerprint(family))) {
            return;
        }
        Map<String, List<Value>> scanned = new TreeMap<>();
        db.forEach(family, (key, value) -> scanned.computeIfAbsent(ModelData.identify(key).toString(),
                k -> new ArrayList<>()).add(ModelData.decode(value, () -> what)));
        scanned.values().forEach(values -> values.sort(null));
        Map<String, List<Value>> model = expected.entries(family);
        TreeSet<String> keys = new TreeSet<>(model.keySet());
        keys.addAll(scanned.keySet());
        List<String> differences = new ArrayList<>();
        for (String key : keys) {
            List<Value> want = model.getOrDefault(key, List.of());
            List<Value> got = scanned.getOrDefault(key, List.of());
            if (!want.equals(got) && differences.size() < 10) {
                differences.add(key + ": expected " + abbreviate(want) + ", found " + abbreviate(got));
            }
        }
        throw new AssertionError(what + ": " + found.count() + " entries, expected " + expected.fingerprint(family)
                .count()
                + (differences.isEmpty() ? " (the same entries, in another multiplicity)" : "; "
                        + String.join("; ", differences)));
    }

    private static String abbreviate(List<Value> values) {
        return values.size() <= 6 ? values.toString() : values.subList(0, 6) + " and " + (values.size() - 6)
                + " more";
    }

    /**
     * Filler indices to read one by one: every boundary below {@code extent}, the last filler, the two after it
     * (never written), and a few chosen by {@code salt}.
     */
    static int[] sample(int extent, long salt) {
        TreeSet<Integer> indices = new TreeSet<>();
        for (int boundary : BOUNDARIES) {
            if (boundary < extent) {
                indices.add(boundary);
            }
        }
        indices.add(extent);
        indices.add(extent + 1);
        if (extent > 0) {
            indices.add(extent - 1);
            Random random = new Random(salt);
            for (int i = 0; i < RANDOM_SAMPLES; i++) {
                indices.add(random.nextInt(extent));
            }
        }
        return indices.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Value decodeOrNull(byte[] found, String what) {
        return found == null ? null : ModelData.decode(found, () -> what);
    }

    private static Value decodeOrNull(MemorySegment found, String what) {
        return found == null ? null : ModelData.decode(found, () -> what);
    }

    private static List<Value> decodeSorted(List<byte[]> found, String what) {
        List<Value> values = new ArrayList<>();
        for (byte[] value : found) {
            values.add(ModelData.decode(value, () -> what));
        }
        values.sort(null);
        return values;
    }
}
