package io.turbokv.compaction;

import io.turbokv.meta.MetaEntry;
import java.util.List;
import org.agrona.collections.LongArrayList;

/**
 * Where a merge job is split into hash ranges of about equal input ({@link RangeMerge}). The estimate needs no file
 * read: key hashes are XXH64, spread evenly, so each input SST is taken as its bytes spread evenly over its hash
 * range {@code [minHash, maxHash]} (its meta entry), and the split points are the hashes below which the sum of
 * those spreads reaches 1/n, 2/n, ... of the job's bytes. A job of SSTs over narrow, distant ranges (small commits)
 * is split by where its bytes are, not by the hash space.
 */
final class RangeSplit {
    /** 2<sup>64</sup> as a double. */
    private static final double TWO_TO_64 = 0x1p64;

    private RangeSplit() {}

    /**
     * The first hash of each range, ascending (unsigned), the first being 0: at most {@code parts} ranges, fewer
     * when the inputs' spread does not give {@code parts} distinct points (a job over one hash).
     *
     * @param inputs the job's SSTs
     * @param parts  the most ranges wanted, at least 1
     * @return the ranges' first hashes; range {@code i} ends one below start {@code i + 1}, the last at 2^64 - 1
     */
    static long[] starts(List<MetaEntry> inputs, int parts) {
        LongArrayList starts = new LongArrayList();
        starts.addLong(0);
        double total = 0;
        for (MetaEntry input : inputs) {
            total += input.sstSize();
        }
        for (int part = 1; part < parts; part++) {
            long start = firstHashReaching(inputs, total * part / parts);
            if (Long.compareUnsigned(start, starts.getLong(starts.size() - 1)) > 0) {
                starts.addLong(start);
            }
        }
        return starts.toLongArray();
    }

    /** The lowest hash {@code h} (unsigned) such that the bytes estimated below {@code h} reach {@code target}. */
    private static long firstHashReaching(List<MetaEntry> inputs, double target) {
        long low = 0;
        long high = -1L;
        while (Long.compareUnsigned(low, high) < 0) {
            long mid = low + ((high - low) >>> 1);
            if (bytesBelow(inputs, mid) >= target) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    /** The estimated input bytes at hashes below {@code hash} (unsigned). */
    private static double bytesBelow(List<MetaEntry> inputs, long hash) {
        double at = unsigned(hash);
        double sum = 0;
        for (MetaEntry input : inputs) {
            double min = unsigned(input.minHash());
            double spread = unsigned(input.maxHash()) - min + 1;
            sum += input.sstSize() * Math.clamp((at - min) / spread, 0.0, 1.0);
        }
        return sum;
    }

    private static double unsigned(long value) {
        return value >= 0 ? value : value + TWO_TO_64;
    }
}
