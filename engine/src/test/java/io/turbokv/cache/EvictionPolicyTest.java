package io.turbokv.cache;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replays synthetic traces through a real {@link BlockCache} (S3-FIFO) and through a plain LRU of the same number
 * of blocks, and prints both hit rates. S3-FIFO must do at least as well on a Zipfian trace and clearly better on
 * a scan-polluted one.
 */
class EvictionPolicyTest {
    private static final int BLOCK_LENGTH = 4000; // a 4096-byte slot each
    private static final int SLOT_BYTES = 4096;
    private static final int KEYS = 100_000;
    private static final int ACCESSES = 1_000_000;

    @Test
    void s3FifoBeatsLruOnZipfianTraces() {
        for (int blocks : new int[] {1000, 5000}) {
            for (double s : new double[] {0.8, 1.0}) {
                long[] trace = Traces.zipf(KEYS, s, ACCESSES, 11);
                double s3 = s3Fifo(trace, blocks);
                double lru = lru(trace, blocks);
                report("zipf s=" + s, blocks, s3, lru);
                assertTrue(s3 >= lru - 0.005, "S3-FIFO " + s3 + " vs LRU " + lru);
            }
        }
    }

    @Test
    void s3FifoResistsScanPollution() {
        for (int blocks : new int[] {1000, 5000}) {
            long[] trace = Traces.scanPolluted(KEYS, 0.9, ACCESSES, 2000, 2000, 12);
            double s3 = s3Fifo(trace, blocks);
            double lru = lru(trace, blocks);
            report("zipf s=0.9 + scans", blocks, s3, lru);
            assertTrue(s3 > lru + 0.02, "S3-FIFO " + s3 + " vs LRU " + lru);
        }
    }

    private static void report(String trace, int blocks, double s3, double lru) {
        System.out.println(String.format(Locale.ROOT, "eviction %-20s cache=%5d blocks (of %d keys): "
                + "S3-FIFO %.4f  LRU %.4f", trace, blocks, KEYS, s3, lru));
    }

    static double s3Fifo(long[] trace, int blocks) {
        Readers epochs = new Readers();
        try (BlockCache cache = new BlockCache("trace", (long) blocks * SLOT_BYTES, epochs);
             Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(BLOCK_LENGTH);
            CacheHandle handle = new CacheHandle();
            long hits = 0;
            for (long key : trace) {
                int slot = epochs.enter();
                handle.bind(slot);
                try {
                    if (cache.lookup(key, BLOCK_LENGTH, handle)) {
                        hits++;
                    } else if (handle.isReserved()) {
                        cache.fill(handle, source, 0);
                    }
                } finally {
                    epochs.exit(slot);
                }
            }
            return (double) hits / trace.length;
        }
    }

    static double lru(long[] trace, int blocks) {
        LinkedHashMap<Long, Boolean> lru = new LinkedHashMap<>(blocks * 2, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > blocks;
            }
        };
        long hits = 0;
        for (long key : trace) {
            if (lru.get(key) != null) {
                hits++;
            } else {
                lru.put(key, Boolean.TRUE);
            }
        }
        return (double) hits / trace.length;
    }
}
