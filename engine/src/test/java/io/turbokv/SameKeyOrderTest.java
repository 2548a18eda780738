package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.write.SpillRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same-key rule of {@link WriteBatch}: writes of one key ordered by happens-before resolve to the last one, in
 * every read form, after reopen and after compaction, whatever the batch spilled in between. Every case here writes
 * more than {@link SpillRunner#MAX_ENTRIES_PER_INITIAL_FILE} entries, so the batch spills several SSTs in the
 * background while it fills and the commit spills the rest.
 */
class SameKeyOrderTest {
    private static final int SPILL = SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE;
    private static final DbConfig MULTI = DbConfig.builder().family("m", FamilyKind.MULTI_VALUE).build();

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void laterPutOfAKeyWinsAfterTheBatchSpilled() throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < SPILL; i++) {
                    batch.put(0, bytes("k" + i), bytes("old"));
                }
                for (int i = 0; i < 10; i++) {
                    batch.put(0, bytes("k" + i), bytes("new"));
                }
                batch.commit();
            }
            assertNewestEverywhere(db, 10, "new");
        }
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            assertNewestEverywhere(db, 10, "new");
            db.fullCompact();
            assertNewestEverywhere(db, 10, "new");
        }
    }

    @Test
    void laterDeleteOfAKeyWinsAfterTheBatchSpilled() throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < SPILL; i++) {
                    batch.put(0, bytes("k" + i), bytes("old"));
                }
                for (int i = 0; i < 10; i++) {
                    batch.delete(0, bytes("k" + i));
                }
                batch.commit();
            }
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(Optional.empty(), db.get(0, bytes("k" + i)), "k" + i);
                }
                assertEquals(SPILL - 10, countEntries(db));
                db.fullCompact();
            }
        }
    }

    /** The CLI's load of three rounds of the same 100,000 keys, in order, in one batch. */
    @Test
    void everyKeyOfThreeRoundsReadsTheLastRound() throws IOException {
        int keys = 100_000;
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < keys; i++) {
                        batch.put(0, bytes("key" + i), bytes("round" + round));
                    }
                }
                batch.commit();
            }
            int wrong = 0;
            for (int i = 0; i < keys; i++) {
                if (!"round2".equals(db.get(0, bytes("key" + i)).map(v -> new String(v, UTF_8)).orElse(null))) {
                    wrong++;
                }
            }
            assertEquals(0, wrong, "keys reading an older round");
            Map<String, String> scanned = scan(db);
            assertEquals(keys, scanned.size());
            assertTrue(scanned.values().stream().allMatch("round2"::equals));
        }
    }

    /**
     * Thread A writes a key, then thread B, which A's end happens-before, writes it again and fills the batch past
     * several spills. A's write may sit in a collector long after B's was spilled; B's must still win.
     */
    @Test
    void laterPutFromAnotherThreadWinsWhenOrderedByHappensBefore() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread first = new Thread(() -> {
                    try {
                        for (int i = 0; i < 10; i++) {
                            batch.put(0, bytes("k" + i), bytes("first"));
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                first.start();
                first.join(); // everything `first` did happens-before what `second` does
                Thread second = new Thread(() -> {
                    try {
                        for (int i = 0; i < 10; i++) {
                            batch.put(0, bytes("k" + i), bytes("second"));
                        }
                        for (int i = 10; i < 2 * SPILL + 10; i++) {
                            batch.put(0, bytes("k" + i), bytes("filler"));
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                second.start();
                second.join();
                assertNull(failure.get());
                batch.commit();
            }
            assertNewestEverywhere(db, 10, "second");
            db.fullCompact();
            assertNewestEverywhere(db, 10, "second");
        }
    }

    /**
     * In a multi-valued family a delete removes the values of earlier batches only: the key keeps every value its
     * own batch adds, before or after the delete, even when the batch spilled between them.
     */
    @Test
    void multiValuedDeleteKeepsTheValuesItsBatchAddedBeforeItAcrossSpills() throws IOException {
        byte[] key = bytes("mk");
        try (TurboKV db = TurboKV.open(dir, MULTI)) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, key, bytes("earlier-batch"));
                batch.commit();
            }
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, key, bytes("before-delete"));
                for (int i = 0; i < SPILL + 40_000; i++) {
                    batch.put(0, bytes("a" + i), bytes("x"));
                }
                batch.delete(0, key);
                batch.put(0, key, bytes("after-delete"));
                for (int i = 0; i < SPILL + 40_000; i++) {
                    batch.put(0, bytes("b" + i), bytes("y"));
                }
                batch.commit();
            }
            assertEquals(List.of("after-delete", "before-delete"), sortedValues(db, key));
            db.fullCompact();
            assertEquals(List.of("after-delete", "before-delete"), sortedValues(db, key));
        }
        try (TurboKV db = TurboKV.open(dir, MULTI)) {
            assertEquals(List.of("after-delete", "before-delete"), sortedValues(db, key));
        }
    }

    private static List<String> sortedValues(TurboKV db, byte[] key) throws IOException {
        List<String> values = new ArrayList<>();
        for (byte[] v : db.getMultiple(0, key)) {
            values.add(new String(v, UTF_8));
        }
        values.sort(null);
        return values;
    }

    private static void assertNewestEverywhere(TurboKV db, int keys, String expected) throws IOException {
        byte[][] batchKeys = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            batchKeys[i] = bytes("k" + i);
            assertArrayEquals(bytes(expected), db.get(0, batchKeys[i]).orElse(null), "get k" + i);
        }
        byte[][] values = db.batchGet(0, batchKeys);
        for (int i = 0; i < keys; i++) {
            assertArrayEquals(bytes(expected), values[i], "batchGet k" + i);
        }
        Map<String, String> scanned = scan(db);
        for (int i = 0; i < keys; i++) {
            assertEquals(expected, scanned.get("k" + i), "forEach k" + i);
        }
    }

    private static Map<String, String> scan(TurboKV db) throws IOException {
        Map<String, String> all = new HashMap<>();
        db.forEach(0, (k, v) -> all.put(new String(k.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), UTF_8),
                new String(v.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), UTF_8)));
        return all;
    }

    private static int countEntries(TurboKV db) throws IOException {
        return scan(db).size();
    }
}
