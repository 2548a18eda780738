package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No byte of a reused write buffer reaches a file: the same batches, written by one thread into a store whose write
 * buffers are fresh and into one whose buffers come from a poisoned {@link WriteBufferReserve}, and then fully
 * compacted, must leave byte-identical SSTs (compared as a multiset: which SST gets which file number varies). Covers a single-valued, a multi-valued (many values per
 * key, past a key block) and a key-ordered family, keys with a 300-byte shared prefix, values from 0 B to 300 KiB,
 * the smallest spill thresholds (many spills per batch), both compressions, small key blocks.
 */
class WriteBufferReserveSameBytesTest {
    @TempDir
    Path dir;

    private static DbConfig config(WriteBufferReserve reserve, Compression compression) {
        return DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE)
                .family(FamilyConfig.ordered("ordered", FamilyKind.SINGLE_VALUE))
                .keyBlockBytes(8 << 10)
                .compression(compression)
                .spillBytes(DbConfig.MIN_SPILL_BYTES)
                .spillEntries(DbConfig.MIN_SPILL_ENTRIES)
                .writeBufferReserve(reserve)
                .build();
    }

    private static byte[] key(int i, boolean longPrefix) {
        byte[] prefix = longPrefix ? new byte[300] : new byte[0];
        Arrays.fill(prefix, (byte) 'p');
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putInt(i).putInt(i * 7).array();
    }

    private static byte[] value(SplittableRandom random, int length) {
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++) {
            value[i] = (byte) (random.nextInt(4)); // compressible but not trivially
        }
        return value;
    }

    /** Three batches, one thread, a fixed seed: the same entries in the same order every time. */
    private static void load(TurboKV db) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        int[] sizes = {0, 1, 17, 100, 2_000, 70_000, 300_000};
        for (int batchNo = 0; batchNo < 3; batchNo++) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < 6_000; i++) {
                    int k = batchNo * 3_000 + i; // half of each batch overwrites the previous one's keys
                    int size = sizes[random.nextInt(i % 97 == 0 ? sizes.length : 4)];
                    batch.put(0, key(k, i % 2 == 0), value(random, size));
                    batch.put(2, key(k, true), value(random, sizes[random.nextInt(4)]));
                }
                for (int key = 0; key < 40; key++) { // many values per key; key 0 past a key block
                    int values = key == 0 ? 3_000 : 60;
                    for (int v = 0; v < values; v++) {
                        batch.put(1, key(key, true), value(random, 1 + random.nextInt(40)));
                    }
                }
                if (batchNo == 2) {
                    for (int k = 0; k < 1_000; k++) {
                        batch.delete(0, key(k, k % 2 == 0));
                    }
                    batch.delete(1, key(3, true));
                }
                batch.commit();
            }
        }
    }

    private static TreeMap<String, byte[]> files(Path store) throws IOException {
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(store)) {
            for (Path file : list.toList()) {
                String name = file.getFileName().toString();
                if (!name.startsWith("LOG") && !name.equals("LOCK") && Files.isRegularFile(file)) {
                    files.put(name, Files.readAllBytes(file));
                }
            }
        }
        return files;
    }

    private TreeMap<String, byte[]> write(String name, WriteBufferReserve reserve, Compression compression,
                                          boolean compact)
            throws IOException {
        Path store = dir.resolve(name);
        try (TurboKV db = TurboKV.open(store, config(reserve, compression))) {
            load(db);
            if (compact) {
                db.fullCompact();
            }
        }
        return files(store);
    }

    /**
     * Compares the SSTs' bytes as a multiset: spills run on a pool, so which SST gets which file number varies from
     * run to run (and with it the meta files that name them), but not what each SST holds.
     */
    private static void assertSameFiles(TreeMap<String, byte[]> expected, TreeMap<String, byte[]> actual,
                                        String what) {
        assertEquals(ssts(expected).size(), ssts(actual).size(), what + ": SST count");
        List<String> left = ssts(expected);
        List<String> right = ssts(actual);
        List<String> missing = new ArrayList<>(left);
        right.forEach(missing::remove);
        assertEquals(List.of(), missing, what + ": SSTs (size:content hash) the other run did not write");
    }

    private static List<String> ssts(TreeMap<String, byte[]> files) {
        List<String> ssts = new ArrayList<>();
        files.forEach((name, bytes) -> {
            if (name.endsWith(".sst")) {
                ssts.add(bytes.length + ":" + Arrays.hashCode(bytes) + ":" + Arrays.hashCode(
                        Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length)));
            }
        });
        ssts.sort(null);
        return ssts;
    }

    @Test
    void poisonedReserveBuffersLeaveTheSameFilesAsFreshOnes() throws IOException {
        for (Compression compression : Compression.values()) {
            for (boolean compact : new boolean[] {false, true}) {
                String tag = compression + (compact ? "-compacted" : "");
                TreeMap<String, byte[]> fresh = write("fresh-" + tag, null, compression, compact);
                TreeMap<String, byte[]> again = write("again-" + tag, null, compression, compact);
                assertSameFiles(fresh, again, "two fresh runs (the store's files must be deterministic)");
                try (WriteBufferReserve reserve = WriteBufferReserve.create(160L << 20)) {
                    WriteBufferReservePoisonTest.poison(reserve, 7);
                    TreeMap<String, byte[]> poisoned = write("poisoned-" + tag, reserve, compression, compact);
                    assertTrue(reserve.heldBytes() > 0);
                    assertSameFiles(fresh, poisoned, tag + ": fresh buffers against poisoned reserve buffers");
                }
            }
        }
    }

    @Test
    void everyEntryReadsBackFromAStoreWrittenOnPoisonedBuffers() throws IOException {
        try (WriteBufferReserve reserve = WriteBufferReserve.create(160L << 20)) {
            WriteBufferReservePoisonTest.poison(reserve, 11);
            Path poisoned = dir.resolve("poisoned");
            Path fresh = dir.resolve("fresh");
            try (TurboKV db = TurboKV.open(poisoned, config(reserve, Compression.LZ4))) {
                load(db);
            }
            try (TurboKV db = TurboKV.open(fresh, config(null, Compression.LZ4))) {
                load(db);
            }
            try (TurboKV a = TurboKV.open(fresh, config(null, Compression.LZ4));
                 TurboKV b = TurboKV.open(poisoned, config(null, Compression.LZ4))) {
                for (int k = 0; k < 9_000; k++) {
                    for (boolean prefix : new boolean[] {false, true}) {
                        assertArrayEquals(a.get(0, key(k, prefix)).orElse(null), b.get(0, key(k, prefix)).orElse(null));
                        assertArrayEquals(a.get(2, key(k, prefix)).orElse(null), b.get(2, key(k, prefix)).orElse(null));
                    }
                }
                for (int key = 0; key < 40; key++) {
                    List<byte[]> expected = a.getMultiple(1, key(key, true));
                    List<byte[]> actual = b.getMultiple(1, key(key, true));
                    assertEquals(expected.size(), actual.size(), "values of key " + key);
                    for (int v = 0; v < expected.size(); v++) {
                        assertArrayEquals(expected.get(v), actual.get(v), "key " + key + " value " + v);
                    }
                }
            }
        }
    }
}
