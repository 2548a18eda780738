package io.turbokv;

import java.util.Objects;

/**
 * Whether a store compacts by itself ({@link DbConfig.Builder#compactionPolicy}), like RocksDB's automatic
 * compactions: {@link #manual()} (the default: only {@link TurboKV#compact} and {@link TurboKV#fullCompact}
 * compact) or {@link #whenSstCountAbove(int)}.
 *
 * <p>An automatic policy gives the store a daemon thread, {@code turbokv-compaction}, that checks the store after
 * every commit (within {@value #CHECK_INTERVAL_MILLIS} ms) and, while it has more live SSTs than the limit, runs
 * {@link TurboKV#compact(CompactConfig)} with the policy's {@link #config()}: as the store's single write operation,
 * so {@link TurboKV#writeBatch()} meanwhile fails naming the compaction and {@link TurboKV#writeBatch(java.time.Duration)}
 * waits for it. A compaction that finds the slot taken by a write batch tries again after the batch. A compaction
 * that fails is rolled back, logged on the {@code io.turbokv} {@code System.Logger}, and thrown (as the cause of an
 * {@link IllegalStateException}) by the store's next write operation, once. The thread is stopped and joined by
 * {@link TurboKV#close()}, which waits for a compaction under way.
 *
 * @param sstCountAbove compact while the store has more live SSTs than this; {@link Integer#MAX_VALUE} for
 *                      {@link #manual()}
 * @param config        the bounds of each compaction
 */
public record CompactionPolicy(int sstCountAbove, CompactConfig config) {
    /** How often, at most, the compaction thread looks for new commits, in milliseconds. */
    public static final int CHECK_INTERVAL_MILLIS = 50;

    /**
     * The bounds of {@link #whenSstCountAbove}: {@link CompactConfig#defaults()} without their duplication
     * thresholds (50 and 100 MiB), which leave a store of many small commits uncompacted, and without
     * sub-compactions, which cut a job's output into one SST per thread: a policy that counts SSTs must not make
     * more of them than it merges.
     */
    private static final CompactConfig BOUNDS = new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8, 1);
    private static final CompactionPolicy MANUAL = new CompactionPolicy(Integer.MAX_VALUE, BOUNDS);

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException when {@code sstCountAbove} is negative
     * @throws NullPointerException     when {@code config} is null
     */
    public CompactionPolicy {
        if (sstCountAbove < 0) {
            throw new IllegalArgumentException("sstCountAbove: " + sstCountAbove + " (expected: >= 0)");
        }
        Objects.requireNonNull(config, "config");
    }

    /** {@return the policy of no automatic compaction (the default)} */
    public static CompactionPolicy manual() {
        return MANUAL;
    }

    /**
     * {@return a policy that compacts while the store has more than {@code ssts} live SSTs, each compaction merging
     * 2 to 32 SSTs (8 when it can), 500 MiB of input at most, whatever their duplication, in at most 8 jobs: the
     * bounds {@code new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8)}, which the Kafka Streams store uses too}
     *
     * @param ssts the number of live SSTs, across families, the store may have without compacting
     * @throws IllegalArgumentException when {@code ssts} is negative
     */
    public static CompactionPolicy whenSstCountAbove(int ssts) {
        return new CompactionPolicy(ssts, BOUNDS);
    }

    /**
     * {@return this policy with compactions bounded by {@code bounds}}
     *
     * @param bounds the bounds of each compaction
     */
    public CompactionPolicy withConfig(CompactConfig bounds) {
        return new CompactionPolicy(sstCountAbove, bounds);
    }

    /** {@return whether the store compacts by itself} */
    public boolean isAutomatic() {
        return sstCountAbove != Integer.MAX_VALUE;
    }
}
