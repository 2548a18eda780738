package io.turbokv.write;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.Bytes;
import io.turbokv.io.SequenceAllocator;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.Tasks;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.jfr.SpillEvent;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.SstOptions;
import io.turbokv.sst.SstSummary;
import io.turbokv.sst.SstWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sorts full collectors and writes each as one SST file in the background while the batch goes on filling.
 *
 * <p>At most {@code maxInFlight} spills run or wait at once; a filler thread that fills another collector
 * meanwhile blocks until one finishes ({@link #reserve()}). That bounds the off-heap memory of a batch, whatever its
 * size, to a few collectors. Each spill writes exactly one SST under the sequence number its collector took when it was cut
 * ({@link #nextSeq()}, see {@link BatchCollector}), so the order of the SSTs is the order of the cuts, never the
 * order in which spills happen to finish. A collector holds at most the initial-file limits (or one entry larger than
 * them), well inside what one SST can hold. Every SST is synced before its spill completes, so commit only needs to sync the
 * directory.
 *
 * <p>A commit's last buffer of at least {@value #SPLIT_ENTRIES} entries is written as two SSTs, split at a hash
 * boundary near its middle, one by the committing thread, which would only wait otherwise, and one by the pool
 * ({@link #spillInTwo}): the commit waits for the last spill, and two cores write it in about half the time. The
 * halves hold disjoint hashes, hence disjoint keys, so their numbers may come in either order.
 *
 * <p>A spill of at least {@value #PARALLEL_FILTER_ENTRIES} entries builds its SST's key filter from the sorted
 * hashes on another thread of the executor while it writes the file (the filter needs nothing else): the
 * commit waits for the last spill, and the filter was a fifth of its time. When no thread is free to take it,
 * the spill builds it itself once the file is written.
 */
public final class SpillRunner {
    /** Entries at which a batch's collector is cut and spilled to an SST of its own. */
    public static final int MAX_ENTRIES_PER_INITIAL_FILE = 256 * 1024;
    /** Key and value bytes at which a batch's collector is cut and spilled to an SST of its own. */
    public static final long DATA_THRESHOLD_PER_INITIAL_FILE = 64L << 20;
    /** From this many entries a commit's last buffer is written as two SSTs on two threads (when there are two). */
    static final int SPLIT_ENTRIES = 64 * 1024;
    /** From this many entries a spill builds its key filter on another thread; a small commit's spill does not. */
    static final int PARALLEL_FILTER_ENTRIES = 4_096;
    /** Key filters of spills: heap arrays, which live until the batch's meta files are written. */
    private static final SegmentAllocator HEAP =
            (byteSize, byteAlignment) -> MemorySegment.ofArray(new byte[Math.toIntExact(byteSize)]);

    private final StoreDirectory store;
    private final SequenceAllocator sequence;
    private final Executor executor;
    private final WriteBufferPool buffers;
    private final SstOptions options;
    private final Semaphore inFlight;
    private final ConcurrentLinkedQueue<CompletableFuture<SpilledSst>> spills = new ConcurrentLinkedQueue<>();

    /**
     * Spills the collectors of one write batch into SSTs of {@code store}, on {@code executor}.
     *
     * @param sequence    the batch's sequence counter, from which {@link #nextSeq()} takes numbers
     * @param maxInFlight how many collectors may be spilling at once
     * @param buffers     where the SST writers borrow their compression buffers
     * @param options     the SSTs' block budgets, compression and key filter width
     * @param store       the store's directory, where the SSTs go and how they are written
     * @param executor    where the spills run
     */
    public SpillRunner(StoreDirectory store, SequenceAllocator sequence, Executor executor, int maxInFlight,
                       WriteBufferPool buffers, SstOptions options) {
        this.store = store;
        this.sequence = sequence;
        this.executor = executor;
        this.inFlight = new Semaphore(maxInFlight);
        this.buffers = buffers;
        this.options = options;
    }

    /** The next sequence number of the batch, for a collector being cut. */
    int nextSeq() {
        return sequence.next();
    }

    /**
     * Waits until fewer than {@code maxInFlight} spills run or wait, and reserves a place for one more, which the
     * caller fills with {@link #submit}. A collector about to be cut calls this first, under its lock: until a spill
     * ends, no filler can add to that collector, so a batch never holds more than {@code maxInFlight} spilling
     * collectors plus the one each family is filling.
     */
    void reserve() {
        inFlight.acquireUninterruptibly();
    }

    /**
     * Spills {@code buffer} (taking ownership: its chunks go back to the pool when written) in the background, as
     * SST {@code seq}, in the place {@link #reserve()} reserved.
     *
     * @param tombstones whether the buffer holds only the tombstones of a multi-valued family
     */
    void submit(int family, boolean multiValued, boolean keyOrdered, EntryBuffer buffer, int seq,
                boolean tombstones) {
        CompletableFuture<SpilledSst> spill;
        try {
            spill = CompletableFuture.supplyAsync(() -> {
                try (buffer) {
                    return write(family, multiValued, keyOrdered, buffer, seq, tombstones);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    inFlight.release();
                }
            }, executor);
        } catch (RuntimeException e) { // executor refused: give the place back
            inFlight.release();
            buffer.close();
            throw e;
        }
        spills.add(spill);
    }

    /**
     * Spills {@code buffer} (taking ownership) on the calling thread, which would only wait for a background spill:
     * a commit's last, small collector, where handing it to another thread and waking up again costs more than
     * writing it. A failure is reported by {@link #awaitAll()}, as a background spill's.
     */
    void spillNow(int family, boolean multiValued, boolean keyOrdered, EntryBuffer buffer, int seq,
                  boolean tombstones) {
        try (buffer) {
            spills.add(written(() -> write(family, multiValued, keyOrdered, buffer, seq, tombstones)));
        }
    }

    /**
     * Spills {@code buffer} (taking ownership), a commit's last, large one, as two SSTs written at once: sorts it,
     * splits it where the hash changes nearest its middle, writes the second half as SST {@link #nextSeq()} on the
     * pool and the first half as SST {@code seq} on the calling thread, and returns when both are written (or
     * failed), so the buffer is closed after its last reader. A buffer with one hash only is written whole.
     * Failures are reported by {@link #awaitAll()}, as a background spill's.
     */
    void spillInTwo(int family, boolean multiValued, boolean keyOrdered, EntryBuffer buffer, int seq,
                    boolean tombstones) {
        try (buffer) {
            EntrySorter sorted;
            try {
                sorted = EntrySorter.sort(buffer, keyOrdered);
            } catch (RuntimeException | Error e) {
                spills.add(CompletableFuture.failedFuture(e));
                return;
            }
            int count = sorted.count();
            int split = sorted.hashBoundaryNear(count / 2);
            if (split == 0) {
                spills.add(written(() -> writeTimed(family, multiValued, keyOrdered, buffer, sorted, 0, count, seq,
                        tombstones)));
                return;
            }
            int secondSeq = nextSeq();
            FutureTask<SpilledSst> second = new FutureTask<>(() -> writeTimed(family, multiValued, keyOrdered, buffer,
                    sorted, split, count, secondSeq, tombstones));
            try {
                executor.execute(second);
            } catch (RejectedExecutionException e) {
                // the store is closing: this thread writes both halves
            }
            spills.add(written(() -> writeTimed(family, multiValued, keyOrdered, buffer, sorted, 0, split, seq,
                    tombstones)));
            second.run(); // writes it here unless a pool thread has started it
            spills.add(written(() -> Tasks.awaitUninterruptibly(second)));
        }
    }

    /** A spill written (or failed) on the calling thread, as a completed future. */
    private static CompletableFuture<SpilledSst> written(SpillWrite write) {
        CompletableFuture<SpilledSst> spill = new CompletableFuture<>();
        try {
            spill.complete(write.run());
        } catch (IOException e) {
            spill.completeExceptionally(new UncheckedIOException(e));
        } catch (RuntimeException | Error e) {
            spill.completeExceptionally(e);
        }
        return spill;
    }

    /** One spill's writing, which may fail with an {@link IOException}. */
    @FunctionalInterface
    private interface SpillWrite {
        SpilledSst run() throws IOException;
    }

    /**
     * Waits for every spill submitted so far; the first failure is rethrown after all have ended.
     *
     * @return every spilled SST, in the order the spills were submitted
     * @throws IOException the first spill's failure, with later failures suppressed
     */
    public List<SpilledSst> awaitAll() throws IOException {
        List<SpilledSst> written = new ArrayList<>();
        IOException failure = null;
        CompletableFuture<SpilledSst> spill;
        while ((spill = spills.poll()) != null) {
            try {
                written.add(spill.get());
            } catch (ExecutionException e) {
                IOException cause = e.getCause() instanceof UncheckedIOException u ? u.getCause()
                        : new IOException("spilling a write batch failed", e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for spills", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return written;
    }

    private SpilledSst write(int family, boolean multiValued, boolean keyOrdered, EntryBuffer buffer, int seq,
                             boolean tombstones)
            throws IOException {
        SpillEvent event = new SpillEvent();
        event.start();
        EntrySorter sorted = EntrySorter.sort(buffer, keyOrdered);
        SpilledSst written = write(family, multiValued, keyOrdered, buffer, sorted, 0, sorted.count(), seq,
                tombstones);
        event.finish(store.directory().toString(), family, seq, written.summary().entryCount(),
                written.summary().fileSize());
        return written;
    }

    /** As {@link #write(int, boolean, boolean, EntryBuffer, int, boolean)} for one half of a sorted buffer. */
    private SpilledSst writeTimed(int family, boolean multiValued, boolean keyOrdered, EntryBuffer buffer,
                                  EntrySorter sorted, int from, int to, int seq, boolean tombstones)
            throws IOException {
        SpillEvent event = new SpillEvent();
        event.start();
        SpilledSst written = write(family, multiValued, keyOrdered, buffer, sorted, from, to, seq, tombstones);
        event.finish(store.directory().toString(), family, seq, written.summary().entryCount(),
                written.summary().fileSize());
        return written;
    }

    /**
     * Writes the records {@code [from, to)} of {@code sorted} as SST {@code seq}, key-ordered when
     * {@code keyOrdered}; {@code from} and {@code to} lie where the hash (the key, in key order) changes, or at the
     * ends, so a key's records are never split.
     */
    private SpilledSst write(int family, boolean multiValued, boolean keyOrdered, EntryBuffer buffer,
                             EntrySorter sorted, int from, int to, int seq, boolean tombstones)
            throws IOException {
        FutureTask<MemorySegment> filter = new FutureTask<>(
                () -> KeyFilter.buildFromSorted(MemorySegment.ofArray(sorted.distinctHashes(from, to)),
                        options.filterFingerprintBits(), HEAP));
        if (to - from >= PARALLEL_FILTER_ENTRIES) {
            try {
                executor.execute(filter);
            } catch (RejectedExecutionException e) {
                // the store is closing: this thread builds the filter below
            }
        }
        SstWriter writer = new SstWriter(store.files().create(store.path(StoreFileNames.Kind.SST, seq)),
                buffers, false, keyOrdered, options);
        boolean finished = false;
        try {
            ReadAhead headers = new ReadAhead(buffer, sorted, from, to);
            for (int i = from; i < to; i++) {
                long hash = sorted.hash(i);
                int record = i; // the record written for this key: the latest of its duplicates
                if (!multiValued) {
                    // a single-valued key written twice in one batch: the later write (larger ref) wins
                    while (i + 1 < to && sorted.hash(i + 1) == hash
                            && sameKey(buffer, sorted.ref(record), sorted.ref(i + 1))) {
                        if (sorted.ref(++i) > sorted.ref(record)) {
                            record = i;
                        }
                    }
                } else if (headers.kind(i) == EntryKind.TOMBSTONE && i + 1 < to && sorted.hash(i + 1) == hash
                        && sameKey(buffer, sorted.ref(i), sorted.ref(i + 1))) {
                    continue; // a key deleted twice in one batch: one tombstone is enough
                }
                long ref = sorted.ref(record);
                // (segment, offset, length) ranges, not slices: a spill allocates nothing per entry
                MemorySegment memory = buffer.memory(ref);
                long keyOffset = EntryBuffer.keyOffset(ref);
                int keyLength = headers.keyLength(record);
                switch (headers.kind(record)) {
                    case VALUE -> writer.addValue(hash, memory, keyOffset, keyLength, memory,
                            keyOffset + keyLength, headers.valueLengthOrSeq(record));
                    case TOMBSTONE -> writer.addTombstone(hash, memory, keyOffset, keyLength);
                    case BLOB -> writer.addBlob(hash, memory, keyOffset, keyLength, headers.valueLengthOrSeq(record));
                }
            }
            SstSummary summary = writer.finish();
            finished = true;
            filter.run(); // builds it here unless another thread has started it
            return new SpilledSst(family, seq, new SstSummary(summary.blockCount(), summary.minHash(),
                    summary.maxHash(), summary.fileSize(), summary.entryCount(), summary.keyCount(),
                    filter.get(), summary.minKey(), summary.maxKey()), tombstones);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the key filter of SST " + seq, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            if (!finished) {
                filter.cancel(false); // the SST failed: its filter is not needed
                writer.abandon();
            }
        }
    }

    /**
     * {@return a pool of daemon threads for spills and merges, one per processor}: spills of a batch run while its
     * fillers go on, and a store's compaction splits its merge jobs over the same threads.
     */
    public static ExecutorService newExecutor() {
        return newExecutor(Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@return a pool of {@code size} daemon threads for spills and merges}, as {@link #newExecutor()}
     *
     * @param size the threads, at least 1 (a task that finds no thread free is run by its caller)
     */
    public static ExecutorService newExecutor(int size) {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, size), task -> {
            Thread thread = new Thread(task, "turbokv-spill-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Whether records {@code a} and {@code b}, of equal hash, hold the same key. */
    private static boolean sameKey(EntryBuffer buffer, long a, long b) {
        return Bytes.equal(buffer.memory(a), EntryBuffer.keyOffset(a), buffer.keyLength(a),
                buffer.memory(b), EntryBuffer.keyOffset(b), buffer.keyLength(b));
    }
}
