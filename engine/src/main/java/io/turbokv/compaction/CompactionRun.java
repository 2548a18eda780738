package io.turbokv.compaction;

import io.turbokv.CompactConfig;
import io.turbokv.commit.Commit;
import io.turbokv.commit.CommitProtocol;
import io.turbokv.io.SequenceAllocator;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.jfr.CompactionEvent;
import io.turbokv.sst.SstOptions;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import java.io.IOException;
import java.util.concurrent.ExecutorService;

/**
 * One compaction as a write operation of a store: merges the SSTs of its current state ({@link Compactor}), then
 * commits the result through the store's {@link CommitProtocol} like a write batch, or rolls it back. The caller
 * holds the store's write slot for the whole run; readers go on meanwhile and see the old state until the commit.
 */
public final class CompactionRun {
    private final StoreDirectory store;
    private final CommitProtocol protocol;
    private final VersionTracker<StoreState> versions;
    private final boolean[] multiValued;
    private final boolean[] keyOrdered;
    private final ExecutorService executor;
    private final WriteBufferPool writeBuffers;
    private final SstOptions sstOptions;

    /**
     * Compactions of one writable store.
     *
     * @param store        the store's directory, where the new files go
     * @param protocol     the store's commit protocol
     * @param versions     the store's states, the current one of which a run compacts
     * @param multiValued  per family, whether it is multi-valued
     * @param keyOrdered   per family, whether it is key-ordered
     * @param executor     runs the merge jobs
     * @param writeBuffers the store's off-heap write buffers
     * @param sstOptions   the new SSTs' block budgets, compression and key filter width
     */
    public CompactionRun(StoreDirectory store, CommitProtocol protocol, VersionTracker<StoreState> versions,
                         boolean[] multiValued, boolean[] keyOrdered, ExecutorService executor,
                         WriteBufferPool writeBuffers, SstOptions sstOptions) {
        this.sstOptions = sstOptions;
        this.store = store;
        this.protocol = protocol;
        this.versions = versions;
        this.multiValued = multiValued;
        this.keyOrdered = keyOrdered;
        this.executor = executor;
        this.writeBuffers = writeBuffers;
    }

    /**
     * Compacts the current state and commits the result.
     *
     * @param limits             which SSTs to merge and how large the results may grow
     * @param separateCategories whether warm and cold SSTs stay apart (a full compaction merges them)
     * @return whether anything changed
     * @throws IOException when reading or writing fails; the run is rolled back first
     */
    public boolean run(CompactConfig limits, boolean separateCategories) throws IOException {
        CompactionEvent event = new CompactionEvent();
        event.start();
        long start = System.nanoTime();
        VersionTracker.Version<StoreState> version = versions.acquire(); // keeps the input meta files open
        int seqBefore = version.state().committedSeq();
        SequenceAllocator sequence = new SequenceAllocator(seqBefore);
        try {
            Compactor.Result result =
                    Compactor.compact(store, CompactionInputs.of(version.state(), multiValued, keyOrdered),
                            limits, separateCategories, sequence, executor, writeBuffers, sstOptions);
            if (result.isEmpty()) {
                protocol.commitNothing(0, start);
                event.finish(store.directory().toString(), separateCategories, false, 0, 0, 0, 0);
                return false;
            }
            protocol.commit(new Commit(Commit.Kind.COMPACTION, result.newMetas(), result.sstsToDelete(),
                    result.blobsToDelete(), sequence, result.keysWritten(), result.newSsts(), 0,
                    result.bytesWritten(), result.details(), start));
            event.finish(store.directory().toString(), separateCategories, true, result.sstsToDelete().length,
                    result.newSsts(), result.keysWritten(), result.bytesWritten());
            return true;
        } catch (IOException | RuntimeException | Error e) {
            protocol.rollback(seqBefore, e);
            throw e;
        } finally {
            version.release();
        }
    }
}
