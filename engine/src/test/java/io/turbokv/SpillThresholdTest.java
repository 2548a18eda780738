package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DbConfig.Builder#spillBytes} and {@link DbConfig.Builder#spillEntries}: a batch past the configured
 * threshold spills several SSTs, reads back as written (later writes of a key win across spills, a multi-valued
 * key keeps every value), holds native memory bounded by the threshold, not by the default; thresholds out of
 * range are refused with the range in the message.
 */
class SpillThresholdTest {
    private static final int VALUE_BYTES = 100;
    /** The record of one entry in a chunk: 17 header bytes, the key and the value. */
    private static final long RECORD_BYTES = 17 + Long.BYTES + VALUE_BYTES;
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aBatchPastTheSpillBytesSpillsSeveralSstsAndReadsBack() throws Exception {
        int entries = 100_000; // 10.8 MB of keys and values: ten 1 MiB spills and more
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .spillBytes(DbConfig.MIN_SPILL_BYTES).build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            CommitStats stats;
            long peak;
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < entries; i++) {
                    batch.put(0, key(i), value(i, 0));
                }
                stats = batch.commit();
                peak = batch.peakNativeMemoryBytes();
            }
            long dataBytes = (long) entries * (Long.BYTES + VALUE_BYTES);
            assertTrue(stats.newSstFiles() >= dataBytes / MIB, "SSTs " + stats.newSstFiles());
            int cores = Runtime.getRuntime().availableProcessors();
            int stripes = Integer.highestOneBit(Math.max(1, cores) * 4 - 1) * 2;
            // each spilling or filling buffer: the threshold, the chunk that crossed it, 32 bytes of sort per entry
            long perBuffer = 2 * MIB + (2 * MIB / RECORD_BYTES) * 32;
            long bound = (cores + 2) * perBuffer + stripes * MIB;
            assertTrue(peak <= bound, "peak " + peak + " bytes, bound " + bound);
            assertTrue(bound < DbConfig.DEFAULT_SPILL_BYTES, "the bound is below one default spill");
            for (int i = 0; i < entries; i++) {
                assertArrayEquals(value(i, 0), db.get(0, key(i)).orElseThrow(), "key " + i);
            }
        }
        try (TurboKV reopened = TurboKV.open(dir, config)) {
            assertArrayEquals(value(entries - 1, 0), reopened.get(0, key(entries - 1)).orElseThrow());
        }
    }

    @Test
    void laterWritesOfAKeyWinAcrossSpillsCutByEntries() throws Exception {
        int keys = 3_000;
        int rounds = 5; // each round rewrites every key: 15,000 entries, seven spills of 2,048 and more
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .spillEntries(DbConfig.MIN_SPILL_ENTRIES).build();
        try (TurboKV db = TurboKV.open(dir, config); WriteBatch batch = db.writeBatch()) {
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < keys; i++) {
                    batch.put(0, key(i), value(i, round));
                }
            }
            for (int i = 0; i < keys; i += 2) {
                batch.delete(0, key(i));
            }
            CommitStats stats = batch.commit();
            assertTrue(stats.newSstFiles() >= rounds * keys / DbConfig.MIN_SPILL_ENTRIES,
                    "SSTs " + stats.newSstFiles());
            for (int i = 0; i < keys; i++) {
                assertEquals(i % 2 == 0, db.get(0, key(i)).isEmpty(), "key " + i);
                if (i % 2 == 1) {
                    assertArrayEquals(value(i, rounds - 1), db.get(0, key(i)).orElseThrow(), "key " + i);
                }
            }
            db.fullCompact();
            assertArrayEquals(value(1, rounds - 1), db.get(0, key(1)).orElseThrow());
            assertTrue(db.get(0, key(0)).isEmpty());
        }
    }

    @Test
    void aMultiValuedKeyKeepsEveryValueAcrossSpills() throws Exception {
        int values = 4 * DbConfig.MIN_SPILL_ENTRIES + 7;
        DbConfig config = DbConfig.builder().family("edges", FamilyKind.MULTI_VALUE)
                .spillEntries(DbConfig.MIN_SPILL_ENTRIES).spillBytes(DbConfig.MIN_SPILL_BYTES).build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, key(1), value(0, -1));
                batch.commit();
            }
            try (WriteBatch batch = db.writeBatch()) {
                batch.delete(0, key(1)); // removes the earlier batch's value only
                for (int v = 0; v < values; v++) {
                    batch.put(0, key(1), value(1, v));
                    batch.put(0, key(2 + v), value(2 + v, 0));
                }
                assertTrue(batch.commit().newSstFiles() > 2);
            }
            List<byte[]> read = db.getMultiple(0, key(1));
            assertEquals(values, read.size());
            assertEquals(values, read.stream().map(ByteBuffer::wrap).distinct().count());
            assertTrue(read.stream().noneMatch(v -> ByteBuffer.wrap(v).equals(ByteBuffer.wrap(value(0, -1)))));
        }
    }

    @Test
    void thresholdsOutOfRangeAreRefusedWithTheRange() {
        for (long bytes : new long[] {-1, 0, DbConfig.MIN_SPILL_BYTES - 1, DbConfig.DEFAULT_SPILL_BYTES + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DbConfig.builder().spillBytes(bytes));
            assertEquals("spillBytes: " + bytes + " (expected: 1048576 to 67108864; larger spills would need more"
                    + " blocks than one SST addresses, smaller ones would not hold less than one 1048576-byte"
                    + " chunk)", e.getMessage());
        }
        for (int entries : new int[] {-1, 0, DbConfig.MIN_SPILL_ENTRIES - 1, DbConfig.DEFAULT_SPILL_ENTRIES + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DbConfig.builder().spillEntries(entries));
            assertTrue(e.getMessage().startsWith("spillEntries: " + entries + " (expected: 2048 to 262144;"),
                    e.getMessage());
        }
        DbConfig ends = DbConfig.builder().spillBytes(DbConfig.MIN_SPILL_BYTES)
                .spillEntries(DbConfig.DEFAULT_SPILL_ENTRIES).build();
        assertEquals(DbConfig.MIN_SPILL_BYTES, ends.spillBytes());
        assertEquals(DbConfig.DEFAULT_SPILL_ENTRIES, ends.spillEntries());
        DbConfig defaults = DbConfig.singleFamily();
        assertEquals(64L << 20, defaults.spillBytes());
        assertEquals(262_144, defaults.spillEntries());
    }

    @Test
    void anOpenStoreReportsItsThresholds() throws Exception {
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .spillBytes(8 * MIB).spillEntries(10_000).build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertEquals(8 * MIB, db.config().spillBytes());
            assertEquals(10_000, db.config().spillEntries());
        }
    }

    private static byte[] key(int i) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0x5EED_0000_0000L + i).array();
    }

    private static byte[] value(int key, int round) {
        byte[] value = new byte[VALUE_BYTES];
        ByteBuffer.wrap(value).putInt(key).putInt(round);
        value[VALUE_BYTES - 1] = (byte) (key * 31 + round);
        return value;
    }
}
