package io.turbokv.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code batchGet} sorts its keys by hash and looks them up a group at a time with their lines touched ahead: it
 * must answer exactly as {@code get} does whatever the batch's size against the group's, whether the key blocks
 * were seen before (touched) or not, for keys of every length, repeated, overwritten, deleted or absent; and it
 * allocates nothing on the heap but its result and the values in it.
 */
class BatchGetTest {
    private static final int COMMITS = 3;
    private static final int KEYS_PER_COMMIT = 2_000;

    @TempDir
    Path dir;

    /** Key {@code i}: 1 to 300 bytes (the batch's key buffers are pooled per length below 256), unique by its prefix. */
    private static byte[] key(int i) {
        byte[] key = new byte[Math.max(Integer.BYTES, 1 + i * 37 % 300)];
        ByteBuffer.wrap(key).putInt(i);
        return key;
    }

    private static byte[] value(int commit, int i) {
        byte[] value = new byte[(i * 13 + commit) % 200]; // inline (up to 128 bytes) and in value blocks
        new Random(i * 31L + commit).nextBytes(value);
        return value;
    }

    /** Overlapping commits (each overwrites a third of the keys before it), the last one deleting some. */
    private static TurboKV filled(Path dir) throws IOException {
        TurboKV db = TurboKV.open(dir, DbConfig.builder().family("a", FamilyKind.SINGLE_VALUE).build());
        for (int commit = 0; commit < COMMITS; commit++) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = commit * KEYS_PER_COMMIT * 2 / 3; i < (commit + 1) * KEYS_PER_COMMIT; i++) {
                    batch.put(0, key(i), value(commit, i));
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

    @Test
    void batchGetAnswersAsGetDoesForBatchesSmallerAndLargerThanAGroup() throws IOException {
        try (TurboKV db = filled(dir)) {
            Random random = new Random(11);
            int total = COMMITS * KEYS_PER_COMMIT;
            for (int size : new int[] {0, 1, Lookups.PIPELINE - 1, Lookups.PIPELINE, Lookups.PIPELINE + 1, 100, 1000}) {
                byte[][] keys = new byte[size][];
                for (int i = 0; i < size; i++) {
                    // a few repeats within the batch, and indexes past the last key written
                    keys[i] = key(i > 0 && i % 10 == 0 ? random.nextInt(total) / 2 : random.nextInt(total + 500));
                }
                for (int pass = 0; pass < 2; pass++) { // the second pass meets key blocks it has seen: touched ahead
                    byte[][] values = db.batchGet(0, keys);
                    assertEquals(size, values.length);
                    for (int i = 0; i < size; i++) {
                        assertArrayEquals(db.get(0, keys[i]).orElse(null), values[i],
                                "key " + i + " of a batch of " + size);
                    }
                }
            }
        }
    }

    @Test
    void batchGetAllocatesOnlyItsResultAndTheValuesInIt() throws IOException {
        int batchSize = 100;
        int valueLength = 100;
        try (TurboKV db = TurboKV.open(dir, DbConfig.builder().family("a", FamilyKind.SINGLE_VALUE).build())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < KEYS_PER_COMMIT; i++) {
                    batch.put(0, key16(i), new byte[valueLength]);
                }
                batch.commit();
            }
            byte[][] keys = new byte[batchSize][];
            Random random = new Random(5);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().threadId();
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 600; round++) {
                for (int i = 0; i < batchSize; i++) {
                    keys[i] = key16(random.nextInt(KEYS_PER_COMMIT));
                }
                long before = threads.getThreadAllocatedBytes(thread);
                byte[][] values = db.batchGet(0, keys);
                long allocated = threads.getThreadAllocatedBytes(thread) - before;
                assertEquals(valueLength, values[batchSize - 1].length);
                if (round >= 300) {
                    least = Math.min(least, allocated); // the least: a batch that met no growing read log
                }
            }
            long result = align(16 + (long) batchSize * Integer.BYTES);
            long perValue = align(16 + valueLength);
            long expected = result + batchSize * perValue;
            assertTrue(least <= expected, "a batch of " + batchSize + " allocated " + least + " bytes, its result and"
                    + " values " + expected);
        }
    }

    @Test
    void aBatchWithANullKeyIsRefusedAndLeavesTheCachesUsable() throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.builder().family("a", FamilyKind.SINGLE_VALUE).build())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < KEYS_PER_COMMIT; i++) {
                    batch.put(0, key16(i), new byte[300]); // compressible: read through the value-block cache
                }
                batch.commit();
            }
            // more refused batches than a store has cache reader records (64 or 8 per core)
            for (int round = 0; round < 1_000; round++) {
                assertThrows(NullPointerException.class, () -> db.batchGet(0, new byte[][] {key16(1), null}));
            }
            db.get(0, key16(2));
            long hits = db.statistics().valueBlockCache().hits();
            assertEquals(300, db.get(0, key16(2)).orElseThrow().length); // its value block is cached now
            assertEquals(hits + 1, db.statistics().valueBlockCache().hits(), "a get after the refused batches "
                    + "still reads through the cache: " + db.statistics().valueBlockCache());
        }
    }

    @Test
    void aBatchOpensNoSstWhoseFilterRulesOutEveryKey() throws IOException {
        DbConfig config = DbConfig.builder().family("a", FamilyKind.SINGLE_VALUE).build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int commit = 0; commit < 2; commit++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < 100; i++) {
                        batch.put(0, key16(commit * 1_000 + i), new byte[] {(byte) commit});
                    }
                    batch.commit();
                }
            }
        }
        // the newest SST, which holds none of the keys asked for below, can no longer be opened
        Path newest;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            newest = files.filter(f -> f.toString().endsWith(".sst")).max(Path::compareTo).orElseThrow();
        }
        java.nio.file.Files.write(newest, new byte[0]);
        try (TurboKV db = TurboKV.open(dir, config)) {
            byte[][] keys = new byte[10][];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = key16(i);
                assertArrayEquals(new byte[] {0}, db.get(0, keys[i]).orElseThrow(), "get skips the newest SST");
            }
            byte[][] values = db.batchGet(0, keys);
            for (byte[] value : values) {
                assertArrayEquals(new byte[] {0}, value);
            }
        }
    }

    private static byte[] key16(int i) {
        byte[] key = new byte[16];
        ByteBuffer.wrap(key).putInt(i).putInt(i * 7919);
        return key;
    }

    /** An array's size on the heap: 8-byte aligned (compressed references, as the default heaps here use). */
    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
