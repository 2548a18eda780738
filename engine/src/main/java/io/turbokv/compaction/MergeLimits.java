package io.turbokv.compaction;

/**
 * The bounds of {@link MergeSegmentSelector} (the fields of the store's {@code CompactConfig}, DESIGN.md §1.7.1).
 * Counts and byte bounds compare as plain non-negative numbers; {@link Integer#MAX_VALUE} and
 * {@link Long#MAX_VALUE} mean unbounded.
 *
 * @param minMergeCount                a job merges at least this many SSTs
 * @param optimalMergeCount            a job is taken as soon as it has this many SSTs and enough duplication
 * @param maxMergeCount                a job merges at most this many SSTs
 * @param maxMergeBytes                a job merges at most this many bytes
 * @param minMergeDuplicationBytes     a job needs at least this much estimated duplication
 * @param optimalMergeDuplicationBytes the duplication of an optimal job
 * @param maxMergeSegmentCount         at most this many merge jobs
 */
public record MergeLimits(int minMergeCount, int optimalMergeCount, int maxMergeCount, long maxMergeBytes,
                          long minMergeDuplicationBytes, long optimalMergeDuplicationBytes,
                          int maxMergeSegmentCount) {
    /** The same limits with another segment budget. */
    public MergeLimits withMaxMergeSegmentCount(int count) {
        return new MergeLimits(minMergeCount, optimalMergeCount, maxMergeCount, maxMergeBytes,
                minMergeDuplicationBytes, optimalMergeDuplicationBytes, count);
    }
}
