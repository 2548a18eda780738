package io.turbokv.compaction;

import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.SequenceAllocator;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.meta.MetaEntry;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.MergeIterator;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.sst.SstOptions;
import io.turbokv.sst.SstReader;
import io.turbokv.sst.SstSummary;
import io.turbokv.sst.SstWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.agrona.collections.IntHashSet;

/**
 * The merge of one hash range {@code [from, to]} (unsigned, inclusive) of a merge job's inputs into new SSTs, on
 * the thread that calls {@link #run()}: a job split into ranges ({@link RangeSplit}) runs one of these per range,
 * in parallel, over the same open {@link SstReader}s (each range iterates them with iterators of its own, started
 * at {@code from} through the index). Every entry of a hash falls into one range, so a key's entries are merged
 * by one range and the merge rules ({@link Compactor}) apply per range unchanged; the ranges' outputs together hold
 * exactly the entries one range over the whole space would write, cut into more files.
 *
 * <p>Everything a range writes is its own until {@link #run()} returns: its writers (confined to its thread, so
 * they are finished or abandoned there), its finished SSTs, its counters and the blobs it dropped. The key filters
 * of its SSTs are allocated from the job's {@code filters}, which must accept allocations from the range's thread
 * and, when a {@code filterBuilder} is given, from that executor's threads: each SST's filter is built there while
 * the range's thread writes the file's index and syncs it ({@link SstWriter#finish(SegmentAllocator,
 * java.util.concurrent.Executor)}).
 */
final class RangeMerge {
    private final StoreDirectory store;
    private final SequenceAllocator sequence;
    private final WriteBufferPool buffers;
    private final SstOptions options;
    private final List<SstReader> inputs;
    private final int[] ranks;
    private final boolean multiValued;
    /** Whether the inputs and outputs are key-ordered SSTs (one range covers the whole family then). */
    private final boolean keyOrdered;
    private final MemorySegment usedKeys;
    private final SegmentAllocator filters;
    /** Where the outputs' key filters are built while their files are synced; null: on the range's thread. */
    private final Executor filterBuilder;
    private final long from;
    private final long to;

    /** Blobs whose references this range dropped. */
    final IntHashSet blobsToDelete = new IntHashSet();
    /** The SSTs written, cold ones first (each temperature in the order written). */
    final List<Compactor.Output> written = new ArrayList<>();
    long keysWritten;
    long bytesWritten;
    /** Whether the rest of the current key's entries are dropped (older than its kept ones). */
    private boolean skipRest;

    RangeMerge(StoreDirectory store, SequenceAllocator sequence, WriteBufferPool buffers, SstOptions options,
               List<SstReader> inputs, int[] ranks, boolean multiValued, boolean keyOrdered, MemorySegment usedKeys,
               SegmentAllocator filters, Executor filterBuilder, long from, long to) {
        this.store = store;
        this.sequence = sequence;
        this.buffers = buffers;
        this.options = options;
        this.inputs = inputs;
        this.ranks = ranks;
        this.multiValued = multiValued;
        this.keyOrdered = keyOrdered;
        this.usedKeys = usedKeys;
        this.filters = filters;
        this.filterBuilder = filterBuilder;
        this.from = from;
        this.to = to;
    }

    /**
     * Merges the range. On failure the unfinished SSTs are abandoned (their files stay for the rollback).
     *
     * @throws IOException when reading an input or writing an output fails
     */
    void run() throws IOException {
        List<SstEntryIterator> iterators = new ArrayList<>(inputs.size());
        OutputWriter warm = new OutputWriter(Compactor.WARM);
        OutputWriter cold = new OutputWriter(MetaEntry.COLD);
        try {
            for (SstReader input : inputs) {
                iterators.add(keyOrdered ? input.iterator(true) : input.iterator(true, from));
            }
            MergeIterator merge = new MergeIterator(iterators, ranks, keyOrdered);
            while (mergeNext(merge, warm, cold)) {
                // each call merges one entry
            }
            warm.close();
            cold.close();
            written.addAll(cold.written);
            written.addAll(warm.written);
        } finally {
            warm.abandon();
            cold.abandon();
            iterators.forEach(SstEntryIterator::close);
        }
    }

    /**
     * Moves {@code merge} to its next entry and writes that entry to {@code warm} or {@code cold} under the merge
     * rules ({@link Compactor}; the file cuts: {@link OutputWriter}), or skips it.
     *
     * <p>One call per entry, not the body of {@link #run()}'s loop, for the JIT. A hot loop in a method called once
     * per range is compiled twice by C2, each time with the whole merge path inlined: by on-stack replacement,
     * late (hundreds of thousands of entries into the first range on a busy machine) and for the thread in it
     * only, then as a whole method at the next call, while that range runs the loop's profiled C1 code. This
     * method is compiled once, after a few thousand calls, and every range's thread and every later compaction of
     * the JVM runs that code. It is one method of more than 325 bytes of bytecode (C2's {@code FreqInlineSize}),
     * so that the loop's own compilations never inline it: keep the per-entry work here, not in small helpers.
     *
     * @return false at the range's end (past {@code to}, or every input exhausted)
     */
    private boolean mergeNext(MergeIterator merge, OutputWriter warm, OutputWriter cold) throws IOException {
        if (!merge.next()) {
            return false;
        }
        long hash = merge.hash();
        if (Long.compareUnsigned(hash, to) > 0) {
            return false;
        }
        MemorySegment keySegment = merge.keySegment();
        long keyOffset = merge.keyOffset();
        long keyLength = merge.keyLength();
        boolean sameKey = !merge.startsNewKey();
        if (!sameKey) {
            skipRest = false;
        }
        EntryKind kind = merge.kind();
        if (skipRest) {
            if (kind == EntryKind.BLOB) {
                blobsToDelete.add(merge.blobSeq());
            }
            return true;
        }
        skipRest = !multiValued || kind == EntryKind.TOMBSTONE;
        // sameKey: the entry before in the merge had the same key and so went to this output too (a key's
        // temperature depends on its hash only)
        OutputWriter output = UsedKeyFilter.contains(usedKeys, hash) ? warm : cold;
        if (output.head != null && !sameKey) {
            output.finishHead();
        }
        if (output.head != null && kind == EntryKind.TOMBSTONE) {
            output.head.addTombstone(hash, keySegment, keyOffset, keyLength); // hasRoomFor kept room for it
            output.finishHead();
            return true;
        }
        long valueBytes = kind != EntryKind.VALUE ? 0
                : merge.isRawMediumValue() ? merge.rawBlockLength() : merge.valueLength();
        boolean newGroup = keyOrdered ? !sameKey : hash != output.lastHash;
        SstWriter writer = output.writer;
        if (writer != null && ((newGroup
                && writer.isFull(Compactor.MAX_ENTRIES_PER_COMPACTED_FILE,
                        Compactor.DATA_THRESHOLD_PER_COMPACTED_FILE))
                || !writer.hasRoomFor(keyLength, valueBytes))) {
            if (sameKey && output.head == null) {
                output.head = writer;
                output.headSeq = output.seq;
                output.writer = null;
            } else {
                output.finishCurrent();
            }
            writer = null;
        }
        if (writer == null) {
            output.seq = sequence.next();
            writer = new SstWriter(store.files().create(store.path(StoreFileNames.Kind.SST, output.seq)), buffers,
                    true, keyOrdered, options);
            output.writer = writer;
        }
        switch (kind) {
            case VALUE -> {
                if (merge.isRawMediumValue()) {
                    writer.addMediumRaw(hash, keySegment, keyOffset, keyLength, merge.rawBlockSegment(),
                            merge.rawBlockOffset(), merge.rawBlockLength());
                } else {
                    writer.addValue(hash, keySegment, keyOffset, keyLength, merge.valueSegment(),
                            merge.valueOffset(), merge.valueLength());
                }
            }
            case TOMBSTONE -> writer.addTombstone(hash, keySegment, keyOffset, keyLength);
            case BLOB -> writer.addBlob(hash, keySegment, keyOffset, keyLength, merge.blobSeq());
        }
        output.lastHash = hash;
        return true;
    }

    /**
     * The merged SSTs of one temperature, written by {@link #mergeNext}: it opens a file at the first entry and
     * cuts it where the hash (a key-ordered family: the key) changes once it is full ({@link SstWriter#isFull}), or
     * wherever it must ({@link SstWriter#hasRoomFor}), which only a run of one hash larger than an SST can force.
     *
     * <p>Cut inside one key's entries (a multi-valued key with more values than an SST holds), the file with the
     * key's first entries stays open as the key's <em>head</em> while the rest go on in new files. Those number
     * higher, so a lookup, which reads a meta file's SSTs by descending sequence number, reads them first and the
     * head last: the key's tombstone, when its entries end with one, goes into the head, so that it still ends
     * the lookup only after every value of the key has been read. The head is finished when the key's entries end.
     * Keys whose hashes merely collide need no head: each key's entries are whole in one file or follow this rule.
     */
    private final class OutputWriter {
        private final int flags;
        private final List<Compactor.Output> written = new ArrayList<>();
        private SstWriter writer;
        private int seq;
        private long lastHash;
        /** The file holding the current key's first entries, cut away from the rest of them; or null. */
        private SstWriter head;
        private int headSeq;

        OutputWriter(int flags) {
            this.flags = flags;
        }

        /** Finishes the open SSTs, if any: the head and the current one. */
        void close() throws IOException {
            finishHead();
            finishCurrent();
        }

        private void finishCurrent() throws IOException {
            if (writer != null) {
                SstWriter finishing = writer;
                writer = null;
                finished(seq, finishing);
            }
        }

        private void finishHead() throws IOException {
            if (head != null) {
                SstWriter finishing = head;
                head = null;
                finished(headSeq, finishing);
            }
        }

        private void finished(int finishedSeq, SstWriter finishing) throws IOException {
            SstSummary summary;
            try {
                summary = finishing.finish(filters, filterBuilder);
            } catch (IOException | RuntimeException e) {
                finishing.abandon();
                throw e;
            }
            written.add(new Compactor.Output(finishedSeq, flags, summary, null));
            keysWritten += summary.entryCount();
            bytesWritten += summary.fileSize();
        }

        /** Drops the unfinished SSTs (the rollback deletes their files). */
        void abandon() {
            if (head != null) {
                head.abandon();
                head = null;
            }
            if (writer != null) {
                writer.abandon();
                writer = null;
            }
        }
    }
}
