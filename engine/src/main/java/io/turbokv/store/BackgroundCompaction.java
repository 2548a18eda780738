package io.turbokv.store;

import io.turbokv.CompactionPolicy;
import io.turbokv.StoreClosedException;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import io.turbokv.write.StoreWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A writable store's automatic compactions ({@link CompactionPolicy}), run on threads shared by every store of the
 * JVM: a store registers with the engine-wide {@link Scheduler}, whose pool of at most
 * {@link CompactionPolicy#COMPACTION_THREADS} daemon threads looks, every {@value CompactionPolicy#CHECK_INTERVAL_MILLIS}
 * ms, for stores with a commit since their last check, and runs one check for each: while the store has more live
 * SSTs than its policy allows, a compaction through the store's {@link StoreWriter}, as its single write operation.
 * One periodic look at every store, rather than a thread per store that wakes on its own: an application of a
 * hundred stores (a Kafka Streams instance of 100 partitions, several stores each) has a few threads, not hundreds.
 * The look reads each store's committed sequence number and queues a check only for a store committed to since;
 * its cost has not been measured. With more stores due than threads, their compactions queue: a store's waits for
 * the compactions queued before it.
 *
 * <p>While the policy's {@link CompactionPolicy.Hold} holds, the look queues no check of the store and a check
 * queued before starts no compaction; the store's commit count stays unchecked, so the first look after the hold
 * checks it. A compaction under way when the hold begins runs to its end.
 *
 * <p>A store has at most one check queued or running at a time, so its compactions never overlap, and each one
 * is a separate task: a long compaction of one store delays the others' by at most the pool's other threads'
 * work, never for good. A compaction that finds the write slot taken (a write batch is open) is tried again at the
 * next look. A compaction that changes nothing, or leaves as many live SSTs as before, is not repeated before the
 * next commit. A failure (the compaction rolled back) is logged and kept for {@link #takeFailure()}, which the
 * store's next write operation calls; a failed rollback (the writer is broken for good) or a closed store ends
 * the store's checks. So does a failure of that handling itself (a bug), logged too, rather than failing
 * unreported at every look.
 *
 * <p>{@link #stop()} is called by the store's close before its write side closes: it never interrupts a thread (an
 * interrupt closes the file channels a compaction writes through), it waits for this store's check under way, if
 * any, and for no other store's; a check of this store still queued then does nothing. When the last store stops,
 * the pool is shut down and its threads joined, so that no compaction thread outlives the stores.
 *
 * <p>Thread-safe.
 */
final class BackgroundCompaction {
    private static final System.Logger LOG = System.getLogger("io.turbokv");
    private static final Scheduler SCHEDULER = new Scheduler();

    private final StoreWriter writer;
    private final VersionTracker<StoreState> versions;
    private final CompactionPolicy policy;
    private final Path directory;
    private final Object signal = new Object();
    /** Guarded by {@link #signal}: {@link #stop()} was called. */
    private boolean stopping;
    /** Guarded by {@link #signal}: a check is queued or running; no second one is queued meanwhile. */
    private boolean queued;
    /** Guarded by {@link #signal}: a check runs on a pool thread; {@link #stop()} waits for it. */
    private boolean running;
    /** Guarded by {@link #signal}: the writer is broken or the store closed; no check runs again. */
    private boolean finished;
    /** Guarded by {@link #signal}: the failure of the last compaction, not yet reported by a write operation. */
    private Exception failure;
    /**
     * The committed sequence number last found needing no (further) compaction; written by the check (one at a
     * time), read by the scheduler's look.
     */
    private volatile long checked = -1;
    /** Compactions run, whether or not they changed anything; for tests. */
    private volatile long runs;

    /**
     * Registers the compactions of {@code policy}, which must be automatic, with the shared scheduler.
     *
     * @param writer    the store's write side
     * @param versions  the store's states
     * @param policy    when to compact, and with which bounds
     * @param directory the store's directory, for messages
     */
    BackgroundCompaction(StoreWriter writer, VersionTracker<StoreState> versions, CompactionPolicy policy,
                         Path directory) {
        this.writer = writer;
        this.versions = versions;
        this.policy = policy;
        this.directory = directory;
        SCHEDULER.register(this);
    }

    /** Queues a check on {@code executor} when a commit came since the last one and none is queued already. */
    private void offer(Executor executor) {
        StoreState state = versions.currentState();
        if (Integer.toUnsignedLong(state.committedSeq()) == checked || held(state)) {
            return; // a held store's commits stay unchecked: the first look after the hold checks them
        }
        synchronized (signal) {
            if (stopping || finished || queued) {
                return;
            }
            queued = true;
        }
        try {
            executor.execute(this::check);
        } catch (RejectedExecutionException e) {
            // the pool shut down after the look began: this store stopped too, or registered with a newer pool
            synchronized (signal) {
                queued = false;
            }
        }
    }

    /** One check, on a pool thread: compacts when the store has too many live SSTs, unless it is stopping. */
    private void check() {
        synchronized (signal) {
            if (stopping || finished) {
                queued = false;
                return; // the store is closing: its close waits for no compaction started now
            }
            running = true;
        }
        try {
            compactIfNeeded();
        } catch (RuntimeException | Error e) {
            // thrown by the failure handling itself: the pool's future would swallow it, and every look would run
            // the failing check again, unreported
            LOG.log(System.Logger.Level.WARNING, "checking " + directory + " for compaction failed; no automatic"
                    + " compaction of it runs again", e);
            finish(); // the compaction's failure that led here is kept already (fail()), for the next write
        } finally {
            synchronized (signal) {
                running = false;
                queued = false;
                signal.notifyAll();
            }
        }
    }

    private void compactIfNeeded() {
        try { // from the state's read on: whatever fails is reported, not lost in the pool's future
            StoreState state = versions.currentState();
            long committed = Integer.toUnsignedLong(state.committedSeq());
            if (committed == checked || held(state)) {
                return; // held since the look queued this check: the first look after the hold queues another
            }
            int liveBefore = liveSsts(state);
            if (liveBefore <= policy.sstCountAbove()) {
                checked = committed;
                return;
            }
            StoreWriter.CompactionOutcome outcome = writer.compactIfIdle(policy.config(), true);
            if (outcome == StoreWriter.CompactionOutcome.SLOT_HELD) {
                return; // a write batch holds the slot: try again at the next look
            }
            runs++;
            StoreState after = versions.currentState();
            if (outcome == StoreWriter.CompactionOutcome.UNCHANGED || liveSsts(after) >= liveBefore) {
                // no progress towards the limit: not again before a commit of someone else
                checked = Integer.toUnsignedLong(after.committedSeq());
            }
        } catch (StoreClosedException e) {
            finish();
        } catch (Exception | Error e) {
            fail(e instanceof Exception exception ? exception : new IllegalStateException(e));
            if (writer.isBroken()) {
                finish(); // the rollback failed: no write operation can run again
            }
            checked = Integer.toUnsignedLong(versions.currentState().committedSeq()); // not before a commit
        }
    }

    private void finish() {
        synchronized (signal) {
            finished = true;
        }
    }

    /**
     * Whether the policy's hold keeps {@code state} from compacting: only up to its ceiling, past which the store
     * compacts anyway, so that a long bulk load bounds its live SSTs (and their mappings).
     */
    private boolean held(StoreState state) {
        return policy.held() && liveSsts(state) <= policy.holdCeiling();
    }

    private static int liveSsts(StoreState state) {
        int ssts = 0;
        for (LiveMeta meta : state.metas()) {
            ssts += meta.ssts().length;
        }
        return ssts;
    }

    private void fail(Exception e) {
        LOG.log(System.Logger.Level.WARNING, "background compaction of " + directory + " failed and was rolled back",
                e);
        synchronized (signal) {
            failure = e;
        }
    }

    /**
     * {@return the failure of a compaction no write operation has reported yet, or null; clears it}
     */
    Exception takeFailure() {
        synchronized (signal) {
            Exception taken = failure;
            failure = null;
            return taken;
        }
    }

    /** {@return compactions run so far} */
    long runs() {
        return runs;
    }

    /**
     * Stops this store's checks after the one under way, if any, and waits for that one only; the last store to stop
     * shuts the shared pool down and joins its threads. Idempotent.
     */
    void stop() {
        boolean interrupted = false;
        synchronized (signal) {
            stopping = true;
            while (running) {
                try {
                    signal.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the store's close must not leave a compaction writing behind it
                }
            }
        }
        SCHEDULER.unregister(this);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The engine-wide pool of compaction threads: started with the first registered store, shut down with the last
     * one's {@link #stop()}.
     */
    private static final class Scheduler {
        private final AtomicInteger threadNumber = new AtomicInteger();
        /** Guarded by this: the stores registered, in registration order. */
        private final Set<BackgroundCompaction> stores = new LinkedHashSet<>();
        /** Guarded by this: the pool while a store is registered, else null. */
        private ScheduledThreadPoolExecutor pool;
        /** Guarded by this: the threads of {@link #pool}, for the join when it shuts down. */
        private List<Thread> threads = new ArrayList<>();

        synchronized void register(BackgroundCompaction store) {
            if (pool == null) {
                List<Thread> started = new ArrayList<>();
                threads = started;
                ThreadFactory factory = task -> {
                    Thread thread = Thread.ofPlatform().daemon()
                            .name("turbokv-compaction-" + threadNumber.incrementAndGet()).unstarted(task);
                    synchronized (this) {
                        started.add(thread);
                    }
                    return thread;
                };
                ScheduledThreadPoolExecutor created =
                        new ScheduledThreadPoolExecutor(CompactionPolicy.COMPACTION_THREADS, factory);
                created.setRemoveOnCancelPolicy(true);
                created.scheduleWithFixedDelay(() -> look(created), CompactionPolicy.CHECK_INTERVAL_MILLIS,
                        CompactionPolicy.CHECK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
                pool = created;
            }
            stores.add(store);
        }

        /** The periodic look of {@code lookingPool}: offers every store of that pool a check. */
        private void look(ScheduledThreadPoolExecutor lookingPool) {
            BackgroundCompaction[] registered;
            synchronized (this) {
                if (pool != lookingPool) {
                    return; // shut down since: the stores registered now belong to a newer pool
                }
                registered = stores.toArray(BackgroundCompaction[]::new);
            }
            for (BackgroundCompaction store : registered) {
                try {
                    store.offer(lookingPool);
                } catch (RuntimeException | Error e) {
                    // a periodic task that throws is never run again: every other store's compactions would stop
                    LOG.log(System.Logger.Level.WARNING, "checking " + store.directory + " for compaction failed",
                            e);
                }
            }
        }

        void unregister(BackgroundCompaction store) {
            ScheduledThreadPoolExecutor ended;
            List<Thread> endedThreads;
            synchronized (this) {
                if (!stores.remove(store) || !stores.isEmpty()) {
                    return;
                }
                ended = pool;
                endedThreads = threads;
                pool = null;
                threads = new ArrayList<>();
            }
            // no store is left, so every task queued is a stopped store's check, which does nothing; shutdown()
            // cancels the periodic look and interrupts no one
            ended.shutdown();
            boolean interrupted = false;
            while (true) {
                try {
                    // terminated: the last worker has left, and a pool shutting down starts no new one
                    if (ended.awaitTermination(1, TimeUnit.MINUTES)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the caller is told below; the pool ends all the same
                }
            }
            List<Thread> toJoin;
            synchronized (this) {
                toJoin = List.copyOf(endedThreads);
            }
            for (Thread thread : toJoin) {
                while (true) {
                    try {
                        thread.join(); // a worker that left the pool may still be unwinding its run()
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
