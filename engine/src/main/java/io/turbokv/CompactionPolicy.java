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
 * <p>A policy may carry a {@link Hold} ({@link #withHold}): while it is held, no automatic compaction of a store
 * opened with the policy starts (one under way finishes) as long as the store has at most {@link #holdCeiling()}
 * live SSTs, and the commits meanwhile are looked at once it ends. A bulk load holds it, as RocksDB's bulk-loading
 * mode disables its automatic compactions: each compaction during the load would merge SSTs that the next commits
 * make stale again. Past the ceiling the store compacts although held, down to the ceiling, so that a long load
 * leaves a bounded number of live SSTs (each one mapped, each one read by a lookup) rather than one per commit.
 *
 * @param sstCountAbove compact while the store has more live SSTs than this; {@link Integer#MAX_VALUE} for
 *                      {@link #manual()}
 * @param config        the bounds of each compaction
 * @param hold          what holds the automatic compactions, or null when nothing does; a {@link Hold} is mutable
 *                      and compared by identity, so two policies are equal only when they carry the same hold
 *                      instance (or none)
 */
public record CompactionPolicy(int sstCountAbove, CompactConfig config, Hold hold) {
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

    /**
     * A policy without a {@link Hold}.
     *
     * @param sstCountAbove compact while the store has more live SSTs than this
     * @param config        the bounds of each compaction
     * @throws IllegalArgumentException when {@code sstCountAbove} is negative
     * @throws NullPointerException     when {@code config} is null
     */
    public CompactionPolicy(int sstCountAbove, CompactConfig config) {
        this(sstCountAbove, config, null);
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
        return new CompactionPolicy(sstCountAbove, bounds, hold);
    }

    /**
     * {@return this policy, its automatic compactions held while {@code compactionHold} is} Several stores may share
     * one hold (the segments of one Kafka Streams store).
     *
     * @param compactionHold what holds the compactions; null for nothing
     */
    public CompactionPolicy withHold(Hold compactionHold) {
        return new CompactionPolicy(sstCountAbove, config, compactionHold);
    }

    /** The least {@link #holdCeiling()}, for a policy of a small limit. */
    public static final int MIN_HOLD_CEILING = 64;

    /**
     * {@return the most live SSTs a store may have while {@link #hold} holds its compactions: 4 times
     * {@link #sstCountAbove()}, at least {@value #MIN_HOLD_CEILING}; past it the store compacts although held}
     */
    public int holdCeiling() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_HOLD_CEILING, 4L * sstCountAbove));
    }

    /** {@return whether {@link #hold} holds the automatic compactions now (up to {@link #holdCeiling()})} */
    public boolean held() {
        return hold != null && hold.isHeld();
    }

    /**
     * Holds the automatic compactions of the stores whose policy carries it, for a while at a time: each
     * {@link #holdFor} holds them until that much time has passed since, {@link #release()} ends the hold at once.
     * A hold that its holder forgets to release (a bulk load that fails midway, a thread that dies) so ends by
     * itself. Thread-safe; the compaction threads read it at each look.
     */
    public static final class Hold {
        /** When the hold ends, in {@link System#nanoTime()}; meaningful only while {@link #holding}. */
        private volatile long untilNanos;
        private volatile boolean holding;

        /** Creates a hold that holds nothing yet. */
        public Hold() {}

        /**
         * Holds the compactions until {@code duration} from now (replacing the end of a hold under way).
         *
         * @param duration how long, at most; positive
         * @throws IllegalArgumentException when {@code duration} is not positive
         */
        public void holdFor(java.time.Duration duration) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
            }
            untilNanos = System.nanoTime() + duration.toNanos();
            holding = true;
        }

        /** Ends the hold; the compaction threads look at the stores again at their next look. */
        public void release() {
            holding = false;
        }

        /** {@return whether the compactions are held now} */
        public boolean isHeld() {
            return holding && untilNanos - System.nanoTime() > 0;
        }
    }

    /** {@return whether the store compacts by itself} */
    public boolean isAutomatic() {
        return sstCountAbove != Integer.MAX_VALUE;
    }
}
