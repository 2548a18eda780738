package io.turbokv.compaction;

import io.turbokv.CompactConfig;
import io.turbokv.ffm.Advice;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.SequenceAllocator;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLog;
import io.turbokv.io.Tasks;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import io.turbokv.meta.MetaFileWriter;
import io.turbokv.sst.SstOptions;
import io.turbokv.sst.SstReader;
import io.turbokv.sst.SstSummary;
import io.turbokv.sst.SstWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntHashSet;

/**
 * Runs one compaction over the committed SSTs of a store up to, not including, its commit: selects
 * the segments of every family, merges or moves them, and writes the new SST and meta files. The caller holds the
 * write slot, keeps the inputs' meta files open (a version lease) and commits the {@link Result}, or rolls back
 * (deletes every file numbered above the committed sequence number) when this throws.
 *
 * <p><b>Merge rules (seed).</b> Entries arrive newest first within a key. Single-valued: the first entry of a key
 * (value or tombstone) is written, older ones skipped. Multi-valued: entries are written down to and including the
 * first tombstone, older ones skipped. A skipped blob reference puts its blob on the delete list. Tombstones are
 * kept. Each entry goes to the warm output when the family's used-key filter (the union of its meta files') holds
 * its hash, to the cold output otherwise; an output SST is created at its first entry and cut where the hash
 * changes when {@link SstWriter#isFull} says so with {@value #MAX_ENTRIES_PER_COMPACTED_FILE} entries and
 * {@value #DATA_THRESHOLD_PER_COMPACTED_FILE} bytes, or anywhere, even inside one key's entries, when the SST
 * format's limits (u16 block indexes, u32 offsets) leave no room for the next entry ({@link RangeMerge}: a key
 * cut so keeps its tombstone in the SST that lookups read last). A single-SST segment is moved: its meta entry is
 * copied into the new meta file, the SST is not touched.
 *
 * <p><b>Subcompactions.</b> A merge of at least twice {@link CompactConfig#MIN_SUBCOMPACTION_BYTES} is split into
 * up to {@value #RANGES_PER_THREAD} hash ranges of about equal input ({@link RangeSplit}) per merging thread, of
 * which there are {@link CompactConfig#maxSubcompactions()}; the threads take the ranges from a shared queue, each
 * range merged into SSTs of its own ({@link RangeMerge}): every entry of a hash lands in one range, so the
 * outputs hold the same entries as one merge would, cut at the range bounds too. The ranges' SSTs go into the
 * segment's meta file together and are committed as one, as before.
 *
 * <p><b>Read order.</b> Readers go through meta files newest first and, inside one, through its SSTs by descending
 * sequence number. A moved SST keeps its old (low) number yet must be read before older merged data it overlaps,
 * so a family's segments are laid out over as many new meta files as that order needs (usually one; two when a
 * move is newer than a merge): segments are merged in age order, so merged outputs number upwards, and a new,
 * older meta file starts wherever the next older segment holds a number not below every number of the newer ones.
 * The newest of them carries the obsolete list (every merged input).
 *
 * <p>Inputs are mapped through their own {@link SstReader}s, not the store's readers, advised
 * {@link Advice#SEQUENTIAL} (read ahead, drop behind), and unmapped after their segment. Keys and values go from the inputs' memory to the writers' without a heap copy, as (segment, offset,
 * length) ranges: the merge allocates nothing per entry. Medium values are copied as their on-disk blocks
 * (CRC-verified on the way, {@link SstWriter#addMediumRaw}), not decompressed and recompressed; blob values as their
 * 4-byte reference. Inline and small values and all keys are re-encoded into the new blocks.
 */
public final class Compactor {
    /** Entries per merged SST before it is cut. */
    public static final long MAX_ENTRIES_PER_COMPACTED_FILE = 1L << 20;
    /** Key and value bytes per merged SST before it is cut. */
    public static final long DATA_THRESHOLD_PER_COMPACTED_FILE = 256L << 20;
    /** Meta entry flags of a warm SST: neither {@link MetaEntry#COLD} nor {@link MetaEntry#FRESH}. */
    public static final int WARM = 0;
    /**
     * Hash ranges per merging thread of a split merge. More ranges than threads, taken from a shared queue: a
     * thread that ends its range early (or gets more of a busy machine's cores) takes the next, and while a thread
     * syncs a finished range's SST and a pool thread builds its key filter, the other threads still merge, so only
     * the last ranges' finishing is left at the end (with one range per thread, all of it).
     */
    static final int RANGES_PER_THREAD = 2;

    /**
     * The committed state of one family, as compaction needs it.
     *
     * @param family         the family index
     * @param multiValued    whether a key holds many values
     * @param keyOrdered     whether the family's SSTs are key-ordered: merged by key, never split into hash ranges,
     *                       and written key-ordered
     * @param ssts           the family's live SSTs <b>oldest first</b>: the reverse of the order a lookup reads them
     * @param usedKeyFilters the used-key filters of the family's live meta files, one per meta file (empty ones
     *                       allowed)
     * @param carriedObsolete obsolete marks of the family's meta files left with no live entry that an older meta
     *                       file still needs (it lists those SSTs): the newest meta file a merge writes repeats
     *                       them, so that the commit can delete those meta files (see {@code SstFilter.removable})
     */
    public record FamilyInput(int family, boolean multiValued, boolean keyOrdered, List<MetaEntry> ssts,
                              List<MemorySegment> usedKeyFilters, int[] carriedObsolete) {
        /** Copies the lists. */
        public FamilyInput {
            ssts = List.copyOf(ssts);
            usedKeyFilters = List.copyOf(usedKeyFilters);
            carriedObsolete = carriedObsolete.clone();
        }
    }

    /**
     * What the commit publishes and deletes. The new meta files are written, synced and open (their SSTs synced);
     * the caller owns them.
     *
     * @param newMetas      the new meta files; empty when nothing was worth compacting
     * @param sstsToDelete  every merged input SST
     * @param blobsToDelete blobs whose references the merge dropped
     * @param keysWritten   entries written to merged SSTs
     * @param newSsts       merged SSTs written
     * @param bytesRead     bytes of the merged input SSTs
     * @param bytesWritten  bytes of the new SST and meta files
     * @param details       LOG lines: per family, the merges (inputs, outputs with flags) and the moves
     */
    public record Result(List<MetaFile> newMetas, int[] sstsToDelete, int[] blobsToDelete, long keysWritten,
                         int newSsts, long bytesRead, long bytesWritten, String details) {
        /** {@return whether the compaction changed nothing} */
        public boolean isEmpty() {
            return newMetas.isEmpty();
        }
    }

    // One instance per family: a family's merges run on one thread; only the sequence counter is shared.
    private final StoreDirectory store;
    private final SequenceAllocator sequence;
    private final WriteBufferPool buffers;
    private final SstOptions options;
    private final Executor executor;
    private final int maxSubcompactions;
    private final List<MetaFile> openedMetas = new ArrayList<>();
    private final IntArrayList sstsToDelete = new IntArrayList();
    private final IntHashSet blobsToDelete = new IntHashSet();
    private final StringBuilder details = new StringBuilder();
    private long keysWritten;
    private int newSsts;
    private long bytesRead;
    private long bytesWritten;

    private Compactor(StoreDirectory store, SequenceAllocator sequence, WriteBufferPool buffers, SstOptions options,
                      Executor executor, int maxSubcompactions) {
        this.store = store;
        this.sequence = sequence;
        this.buffers = buffers;
        this.options = options;
        this.executor = executor;
        this.maxSubcompactions = maxSubcompactions;
    }

    /**
     * Compacts {@code families}: selects with {@code limits} (the segment budget shared across families, in list
     * order), then merges and moves, one family per task on {@code executor} (the calling thread takes one), and
     * writes the new files numbered from {@code sequence}. Returns only after every family's task has ended.
     *
     * @param separateCategories whether cold and other SSTs are kept apart (false merges them together, for a full
     *                           compaction that must leave no key twice)
     * @param executor           runs the families in parallel; {@code null} runs them one after another
     * @param buffers            the store's write buffer pool, which the output writers borrow from
     * @param options            the output SSTs' block budgets, compression and key filter width
     * @param store              the store's directory and the layer its writes go through
     * @param families           per family, its current meta files and SSTs
     * @param limits             the selection's budget and the output files' size limits
     * @param sequence           the operation's sequence counter, from which each new file takes its number
     * @return the new meta files, what they make obsolete, and the figures for the commit and the LOG
     * @throws IOException when reading an input or writing an output fails; files already written stay for the
     *                     caller's rollback, the meta files opened so far are closed
     */
    public static Result compact(StoreDirectory store, List<FamilyInput> families, CompactConfig limits,
                                 boolean separateCategories, SequenceAllocator sequence, Executor executor,
                                 WriteBufferPool buffers, SstOptions options)
            throws IOException {
        List<FamilyInput> selectedFamilies = new ArrayList<>();
        List<List<int[]>> selectedSegments = new ArrayList<>();
        int budget = limits.maxMergeSegmentCount();
        for (FamilyInput family : families) {
            if (budget <= 0) {
                break;
            }
            if (!separateCategories && family.usedKeyFilters().size() == 1
                    && settled(family.ssts(), family.keyOrdered())) {
                continue; // the output of one earlier full compaction: merging it again changes nothing
            }
            List<MergeSegmentSelector.Compactable> compactables = new ArrayList<>(family.ssts().size());
            for (MetaEntry entry : family.ssts()) {
                compactables.add(new MergeSegmentSelector.Compactable(entry.minHash(), entry.maxHash(),
                        entry.sstSize(), separateCategories && entry.cold() ? 1 : 0));
            }
            MergeSegmentSelector.Selection selection = byKeyRange(family)
                    ? MergeSegmentSelector.selectByKey(keyedCompactables(family, separateCategories),
                            limits.withMaxMergeSegmentCount(budget))
                    : MergeSegmentSelector.select(compactables, limits.withMaxMergeSegmentCount(budget));
            budget -= selection.mergeJobCount();
            if (selection.mergeJobCount() > 0) {
                selectedFamilies.add(family);
                selectedSegments.add(selection.segments());
            }
        }
        List<Compactor> compactors = new ArrayList<>();
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        Throwable failure = null;
        for (int i = 0; i < selectedFamilies.size(); i++) {
            Compactor compactor = new Compactor(store, sequence, buffers, options, executor,
                    limits.maxSubcompactions());
            compactors.add(compactor);
            FamilyInput family = selectedFamilies.get(i);
            List<int[]> segments = selectedSegments.get(i);
            if (executor == null || i == selectedFamilies.size() - 1) {
                try {
                    compactor.compactFamily(family, segments);
                } catch (IOException | RuntimeException | Error e) {
                    failure = e;
                    break;
                }
            } else {
                tasks.add(CompletableFuture.runAsync(() -> {
                    try {
                        compactor.compactFamily(family, segments);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, executor));
            }
        }
        for (CompletableFuture<Void> task : tasks) { // every task ends before a rollback may delete files
            try {
                task.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            for (Compactor compactor : compactors) {
                compactor.openedMetas.forEach(MetaFile::close);
            }
            switch (failure) {
                case IOException e -> throw e;
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IOException("compaction failed", failure);
            }
        }
        List<MetaFile> newMetas = new ArrayList<>();
        IntArrayList inputs = new IntArrayList();
        IntHashSet blobs = new IntHashSet();
        StringBuilder details = new StringBuilder();
        long keys = 0;
        int ssts = 0;
        long read = 0;
        long written = 0;
        for (Compactor compactor : compactors) {
            newMetas.addAll(compactor.openedMetas);
            inputs.addAll(compactor.sstsToDelete);
            blobs.addAll(compactor.blobsToDelete);
            details.append(compactor.details);
            keys += compactor.keysWritten;
            ssts += compactor.newSsts;
            read += compactor.bytesRead;
            written += compactor.bytesWritten;
        }
        return new Result(newMetas, sortedUnsigned(inputs.toIntArray()),
                sortedUnsigned(blobs.stream().mapToInt(Integer::intValue).toArray()), keys, ssts, read, written,
                details.toString());
    }

    /**
     * Whether the family's SSTs are selected by key range: a key-ordered family's SSTs span the hash space, and
     * those written before meta entries had key ranges have none.
     */
    private static boolean byKeyRange(FamilyInput family) {
        return family.keyOrdered() && family.ssts().stream().allMatch(entry -> entry.keyRange() != null);
    }

    /** The family's SSTs as the selector sees them by key range. */
    private static List<MergeSegmentSelector.KeyedCompactable> keyedCompactables(FamilyInput family,
                                                                                 boolean separateCategories) {
        List<MergeSegmentSelector.KeyedCompactable> keyed = new ArrayList<>(family.ssts().size());
        for (MetaEntry entry : family.ssts()) {
            keyed.add(new MergeSegmentSelector.KeyedCompactable(entry.keyRange().min(), entry.keyRange().max(),
                    entry.sstSize(), separateCategories && entry.cold() ? 1 : 0));
        }
        return keyed;
    }

    /**
     * Whether {@code ssts}, all listed by one meta file, are what a full compaction leaves: nothing fresh, and no
     * two SSTs of one temperature overlapping. Warm and cold SSTs of one merge overlap in hash range but never
     * share a key (one filter decided each key's temperature), and a meta file with a moved SST always comes with
     * an older one of the same compaction, so such a family holds no key twice. A key-ordered family's SSTs all
     * span the hash space; one meta file listing nothing fresh is a compaction's output, whose SSTs share no key.
     */
    private static boolean settled(List<MetaEntry> ssts, boolean keyOrdered) {
        if (keyOrdered) {
            return ssts.stream().noneMatch(MetaEntry::fresh);
        }
        for (int temperature = 0; temperature < 2; temperature++) {
            List<MetaEntry> same = new ArrayList<>();
            for (MetaEntry entry : ssts) {
                if (entry.fresh()) {
                    return false;
                }
                if (entry.cold() == (temperature == 1)) {
                    same.add(entry);
                }
            }
            same.sort((a, b) -> Long.compareUnsigned(a.minHash(), b.minHash()));
            for (int i = 1; i < same.size(); i++) {
                if (Long.compareUnsigned(same.get(i).minHash(), same.get(i - 1).maxHash()) <= 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** One SST a segment leaves in the family: a merged output (summary set) or a moved SST (moved set). */
    record Output(int seq, int flags, SstSummary summary, MetaEntry moved) {}

    private void compactFamily(FamilyInput family, List<int[]> segments) throws IOException {
        int familyIndex = family.family();
        // Segments oldest first; each yields its outputs. Merging in this order makes outputs number upwards.
        List<List<Output>> outputs = new ArrayList<>(segments.size());
        IntArrayList obsolete = new IntArrayList();
        StringBuilder log = new StringBuilder();
        // One arena holds the merged used-key filter and the key filter of every merged output (built by
        // SstWriter.finish) until the meta files are written: no key filter on the heap, and all of it freed when
        // the family is done, whether it succeeds or not. Confined unless a merge is split into ranges, whose
        // threads read the used-key filter and allocate their outputs' filters (closing a shared arena costs a
        // handshake with every thread, which small compactions need not pay).
        boolean split = false;
        for (int[] segment : segments) {
            List<MetaEntry> inputs = new ArrayList<>(segment.length);
            for (int index : segment) {
                inputs.add(family.ssts().get(index));
            }
            split |= segment.length > 1 && rangeCount(inputs, family.keyOrdered()) > 1;
        }
        try (Arena arena = split ? Arena.ofShared() : Arena.ofConfined()) {
            MemorySegment usedKeys = UsedKeyFilter.merge(family.usedKeyFilters(), arena);
            for (int[] segment : segments) {
                if (segment.length == 1) {
                    MetaEntry entry = family.ssts().get(segment[0]);
                    outputs.add(List.of(new Output(entry.sstSeq(), entry.flags(), null, entry)));
                    log.append(String.format(Locale.ROOT, "  family %d sst %08d %s MOVED%n", familyIndex,
                            Integer.toUnsignedLong(entry.sstSeq()),
                            StoreLog.hashRangeMap(entry.minHash(), entry.maxHash())));
                    continue;
                }
                List<MetaEntry> inputs = new ArrayList<>(segment.length);
                for (int index : segment) {
                    MetaEntry input = family.ssts().get(index);
                    inputs.add(input);
                    obsolete.addInt(input.sstSeq());
                    bytesRead += input.sstSize();
                    log.append(String.format(Locale.ROOT, "  family %d sst %08d %s MERGE INPUT%n", familyIndex,
                            Integer.toUnsignedLong(input.sstSeq()),
                            StoreLog.hashRangeMap(input.minHash(), input.maxHash())));
                }
                List<Output> merged = merge(inputs, segment, family.multiValued(), family.keyOrdered(), usedKeys,
                        arena);
                for (Output output : merged) {
                    log.append(String.format(Locale.ROOT, "  family %d sst %08d %s MERGE OUTPUT %d bytes %d entries"
                            + " %s%n", familyIndex, Integer.toUnsignedLong(output.seq()),
                            StoreLog.hashRangeMap(output.summary().minHash(), output.summary().maxHash()),
                            output.summary().fileSize(), output.summary().entryCount(),
                            output.flags() == MetaEntry.COLD ? "COLD" : "WARM"));
                }
                outputs.add(merged);
            }
            sstsToDelete.addAll(obsolete);
            for (int seq : family.carriedObsolete()) { // consumed by earlier compactions: already deleted
                obsolete.addInt(seq);
            }
            writeMetas(familyIndex, outputs, sortedUnsigned(obsolete.toIntArray()));
        }
        details.append(log);
    }

    /**
     * Merges {@code inputs} (oldest first; {@code ranks} their ages) into new SSTs, whose key filters go to
     * {@code filters}: split into hash ranges ({@link #rangeCount}), one {@link RangeMerge} each, run in parallel
     * over the same readers. Returns after every range has ended; cold outputs first, each temperature's in hash
     * order.
     */
    private List<Output> merge(List<MetaEntry> inputs, int[] ranks, boolean multiValued, boolean keyOrdered,
                               MemorySegment usedKeys, SegmentAllocator filters)
            throws IOException {
        List<SstReader> readers = new ArrayList<>(inputs.size());
        try {
            for (MetaEntry input : inputs) {
                readers.add(SstReader.open(store.path(StoreFileNames.Kind.SST, input.sstSeq()), input.sstSeq(),
                        input.blockCount(), input.sstSize(), Advice.SEQUENTIAL));
            }
            long[] starts = RangeSplit.starts(inputs, rangeCount(inputs, keyOrdered));
            List<RangeMerge> ranges = new ArrayList<>(starts.length);
            for (int r = 0; r < starts.length; r++) {
                long to = r + 1 < starts.length ? starts[r + 1] - 1 : -1L;
                // split: the family's arena is shared, so a pool thread may allocate the outputs' filters
                ranges.add(new RangeMerge(store, sequence, buffers, options, readers, ranks, multiValued, keyOrdered,
                        usedKeys, filters, starts.length > 1 ? executor : null, starts[r], to));
            }
            runAll(ranges, maxSubcompactions, executor);
            List<Output> written = new ArrayList<>();
            for (int flags : new int[] {MetaEntry.COLD, WARM}) {
                for (RangeMerge range : ranges) {
                    for (Output output : range.written) {
                        if (output.flags() == flags) {
                            written.add(output);
                        }
                    }
                }
            }
            for (RangeMerge range : ranges) {
                blobsToDelete.addAll(range.blobsToDelete);
                keysWritten += range.keysWritten;
                bytesWritten += range.bytesWritten;
                newSsts += range.written.size();
            }
            return written;
        } finally {
            readers.forEach(SstReader::close);
        }
    }

    /**
     * How many hash ranges a merge of {@code inputs} is split into: {@value #RANGES_PER_THREAD} per merging thread
     * ({@link CompactConfig#maxSubcompactions()}; one range when that is 1), and no more than leaves each range
     * {@link CompactConfig#MIN_SUBCOMPACTION_BYTES} of input; one for a key-ordered family, whose SSTs have no hash
     * order to split.
     */
    private int rangeCount(List<MetaEntry> inputs, boolean keyOrdered) {
        if (keyOrdered || maxSubcompactions == 1) {
            return 1;
        }
        long bytes = 0;
        for (MetaEntry input : inputs) {
            bytes += input.sstSize();
        }
        return (int) Math.clamp(bytes / CompactConfig.MIN_SUBCOMPACTION_BYTES, 1,
                (long) maxSubcompactions * RANGES_PER_THREAD);
    }

    /**
     * Runs every range on at most {@code threads} threads at once: the calling thread and {@code threads - 1} tasks
     * on {@code executor} (when there is one), each taking the next range not yet taken until none is left, so a
     * thread that ends a range early, or gets more of the cores, takes on more of them. The calling thread then
     * runs any of those tasks no pool thread has started (so a saturated pool, busy with other families' merges
     * that wait for their own ranges, cannot deadlock; the task finds no range left or takes the rest) and waits
     * for the others. After a range fails no thread takes another. Returns or throws only after every started range
     * has ended, so a rollback never deletes a file a range still writes; waits through interrupts for that.
     */
    private static void runAll(List<RangeMerge> ranges, int threads, Executor executor) throws IOException {
        AtomicInteger nextRange = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Callable<Void> worker = () -> {
            for (int r; failures.isEmpty() && (r = nextRange.getAndIncrement()) < ranges.size();) {
                try {
                    ranges.get(r).run();
                } catch (IOException | RuntimeException | Error e) {
                    failures.add(e);
                }
            }
            return null;
        };
        List<FutureTask<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < Math.min(threads, ranges.size()); i++) {
            tasks.add(new FutureTask<>(worker));
        }
        for (int i = 1; i < tasks.size() && executor != null; i++) {
            try {
                executor.execute(tasks.get(i));
            } catch (RejectedExecutionException e) {
                break; // the store is closing: the loop below runs them here
            }
        }
        for (FutureTask<Void> task : tasks) {
            task.run(); // returns at once when a pool thread has started or finished it
            Tasks.awaitUninterruptibly(task); // the worker records its ranges' failures instead of throwing
        }
        Throwable failure = failures.poll();
        for (Throwable other = failures.poll(); other != null; other = failures.poll()) {
            failure.addSuppressed(other);
        }
        switch (failure) {
            case null -> {}
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IOException("compaction range failed", failure);
        }
    }

    /**
     * Writes the family's new meta files: segments newest first go into one meta file while every SST number of
     * the next (older) segment is below every number already in it, otherwise into a new, older meta file. The
     * newest meta file lists the obsolete SSTs.
     */
    private void writeMetas(int family, List<List<Output>> segmentOutputs, int[] obsolete) throws IOException {
        List<List<Output>> groups = new ArrayList<>(); // newest first
        List<Output> group = null;
        long groupMin = Long.MAX_VALUE;
        for (int i = segmentOutputs.size() - 1; i >= 0; i--) {
            List<Output> segment = segmentOutputs.get(i);
            long segmentMax = -1;
            long segmentMin = Long.MAX_VALUE;
            for (Output output : segment) {
                segmentMax = Math.max(segmentMax, Integer.toUnsignedLong(output.seq()));
                segmentMin = Math.min(segmentMin, Integer.toUnsignedLong(output.seq()));
            }
            if (group == null || segmentMax >= groupMin) {
                group = new ArrayList<>();
                groups.add(group);
                groupMin = Long.MAX_VALUE;
            }
            group.addAll(segment);
            groupMin = Math.min(groupMin, segmentMin);
        }
        int[] metaSeqs = new int[groups.size()];
        for (int g = groups.size() - 1; g >= 0; g--) {
            metaSeqs[g] = sequence.next(); // the newest group gets the highest number
        }
        for (int g = 0; g < groups.size(); g++) {
            writeMeta(family, metaSeqs[g], groups.get(g), g == 0 ? obsolete : new int[0]);
            if (groups.size() > 1) {
                details.append(String.format(Locale.ROOT, "  family %d meta %08d: %d SSTs%s%n", family,
                        Integer.toUnsignedLong(metaSeqs[g]), groups.get(g).size(),
                        g == 0 ? ", obsolete list" : ""));
            }
        }
    }

    private void writeMeta(int family, int metaSeq, List<Output> outputs, int[] obsolete) throws IOException {
        List<MetaEntry> entries = new ArrayList<>(outputs.size());
        for (Output output : outputs) {
            if (output.moved() != null) {
                entries.add(output.moved());
            } else {
                SstSummary summary = output.summary();
                entries.add(new MetaEntry(output.seq(), summary.blockCount(), summary.minHash(),
                        summary.maxHash(), summary.fileSize(), output.flags(), summary.entryCount(),
                        summary.keyFilter(),
                        MetaEntry.KeyRange.of(summary.minKey(), summary.maxKey())));
            }
        }
        MetaFile meta = MetaFileWriter.create(store, metaSeq, family, obsolete, entries, MemorySegment.NULL);
        openedMetas.add(meta);
        bytesWritten += meta.byteSize();
    }

    private static int[] sortedUnsigned(int[] seqs) {
        long[] unsigned = new long[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            unsigned[i] = Integer.toUnsignedLong(seqs[i]);
        }
        Arrays.sort(unsigned);
        int[] sorted = new int[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            sorted[i] = (int) unsigned[i];
        }
        return sorted;
    }
}
