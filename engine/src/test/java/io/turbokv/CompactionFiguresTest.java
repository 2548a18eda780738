package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures of a full compaction of a store built from 10 overlapping batches (issue 6): heap allocated per merged
 * input entry on the compacting thread (compaction runs on the caller's thread), input MB/s, write amplification
 * (bytes written / bytes read) and get latency before and after. Short by default;
 * {@code -Dturbokv.compaction.keys=400000} for larger figures, {@code -Dturbokv.compaction.valueBytes=6000} for
 * medium values (default 24, small). Not a benchmark: one run, no warm-up of the merge.
 */
class CompactionFiguresTest {
    @TempDir
    Path dir;

    private static long sstBytes(TurboKV db) {
        long bytes = 0;
        for (MetaFileInfo meta : db.metaInfo()) {
            for (SstInfo sst : meta.ssts()) {
                bytes += sst.sizeBytes();
            }
        }
        return bytes;
    }

    private static long sstEntries(TurboKV db) {
        long entries = 0;
        for (MetaFileInfo meta : db.metaInfo()) {
            for (SstInfo sst : meta.ssts()) {
                entries += sst.entryCount();
            }
        }
        return entries;
    }

    private static double getNanos(TurboKV db, int keys, int valueBytes) throws IOException {
        Random random = new Random(1);
        byte[] key = new byte[16];
        int gets = 20_000;
        long found = 0;
        long start = System.nanoTime();
        for (int i = 0; i < gets; i++) {
            int k = random.nextInt(keys);
            ByteBuffer.wrap(key).putLong(0, k).putLong(8, ~k);
            found += db.get(0, key).map(v -> v.length).orElse(0) == valueBytes ? 1 : 0;
        }
        long nanos = System.nanoTime() - start;
        assertTrue(found > 0);
        return (double) nanos / gets;
    }

    @Test
    void fullCompactionOfTenOverlappingBatches() throws IOException {
        int keys = Integer.getInteger("turbokv.compaction.keys", 100_000);
        int valueBytes = Integer.getInteger("turbokv.compaction.valueBytes", 24);
        Random random = new Random(6);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            byte[] key = new byte[16];
            byte[] value = new byte[valueBytes];
            for (int b = 0; b < 10; b++) {
                boolean[] taken = new boolean[keys];
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < keys / 4; i++) {
                        int k = random.nextInt(keys);
                        if (taken[k]) {
                            continue;
                        }
                        taken[k] = true;
                        ByteBuffer.wrap(key).putLong(0, k).putLong(8, ~k);
                        ByteBuffer.wrap(value).putLong(0, k).putInt(8, b);
                        batch.put(0, key, value);
                    }
                    batch.commit();
                }
            }
            double getBefore = getNanos(db, keys, valueBytes);
            long bytesRead = sstBytes(db);
            long entriesRead = sstEntries(db);
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            db.fullCompact();
            long nanos = System.nanoTime() - start;
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            long bytesWritten = sstBytes(db);
            double getAfter = getNanos(db, keys, valueBytes);
            assertEquals(1, db.metaInfo().size());
            System.out.printf(Locale.ROOT, "CompactionFiguresTest: %d input entries (%.1f MB in %d-key store) merged"
                    + " in %.0f ms: %.1f MB/s of input, write amplification %.2f, %.1f heap bytes per input"
                    + " entry; get %.0f ns before, %.0f ns after%n", entriesRead, bytesRead / 1e6, keys,
                    nanos / 1e6, bytesRead / 1e6 / (nanos / 1e9), (double) bytesWritten / bytesRead,
                    (double) allocated / entriesRead, getBefore, getAfter);
            assertTrue((double) allocated / entriesRead < 256, "heap bytes per merged entry");
        }
    }
}
