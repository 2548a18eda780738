package io.turbokv.cache;

import java.util.Random;

/** Synthetic block access traces for the eviction tests: Zipfian, and Zipfian polluted by one-time scans. */
final class Traces {
    private Traces() {}

    /** {@code length} accesses to keys {@code 0..keys-1}, key {@code k} with probability proportional to 1/(k+1)^s. */
    static long[] zipf(int keys, double s, int length, long seed) {
        double[] cdf = new double[keys];
        double sum = 0;
        for (int k = 0; k < keys; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cdf[k] = sum;
        }
        Random random = new Random(seed);
        long[] trace = new long[length];
        for (int i = 0; i < length; i++) {
            double u = random.nextDouble() * sum;
            int low = 0;
            int high = keys - 1;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (cdf[mid] < u) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            // scatter the ranks over the key space so that popularity does not follow the shard hash
            trace[i] = scatter(low);
        }
        return trace;
    }

    /**
     * A Zipfian trace in which runs of {@code scanLength} keys never seen before (a compaction-like or full-table
     * scan) are inserted after every {@code zipfRun} accesses.
     */
    static long[] scanPolluted(int keys, double s, int length, int zipfRun, int scanLength, long seed) {
        long[] zipf = zipf(keys, s, length, seed);
        long[] trace = new long[length];
        long nextScanKey = 1L << 40;
        int z = 0;
        int i = 0;
        while (i < length) {
            for (int n = 0; n < zipfRun && i < length; n++) {
                trace[i++] = zipf[z++];
            }
            for (int n = 0; n < scanLength && i < length; n++) {
                trace[i++] = nextScanKey++;
            }
        }
        return trace;
    }

    private static long scatter(int rank) {
        return (rank * 0x9E3779B97F4A7C15L) >>> 24;
    }
}
