package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged offset-table entry of a data block does not fail the SST's open: it is found by the first get (or
 * salvage pass) that uses a block it bounds, and every other key still reads back right.
 */
class DamagedOffsetTableEntryStoreTest {
    @TempDir
    Path tmp;

    private Map<String, byte[]> write(Path dir) throws IOException {
        Map<String, byte[]> written = new TreeMap<>();
        Random random = new Random(9);
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily()); WriteBatch batch = db.writeBatch()) {
            for (int k = 0; k < 3000; k++) {
                byte[] value = new byte[300];
                random.nextBytes(value);
                written.put("key" + k, value);
                batch.put(0, ("key" + k).getBytes(StandardCharsets.UTF_8), value);
            }
            batch.commit();
        }
        return written;
    }

    /** Sets the offset-table entry {@code fromLast} entries from the file's end (1: the index block's) to 0. */
    private static long damageEntry(Path sst, int fromLast) throws IOException {
        byte[] file = Files.readAllBytes(sst);
        long entry = file.length - 4L * fromLast;
        MemorySegment.ofArray(file).set(ValueLayout.JAVA_INT_UNALIGNED, entry, 0);
        Files.write(sst, file);
        return entry;
    }

    @Test
    void aDamagedEntryFailsOnlyTheGetsThatUseItsBlock() throws IOException {
        Path source = tmp.resolve("source");
        Map<String, byte[]> written = write(source);
        Path sst = source.resolve("00000001.sst");
        // the fourth entry from the end: the open reads the last three (the index block's two and the one before,
        // against which the index block's start is checked)
        damageEntry(sst, 4);
        int failed = 0;
        int read = 0;
        try (TurboKV db = TurboKV.openReadOnly(source)) {
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                try {
                    byte[] value = db.get(0, e.getKey().getBytes(StandardCharsets.UTF_8)).orElseThrow();
                    assertArrayEquals(e.getValue(), value, e.getKey());
                    read++;
                } catch (CorruptionException x) {
                    assertEquals(sst.getFileName(), x.file().getFileName(), x.getMessage());
                    assertTrue(x.offset() >= 0, x.getMessage());
                    failed++;
                }
            }
        }
        assertTrue(failed > 0 && read > 0, "read " + read + ", failed " + failed);
    }

    /** An SST whose index block opens is salvaged block by block: a damaged data-block entry loses its blocks only. */
    @Test
    void salvageOfAnSstWithADamagedDataBlockEntryLosesOnlyTheBlocksItBounds() throws IOException {
        Path source = tmp.resolve("source");
        write(source);
        damageEntry(source.resolve("00000001.sst"), 4);
        SalvageReport report = Salvage.copy(source, tmp.resolve("copy"), DbConfig.storeDefined());
        assertEquals(3000, report.entries() + report.lostEntries(), report.toString());
        assertTrue(report.lostEntries() > 0 && report.lostEntries() < 3000, report.toString());
    }
}
