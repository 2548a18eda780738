package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-valued key with more values than one key block, or one SST, holds: every shape the API accepts commits,
 * compacts and reads back whole, also after a reopen.
 */
class ManyValuesPerKeyTest {
    private static final int MULTI = 0;
    /** Merges whenever SSTs overlap: {@link CompactConfig#defaults()} waits for 50 MiB of duplication. */
    private static final CompactConfig EAGER = new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @TempDir
    Path dir;

    private final DbConfig config = DbConfig.builder().family("m", FamilyKind.MULTI_VALUE).build();

    @Test
    void aMillionValuesOfOneKeyOverFourBatchesCommitCompactAndReadBack() throws IOException {
        byte[] key = "sixteen byte key".getBytes(StandardCharsets.US_ASCII);
        int perBatch = 250_000;
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int batch = 0; batch < 4; batch++) {
                putValues(db, key, batch * perBatch, perBatch, 4, false);
            }
            assertValues(db, key, 4 * perBatch, "after the commits");
            db.compact(CompactConfig.defaults());
            assertTrue(db.compact(EAGER), "compact merged the four SSTs");
            assertValues(db, key, 4 * perBatch, "after compact");
            putValues(db, key, 4 * perBatch, 1, 4, false);
            db.fullCompact();
            assertValues(db, key, 4 * perBatch + 1, "after fullCompact");
            putValues(db, key, 4 * perBatch + 1, 1, 4, false);
            db.compact(CompactConfig.defaults());
            assertTrue(db.compact(EAGER), "compact merged the last batch");
            assertValues(db, key, 4 * perBatch + 2, "after the last compact");
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertValues(db, key, 4 * perBatch + 2, "after reopening");
        }
    }

    @Test
    void twoHundredValuesOfAHundredKiBKeyCommitCompactAndReadBack() throws IOException {
        byte[] key = new byte[100 << 10];
        new Random(7).nextBytes(key);
        try (TurboKV db = TurboKV.open(dir, config)) {
            putValues(db, key, 0, 200, 4, false);
            assertValues(db, key, 200, "after the commit");
            putValues(db, key, 200, 200, 4, false);
            db.compact(CompactConfig.defaults());
            assertTrue(db.compact(EAGER), "compact merged the two SSTs");
            assertValues(db, key, 400, "after compact");
            db.fullCompact();
            assertValues(db, key, 400, "after fullCompact");
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertValues(db, key, 400, "after reopening");
        }
    }

    /**
     * Medium values take a block each and an SST holds at most 65,535 blocks, so compaction has to continue this
     * key in a second SST; the key's tombstone, which hides the values of the first batch, must end up where a
     * lookup reads it last.
     */
    @Test
    void aKeyTooLargeForOneSstIsSplitAndItsTombstoneStillHidesOlderValues() throws IOException {
        byte[] key = {1, 2, 3};
        int count = 70_000;
        int valueLength = 4097; // just above the small value limit: a block of its own, compressing well
        try (TurboKV db = TurboKV.open(dir, config)) {
            putValues(db, key, -5, 5, valueLength, false);
            putValues(db, key, 0, 5, valueLength, true);
            putValues(db, key, 5, count - 5, valueLength, false);
            assertValues(db, key, count, "after the commits");
            db.fullCompact();
            assertValues(db, key, count, "after fullCompact");
            long ssts = db.metaInfo().stream().mapToLong(meta -> meta.ssts().size()).sum();
            assertTrue(ssts >= 2, "SSTs: " + ssts);
            db.fullCompact();
            assertValues(db, key, count, "after a second fullCompact");
            db.compact(CompactConfig.defaults());
            assertValues(db, key, count, "after compact");
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertValues(db, key, count, "after reopening");
        }
    }

    /** The largest entry the API takes without a blob file fits an SST, also several times under one key. */
    @Test
    void theLongestKeyWithTheLargestMediumValuesCommitsCompactsAndReadsBack() throws IOException {
        byte[] key = new byte[(int) WriteBatch.MAX_KEY_SIZE];
        key[0] = 7;
        int valueLength = (int) WriteBatch.MAX_MEDIUM_VALUE_SIZE;
        try (TurboKV db = TurboKV.open(dir, config)) {
            putValues(db, key, 0, 2, valueLength, false);
            putValues(db, key, 2, 1, valueLength, false);
            assertValues(db, key, 3, "after the commits");
            assertTrue(db.compact(EAGER), "compact merged the two SSTs");
            assertValues(db, key, 3, "after compact");
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertValues(db, key, 3, "after reopening");
        }
    }

    /**
     * Commits {@code count} values numbered from {@code first} under {@code key}: each value is its number,
     * big-endian, followed by zeros up to {@code valueLength} bytes; {@code deleteFirst} deletes the key first.
     */
    private static void putValues(TurboKV db, byte[] key, int first, int count, int valueLength,
                                  boolean deleteFirst)
            throws IOException {
        MemorySegment keySegment = MemorySegment.ofArray(key);
        MemorySegment value = MemorySegment.ofArray(new byte[valueLength]);
        try (WriteBatch batch = db.writeBatch()) {
            if (deleteFirst) {
                batch.delete(MULTI, keySegment);
            }
            for (int i = first; i < first + count; i++) {
                value.set(BE_INT, 0, i);
                batch.put(MULTI, keySegment, value);
            }
            batch.commit();
        }
    }

    /** Asserts that {@code key} has exactly the values numbered {@code 0..count-1}, each once. */
    private static void assertValues(TurboKV db, byte[] key, int count, String when) throws IOException {
        BitSet seen = new BitSet(count);
        int[] duplicates = {0};
        int[] outside = {0};
        int found = db.getMultiple(MULTI, MemorySegment.ofArray(key), value -> {
            int number = value.get(BE_INT, 0);
            if (number < 0 || number >= count) {
                outside[0]++;
            } else if (seen.get(number)) {
                duplicates[0]++;
            } else {
                seen.set(number);
            }
        });
        assertEquals(count, found, when + ": values found");
        assertEquals(0, outside[0], when + ": values that were deleted or never written");
        assertEquals(0, duplicates[0], when + ": values found twice");
        assertEquals(count, seen.cardinality(), when + ": distinct values");
        assertTrue(Arrays.stream(new int[] {0, count - 1}).allMatch(seen::get), when);
    }
}
