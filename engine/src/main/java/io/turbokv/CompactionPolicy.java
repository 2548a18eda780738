package io.turbokv;

import java.util.Objects;

/**
 * Whether a store compacts by itself ({@link DbConfig.Builder#compactionPolicy}), like RocksDB's automatic
 * compactions: {@link #manual()} (the default: only {@link TurboKV#compact} and {@link TurboKV#fullCompact}
 * compact) or {@link #whenSstCountAbove(int)}.
 *
 * <p>An automatic policy registers the store with the engine's compaction threads, {@code turbokv-compaction-N}:
 * at most {@link #COMPACTION_THREADS} daemon threads shared by every store of the JVM, started with the first such
 * store and ended (joined) by the last one's close. Every {@value #CHECK_INTERVAL_MILLIS} ms they look for stores
 * with a commit since their last check and, while such a store has more live SSTs than its limit, run
 * {@link TurboKV#compact(CompactConfig)} with the policy's {@link #config()}: as the store's single write operation,
 * so {@link TurboKV#writeBatch()} meanwhile fails with a {@link WriteSlotBusyException} naming the compaction,
 * {@link TurboKV#tryWriteBatch()} answers empty and {@link TurboKV#writeBatch(java.time.Duration)} waits for it. One
 * store's compactions never overlap; several stores compact at once up to the thread count. A compaction that
 * finds the slot taken by a write batch tries again after the batch. A compaction that fails is rolled back, logged
 * on the {@code io.turbokv} {@code System.Logger}, and thrown (as the cause of an {@link IllegalStateException}) by
 * the store's next write operation, once. {@link TurboKV#close()} waits for its store's compaction under way, and
 * for no other store's.
 *
 * @param sstCountAbove compact while the store has more live SSTs than this; {@link Integer#MAX_VALUE} for
 *                      {@link #manual()}
 * @param config        the bounds of each compaction
 */
public record CompactionPolicy(int sstCountAbove, CompactConfig config) {
    /** How often the compaction threads look for stores with new commits, in milliseconds. */
    public static final int CHECK_INTERVAL_MILLIS = 50;

    /**
     * The compaction threads shared by every store of the JVM with an automatic policy: half the processors, at
     * least 2 (so that the periodic look runs while one compaction does) and at most 4 (each compaction's merges
     * use the store's write threads as well).
     */
    public static final int COMPACTION_THREADS = Math.clamp(Runtime.getRuntime().availableProcessors() / 2, 2, 4);

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
