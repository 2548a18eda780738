package io.turbokv.write;

import io.turbokv.CompactConfig;
import io.turbokv.commit.CommitProtocol;
import io.turbokv.commit.WriteOperationGuard;
import io.turbokv.compaction.CompactionRun;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreLog;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.read.AccessedKeys;
import io.turbokv.sst.SstOptions;
import io.turbokv.version.StateLoader;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * The write side of a writable store: its single write slot, its commit protocol, and the threads and off-heap
 * buffers that spills and merges share. Starts write batches and compactions, each of which holds the slot until
 * it commits or rolls back, and takes part in closing the store. A read-only store has none.
 */
public final class StoreWriter {
    private static final String WRITE_BATCH = "write batch";
    private static final String COMPACTION = "compaction";

    private final StoreDirectory store;
    private final VersionTracker<StoreState> versions;
    private final boolean[] multiValued;
    private final boolean[] keyOrdered;
    private final AccessedKeys[] accessedKeys;
    private final WriteOperationGuard guard;
    private final CommitProtocol protocol;
    private final ExecutorService executor;
    /**
     * The write path's off-heap buffers, reused from batch to batch; freed (or handed to the reserve) at
     * {@link #close}.
     */
    private final WriteBufferPool buffers;
    private final CompactionRun compactions;
    private final SstOptions sstOptions;
    private final SpillLimits spillLimits;

    /**
     * The write side of the store in {@code store}, whose states {@code versions} publishes.
     *
     * @param store        the store's directory and the layer its files are written through
     * @param versions     the store's states
     * @param multiValued  per family, whether it is multi-valued
     * @param keyOrdered   per family, whether it is key-ordered
     * @param accessedKeys per family, the keys read since the last commit (drained into the new meta files)
     * @param log          the store's {@code LOG}, which gets one record per commit
     * @param threads      the threads of the pool that spills and merges share
     * @param sstOptions   the new SSTs' block budgets, compression and key filter width
     * @param spillLimits  where a batch's family buffer is cut and spilled
     * @param reserve      the native buffers shared with other stores, or null
     */
    public StoreWriter(StoreDirectory store, VersionTracker<StoreState> versions, boolean[] multiValued,
                       boolean[] keyOrdered, AccessedKeys[] accessedKeys, StoreLog log, int threads,
                       SstOptions sstOptions, SpillLimits spillLimits, WriteBufferPool.Reserve reserve) {
        this.buffers = new WriteBufferPool(WriteBufferPool.DEFAULT_MAX_POOLED_BYTES, reserve);
        this.sstOptions = sstOptions;
        this.spillLimits = spillLimits;
        this.executor = SpillRunner.newExecutor(threads);
        this.store = store;
        this.versions = versions;
        this.multiValued = multiValued;
        this.keyOrdered = keyOrdered;
        this.accessedKeys = accessedKeys;
        this.guard = new WriteOperationGuard(store.directory());
        this.protocol = new CommitProtocol(store, versions, guard, log);
        this.compactions = new CompactionRun(store, protocol, versions, multiValued, keyOrdered, executor,
                buffers, sstOptions);
    }

    /**
     * Claims the write slot for a new batch, which holds it until it commits or is closed.
     *
     * @param createdAt where the batch was created, reported if it is abandoned or blocks another writer
     * @return the batch
     * @throws io.turbokv.WriteSlotBusyException when another write operation holds the slot
     * @throws IllegalStateException when a rollback failed earlier
     * @throws io.turbokv.StoreClosedException when the store is closed
     */
    public OpenBatch startBatch(Throwable createdAt) {
        guard.claim(WRITE_BATCH);
        return newBatch(createdAt);
    }

    /**
     * Claims the write slot for a new batch as {@link #startBatch(Throwable)} if no other write operation holds it;
     * otherwise returns null, having built nothing: a held slot is an expected answer here, not an error.
     *
     * @param createdAt where the batch was created, asked for only once the slot is claimed
     * @return the batch, or null when another write operation holds the slot
     * @throws IllegalStateException when a rollback failed earlier
     * @throws io.turbokv.StoreClosedException when the store is closed
     */
    public OpenBatch tryStartBatch(Supplier<Throwable> createdAt) {
        if (!guard.tryClaim(WRITE_BATCH)) {
            return null;
        }
        return newBatch(createdAt.get());
    }

    /**
     * Claims the write slot for a new batch as {@link #startBatch(Throwable)}, waiting up to {@code waitNanos} for
     * the operation that holds it to finish.
     *
     * @param createdAt where the batch was created, reported if it is abandoned or blocks another writer
     * @param waitNanos how long to wait for the slot at most
     * @return the batch
     * @throws io.turbokv.WriteSlotBusyException when another write operation still holds the slot after the wait
     * @throws IllegalStateException when a rollback failed earlier
     * @throws io.turbokv.StoreClosedException when the store is closed
     * @throws InterruptedException  when the thread is interrupted while it waits
     */
    public OpenBatch startBatch(Throwable createdAt, long waitNanos) throws InterruptedException {
        guard.claim(WRITE_BATCH, waitNanos);
        return newBatch(createdAt);
    }

    /** A batch in the slot just claimed; frees the slot again when it cannot be made. */
    private OpenBatch newBatch(Throwable createdAt) {
        try {
            OpenBatch batch = new OpenBatch(store, protocol, versions.currentState().committedSeq(), multiValued,
                    keyOrdered, accessedKeys, executor, buffers, sstOptions, spillLimits, createdAt);
            guard.attach(batch);
            return batch;
        } catch (RuntimeException | Error e) {
            guard.release();
            throw e;
        }
    }

    /**
     * Claims the write slot and runs one compaction, which commits or rolls back and frees the slot.
     *
     * @param limits             which SSTs to merge and how large the results may grow
     * @param separateCategories whether warm and cold SSTs stay apart
     * @return whether anything changed
     * @throws IOException when reading or writing fails; the compaction is rolled back
     */
    public boolean compact(CompactConfig limits, boolean separateCategories) throws IOException {
        guard.claim(COMPACTION);
        return compactions.run(limits, separateCategories);
    }

    /**
     * As {@link #compact}, unless another write operation holds the slot: then nothing is run.
     *
     * @param limits             which SSTs to merge and how large the results may grow
     * @param separateCategories whether warm and cold SSTs stay apart
     * @return whether the compaction ran and changed something, ran and changed nothing, or did not run
     * @throws IOException when reading or writing fails; the compaction is rolled back
     */
    public CompactionOutcome compactIfIdle(CompactConfig limits, boolean separateCategories) throws IOException {
        if (!guard.tryClaim(COMPACTION)) {
            return CompactionOutcome.SLOT_HELD;
        }
        return compactions.run(limits, separateCategories) ? CompactionOutcome.CHANGED : CompactionOutcome.UNCHANGED;
    }

    /** What {@link #compactIfIdle} did. */
    public enum CompactionOutcome {
        /** Another write operation held the slot: nothing ran. */
        SLOT_HELD,
        /** The compaction committed a new state. */
        CHANGED,
        /** The compaction found nothing to merge. */
        UNCHANGED
    }

    /** Publishes the current state with fresh SST slots: each SST is mapped again on its next read. */
    public void remapSsts() {
        protocol.publish(state -> StateLoader.withFreshSlots(store.directory(), state), List.of());
    }

    /** {@return the bytes of free write buffers the store keeps for its next batches} */
    public long pooledBufferBytes() {
        return buffers.pooledBytes();
    }

    /** {@return the bytes of free write buffers the store's reserve holds now (0 without one)} */
    public long reserveBytes() {
        return buffers.reserveBytes();
    }

    /** {@return whether a rollback failed, so that every later write operation is refused} */
    public boolean isBroken() {
        return guard.isBroken();
    }

    /**
     * The write side's part of closing the store: rolls back a batch still open (while the store still holds its
     * lock), waits for a commit or compaction under way, publishes the empty state (retiring {@code retired} with
     * the last state, after its last reader) and stops deleting files; then frees the threads and buffers (a batch
     * left open returns its buffers later; they are freed then).
     *
     * @param retired what the store releases once no reader of an older state is left
     * @return the failure of the open batch's rollback, or null
     */
    public IOException close(List<AutoCloseable> retired) {
        IOException failure = null;
        guard.refuseClaims(); // first: a writer waiting for the slot must not get it when the open batch rolls back
        if (guard.owner() instanceof OpenBatch batch) {
            try {
                batch.endForStoreClose();
            } catch (IOException e) {
                failure = e;
            }
        }
        guard.closeAndAwaitIdle();
        protocol.publish(state -> StoreState.EMPTY, retired);
        protocol.stopDeleting();
        executor.shutdown();
        buffers.close();
        return failure;
    }
}
