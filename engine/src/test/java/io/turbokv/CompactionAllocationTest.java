package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap allocation of a compaction per merged entry, measured on the compacting thread (compaction runs on the
 * caller's thread). {@code -Dturbokv.compaction.entries=1048576} reproduces the 1M-entry figure of issue 6.
 */
class CompactionAllocationTest {
    @TempDir
    Path dir;

    @Test
    void compactionAllocatesLittleHeapPerMergedEntry() throws IOException {
        int entries = Integer.getInteger("turbokv.compaction.entries", 200_000);
        int batches = 4;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            byte[] key = new byte[16];
            byte[] value = new byte[Integer.getInteger("turbokv.compaction.valueBytes", 24)];
            for (int b = 0; b < batches; b++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = b; i < entries; i += batches) { // interleaved: every SST spans the hash space
                        java.nio.ByteBuffer.wrap(key).putLong(0, i).putLong(8, ~i);
                        java.nio.ByteBuffer.wrap(value).putLong(0, i);
                        batch.put(0, key, value);
                    }
                    batch.commit();
                }
            }
            // warm up the merge code on a copy-free first pass
            long before = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            db.fullCompact();
            long nanos = System.nanoTime() - start;
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            double perEntry = (double) allocated / entries;
            System.out.printf(Locale.ROOT, "CompactionAllocationTest: %d entries merged in %.1f ms, %d bytes of heap"
                    + " allocated, %.1f bytes per entry%n", entries, nanos / 1e6, allocated, perEntry);
            assertTrue(perEntry < 256, "heap bytes per merged entry: " + perEntry);
        }
    }
}
