package io.turbokv.store;

import io.turbokv.CompactionPolicy;
import io.turbokv.StoreClosedException;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import io.turbokv.write.StoreWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A writable store's automatic compactions ({@link CompactionPolicy}): one daemon thread that looks at the current
 * state after every commit (it wakes every {@value CompactionPolicy#CHECK_INTERVAL_MILLIS} ms and compares the
 * committed sequence number) and, while the store has more live SSTs than the policy allows, runs a compaction
 * through the store's {@link StoreWriter}, as its single write operation.
 *
 * <p>A compaction that finds the write slot taken (a write batch is open) is tried again at the next check. A
 * compaction that changes nothing, or leaves as many live SSTs as before, is not repeated before the next commit. A failure (the compaction rolled back) is
 * logged and kept for {@link #takeFailure()}, which the store's next write operation calls; a failed rollback
 * (the writer is broken for good) also ends the thread. {@link #stop()} is called by the store's close before its
 * write side closes: it never interrupts the thread (an interrupt closes the file channels a compaction writes
 * through), it lets a compaction under way finish, then joins the thread.
 *
 * <p>Thread-safe.
 */
final class BackgroundCompaction {
    private static final System.Logger LOG = System.getLogger("io.turbokv");

    private final StoreWriter writer;
    private final VersionTracker<StoreState> versions;
    private final CompactionPolicy policy;
    private final Path directory;
    private final Thread thread;
    private final Object signal = new Object();
    private boolean stopping;
    /** The failure of the last compaction, not yet reported by a write operation. */
    private Exception failure;
    /** Compactions run, whether or not they changed anything; for tests. */
    private volatile long runs;

    /**
     * Starts the thread of {@code policy}, which must be automatic.
     *
     * @param writer    the store's write side
     * @param versions  the store's states
     * @param policy    when to compact, and with which bounds
     * @param directory the store's directory, for the thread's name and messages
     */
    BackgroundCompaction(StoreWriter writer, VersionTracker<StoreState> versions, CompactionPolicy policy,
                         Path directory) {
        this.writer = writer;
        this.versions = versions;
        this.policy = policy;
        this.directory = directory;
        this.thread = Thread.ofPlatform().daemon().name("turbokv-compaction " + directory).unstarted(this::run);
        thread.start();
    }

    private void run() {
        long checked = -1; // the committed sequence number last found needing no (further) compaction
        while (awaitCheck()) {
            StoreState state = versions.currentState();
            long committed = Integer.toUnsignedLong(state.committedSeq());
            if (committed == checked) {
                continue;
            }
            int liveBefore = liveSsts(state);
            if (liveBefore <= policy.sstCountAbove()) {
                checked = committed;
                continue;
            }
            try {
                if (isStopping()) {
                    return; // the store is closing: its close waits for no compaction started now
                }
                StoreWriter.CompactionOutcome outcome = writer.compactIfIdle(policy.config(), true);
                if (outcome == StoreWriter.CompactionOutcome.SLOT_HELD) {
                    continue; // a write batch holds the slot: try again at the next check
                }
                runs++;
                StoreState after = versions.currentState();
                if (outcome == StoreWriter.CompactionOutcome.UNCHANGED || liveSsts(after) >= liveBefore) {
                    // no progress towards the limit: not again before a commit of someone else
                    checked = Integer.toUnsignedLong(after.committedSeq());
                }
            } catch (StoreClosedException e) {
                return;
            } catch (Exception | Error e) {
                fail(e instanceof Exception exception ? exception : new IllegalStateException(e));
                if (writer.isBroken()) {
                    return; // the rollback failed: no write operation can run again
                }
                checked = Integer.toUnsignedLong(versions.currentState().committedSeq()); // not before a commit
            }
        }
    }

    private boolean isStopping() {
        synchronized (signal) {
            return stopping;
        }
    }

    /** Waits one check interval; false once {@link #stop()} was called. */
    private boolean awaitCheck() {
        synchronized (signal) {
            if (!stopping) {
                try {
                    TimeUnit.MILLISECONDS.timedWait(signal, CompactionPolicy.CHECK_INTERVAL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return !stopping;
        }
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

    /** {@return the compaction thread} */
    Thread thread() {
        return thread;
    }

    /** Stops the thread after the compaction under way, if any, and waits for it. Idempotent. */
    void stop() {
        synchronized (signal) {
            stopping = true;
            signal.notifyAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the store's close must not leave the thread writing behind it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
