package io.turbokv;

/**
 * When and how much {@link TurboKV#compact(CompactConfig)} merges: the bounds the merge-segment
 * selector respects for each family. A merge job (segment) is a set of SSTs with overlapping hash ranges; the
 * selector grows a job from the newest SST towards older ones until it is good enough or hits a bound.
 *
 * <p>"Duplication" is an estimate, in bytes, of how much data the SSTs of a job hold twice: where their hash
 * ranges overlap, every SST but the largest (scaled to the overlap) counts as duplicated. Merging removes it.
 * {@link Integer#MAX_VALUE} and {@link Long#MAX_VALUE} mean "unbounded".
 *
 * @param minMergeCount                a job merges at least this many SSTs
 * @param optimalMergeCount            a job stops growing once it has this many SSTs and
 *                                     {@code optimalMergeDuplicationBytes} of duplication
 * @param maxMergeCount                a job merges at most this many SSTs
 * @param maxMergeBytes                a job merges at most this many bytes of SST files
 * @param minMergeDuplicationBytes     a job is run only when it has at least this much duplication
 * @param optimalMergeDuplicationBytes see {@code optimalMergeCount}
 * @param maxMergeSegmentCount         at most this many merge jobs per compaction, across all families
 * @param maxSubcompactions            a merge job is merged by at most this many threads at once, over up to twice
 *                                     as many hash ranges, each merged into its own SSTs (the 7-argument
 *                                     constructor, {@link #defaults()} and {@link #full()} take the number of
 *                                     available processors; 1 merges every job on one thread, unsplit). A job is
 *                                     split only where each range gets at least {@value #MIN_SUBCOMPACTION_BYTES}
 *                                     bytes of input. The result is the same entries in the same SSTs' order, cut
 *                                     into more files.
 */
public record CompactConfig(int minMergeCount, int optimalMergeCount, int maxMergeCount, long maxMergeBytes,
                            long minMergeDuplicationBytes, long optimalMergeDuplicationBytes,
                            int maxMergeSegmentCount, int maxSubcompactions) {
    /** Input bytes below which a merge job is not split further: a range's thread hand-off must pay for itself. */
    public static final long MIN_SUBCOMPACTION_BYTES = 2L << 20;
    private static final long MIB = 1L << 20;

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException when a count or byte bound is negative, {@code minMergeCount} is below 2,
     *                                  or {@code optimalMergeCount} or {@code maxMergeCount} is below it
     */
    public CompactConfig {
        if (minMergeCount < 2) {
            throw new IllegalArgumentException("minMergeCount: " + minMergeCount + " (expected: >= 2)");
        }
        if (optimalMergeCount < minMergeCount || maxMergeCount < minMergeCount) {
            throw new IllegalArgumentException("merge counts: min=" + minMergeCount + " optimal=" + optimalMergeCount
                    + " max=" + maxMergeCount + " (expected: min <= optimal, min <= max)");
        }
        if (maxMergeBytes < 0 || minMergeDuplicationBytes < 0 || optimalMergeDuplicationBytes < 0) {
            throw new IllegalArgumentException("byte bounds: maxMergeBytes=" + maxMergeBytes
                    + " minMergeDuplicationBytes=" + minMergeDuplicationBytes + " optimalMergeDuplicationBytes="
                    + optimalMergeDuplicationBytes + " (expected: >= 0)");
        }
        if (maxMergeSegmentCount < 0) {
            throw new IllegalArgumentException("maxMergeSegmentCount: " + maxMergeSegmentCount + " (expected: >= 0)");
        }
        if (maxSubcompactions < 1) {
            throw new IllegalArgumentException("maxSubcompactions: " + maxSubcompactions + " (expected: >= 1)");
        }
    }

    /**
     * The same bounds with as many subcompactions as there are available processors.
     *
     * @param minMergeCount                a job merges at least this many SSTs
     * @param optimalMergeCount            a job stops growing once it has this many SSTs and
     *                                     {@code optimalMergeDuplicationBytes} of duplication
     * @param maxMergeCount                a job merges at most this many SSTs
     * @param maxMergeBytes                a job merges at most this many bytes of SST files
     * @param minMergeDuplicationBytes     a job is run only when it has at least this much duplication
     * @param optimalMergeDuplicationBytes see {@code optimalMergeCount}
     * @param maxMergeSegmentCount         at most this many merge jobs per compaction, across all families
     * @throws IllegalArgumentException as the canonical constructor
     */
    public CompactConfig(int minMergeCount, int optimalMergeCount, int maxMergeCount, long maxMergeBytes,
                         long minMergeDuplicationBytes, long optimalMergeDuplicationBytes, int maxMergeSegmentCount) {
        this(minMergeCount, optimalMergeCount, maxMergeCount, maxMergeBytes, minMergeDuplicationBytes,
                optimalMergeDuplicationBytes, maxMergeSegmentCount, Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@return the seed's defaults: merge 2 to 32 SSTs (8 is optimal), at most 500 MiB per job, only with at least
     * 50 MiB of duplication (100 MiB is optimal), at most 8 jobs per compaction}
     *
     * <p>Made for stores written in large batches: SSTs that overlap but are small never reach 50 MiB of duplication,
     * so these limits leave them alone (only SSTs that overlap nothing newer are merged regardless, see
     * {@code MergeSegmentSelector}). A store fed by many small commits should compact with no duplication threshold,
     * e.g. {@code new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8)} (what the Kafka Streams store uses).
     */
    public static CompactConfig defaults() {
        return new CompactConfig(2, 8, 32, 500 * MIB, 50 * MIB, 100 * MIB, 8);
    }

    /**
     * {@return the configuration of {@link TurboKV#fullCompact()}: every set of overlapping SSTs becomes one job,
     * whatever its size, count or duplication}
     */
    public static CompactConfig full() {
        return new CompactConfig(2, Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, 0, Long.MAX_VALUE,
                Integer.MAX_VALUE);
    }

    /**
     * {@return the same bounds with another budget of merge jobs per compaction}
     *
     * @param count the most merge jobs one compaction runs
     */
    public CompactConfig withMaxMergeSegmentCount(int count) {
        return new CompactConfig(minMergeCount, optimalMergeCount, maxMergeCount, maxMergeBytes,
                minMergeDuplicationBytes, optimalMergeDuplicationBytes, count, maxSubcompactions);
    }

    /**
     * {@return the same bounds with another limit on the hash ranges a merge job is split into}
     *
     * @param count the most ranges (threads) one merge job runs as; 1 merges each job on one thread
     */
    public CompactConfig withMaxSubcompactions(int count) {
        return new CompactConfig(minMergeCount, optimalMergeCount, maxMergeCount, maxMergeBytes,
                minMergeDuplicationBytes, optimalMergeDuplicationBytes, maxMergeSegmentCount, count);
    }
}
