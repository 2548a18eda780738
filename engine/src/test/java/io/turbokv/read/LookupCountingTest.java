package io.turbokv.read;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.Statistics;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch get and single gets test the SSTs of a key alike: the same SSTs, ruled out for the same causes, and the
 * same outcome, over a state of several meta files of two families whose SSTs overlap in hash range.
 */
class LookupCountingTest {
    private static final int COMMITS = 4;
    private static final int KEYS_PER_COMMIT = 3_000;

    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(UTF_8);
    }

    /** Every commit writes family 0 and 1 and overwrites a third of the keys before it; the last deletes some. */
    private static TurboKV filled(Path dir) throws IOException {
        DbConfig config = DbConfig.builder().family("a", FamilyKind.SINGLE_VALUE).family("b", FamilyKind.SINGLE_VALUE)
                .build();
        TurboKV db = TurboKV.open(dir, config);
        for (int commit = 0; commit < COMMITS; commit++) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = commit * KEYS_PER_COMMIT * 2 / 3; i < (commit + 1) * KEYS_PER_COMMIT; i++) {
                    batch.put(0, key(i), ("v" + commit + "-" + i).getBytes(UTF_8));
                    batch.put(1, key(i), new byte[] {(byte) commit});
                }
                if (commit == COMMITS - 1) {
                    for (int i = 0; i < KEYS_PER_COMMIT; i += 7) {
                        batch.delete(0, key(i));
                    }
                }
                batch.commit();
            }
        }
        return db;
    }

    /** Keys present, overwritten, deleted and absent. */
    private static byte[][] probedKeys() {
        int total = COMMITS * KEYS_PER_COMMIT;
        byte[][] keys = new byte[total / 50 + 40][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(i * 53 % (total + 2_000)); // the last 2,000 indexes were never written
        }
        return keys;
    }

    @Test
    void batchGetOfOneKeyCountsAsAGetDoes() throws IOException {
        try (TurboKV db = filled(dir)) {
            for (byte[] key : probedKeys()) {
                Statistics before = db.statistics();
                db.get(0, key);
                Statistics afterGet = db.statistics();
                db.batchGet(0, new byte[][] {key});
                Statistics afterBatch = db.statistics();
                String name = new String(key, UTF_8);
                assertEquals(delta(before, afterGet), delta(afterGet, afterBatch), name);
            }
        }
    }

    @Test
    void batchGetTestsEachSstAsTheKeysSingleGetsDo() throws IOException {
        try (TurboKV db = filled(dir)) {
            byte[][] keys = probedKeys();
            Statistics before = db.statistics();
            for (byte[] key : keys) {
                db.get(0, key);
            }
            Statistics afterGets = db.statistics();
            db.batchGet(0, keys);
            Statistics afterBatch = db.statistics();
            Counts gets = delta(before, afterGets);
            Counts batch = delta(afterGets, afterBatch);
            // per key the same SSTs are tested; meta files of the other family are skipped once per batch
            assertEquals(gets.withFamilyMisses(0), batch.withFamilyMisses(0));
            assertTrue(gets.rangeMisses() + gets.filterMisses() > 0, gets.toString());
            assertTrue(gets.keyMisses() + gets.deletedHits() > 0, gets.toString());
            assertTrue(batch.familyMisses() > 0 && batch.familyMisses() < gets.familyMisses(), batch + " " + gets);
        }
    }

    private record Counts(long familyMisses, long rangeMisses, long filterMisses, long keyMisses, long hits,
                          long misses, long valueHits, long deletedHits, long blobHits) {
        Counts withFamilyMisses(long value) {
            return new Counts(value, rangeMisses, filterMisses, keyMisses, hits, misses, valueHits, deletedHits,
                    blobHits);
        }
    }

    private static Counts delta(Statistics a, Statistics b) {
        return new Counts(b.familyMisses() - a.familyMisses(), b.rangeMisses() - a.rangeMisses(),
                b.filterMisses() - a.filterMisses(), b.keyMisses() - a.keyMisses(), b.hits() - a.hits(),
                b.misses() - a.misses(), b.valueHits() - a.valueHits(), b.deletedHits() - a.deletedHits(),
                b.blobHits() - a.blobHits());
    }
}
