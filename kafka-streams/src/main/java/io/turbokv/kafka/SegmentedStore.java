package io.turbokv.kafka;

import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.QueryConfig;

/**
 * What the stores segmented by time ({@link TurboKvWindowStore}, {@link TurboKvSessionStore}) share as Kafka
 * Streams state stores: their {@link Segments}, the position of the writes they hold, their life cycle (init,
 * commit, close), interactive queries v2 (answered by {@code StoreQueries}), and the restore callback. A segment key
 * is the record key followed by a suffix whose first 8 bytes (big-endian) are the time that picks the segment: the
 * window start of a window store, the session end of a session store.
 *
 * <p><b>Commits.</b> A commit writes each segment that holds writes as one TurboKV write batch, with a
 * {@link CommitRecord} (the store's position and changelog offsets, and the segments the commit writes) in every one
 * of them; a commit that writes no segment but changes the offsets writes the record into the newest segment, and
 * when there is none keeps the offsets it had (it reports no offset it did not write). A store without a changelog
 * so writes every Streams commit. A store with a changelog defers, as the key-value store does: a Streams commit
 * moves each segment's buffered writes into its committed writes in memory (which reads see) and keeps the position
 * and offsets, and all of them are written as one such commit once they pass their size or age bound
 * ({@link CommitBuffer}, over all the segments), at {@link #flush()} and at {@link #close()}; a crash loses them
 * with their offsets, and Streams restores them from the changelog. Such a write claims the write slot of every
 * segment it writes before it writes any, and when a segment's compaction holds one, writes none and waits for a
 * later commit (up to twice the bound), so that every commit record written is complete but for a crash midway. The store manages its changelog offsets ({@link #managesOffsets()}) as the key-value store does, and a
 * reopened store takes its position and offsets from the newest commit that reached all its segments, so that a
 * crash between two segments' batches leaves a store whose offsets are those of the commit before (see
 * {@link CommitRecord}). Without {@code enable.transactional.statestores}, writes past
 * {@link TurboKvKeyValueStore#SPILL_BYTES} are written before Streams commits, as the key-value store does, with
 * no offsets under exactly-once.
 *
 * <p>Thread-safe: every method locks the store.
 */
abstract sealed class SegmentedStore extends StreamsStore permits TurboKvWindowStore, TurboKvSessionStore {
    /** The store's segments, one TurboKV store each. */
    final Segments segments;
    /** The bytes of a segment key after the record key; the first 8 are the time that picks the segment. */
    private final int suffixBytes;
    /** The newest commit record written: on disk, the store's position and offsets (but for a crash midway). */
    private CommitRecord committed = CommitRecord.NONE;
    /** The changelog offsets of the store's data, written or committed and kept in memory, as reported. */
    private Map<TopicPartition, Long> committedOffsets = Map.of();
    /** The position of what Streams committed, written or kept in memory. */
    private Position committedPosition = Position.emptyPosition();
    /** Whether Streams commits are kept in memory rather than written: a store with a changelog. */
    private boolean defersCommits;
    /**
     * Set, under the store's lock, while a read-committed interactive query opens its reads
     * ({@link #readingCommitted}), which then leave the segments' write buffers out.
     */
    private boolean committedReads;
    /** When the commits kept in memory are written. */
    private CommitBuffer commitBuffer;
    /** The epoch of the newest commit record written (or attempted), so that every commit has a new one. */
    private long epoch;
    /** The store's Streams metrics: the sums over its segments. */
    private StoreMetrics metrics;

    SegmentedStore(String name, long retentionPeriod, long segmentInterval, int suffixBytes,
                   TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name);
        this.segments = new Segments(name, retentionPeriod, segmentInterval,
                Objects.requireNonNull(configChoice, "configChoice"), compactionHold);
        this.suffixBytes = suffixBytes;
    }

    /**
     * Opens the segments found in {@code <task state dir>/<store name>} and registers the restore callback.
     *
     * @throws org.apache.kafka.streams.errors.ProcessorStateException when a segment cannot be opened or its commit
     *                                                                 record does not decode; the segments opened
     *                                                                 are closed first, so that a retry or a wipe
     *                                                                 of the directory can proceed
     */
    @Override
    public synchronized void init(StateStoreContext context, StateStore root) {
        boolean hasChangelog = context instanceof InternalProcessorContext<?, ?> internal
                && internal.changelogFor(name) != null;
        readSettings(context, true);
        open = true;
        try {
            committed = CommitRecord.latestComplete(segments.open(context, hasChangelog));
        } catch (RuntimeException e) {
            open = false;
            try {
                segments.close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        epoch = committed.epoch();
        position = committed.position().copy();
        committedPosition = committed.position().copy();
        committedOffsets = committed.offsets();
        defersCommits = hasChangelog;
        commitBuffer = CommitBuffer.of(context.appConfigs());
        metrics = StoreMetrics.register(context, name, segments::metricsSnapshot);
        context.register(root, restoreCallback());
    }

    /**
     * Commits every segment's buffered writes with the store's position and {@code changelogOffsets} (applied as
     * {@link TurboKvKeyValueStore#commit(Map)} applies them): written with a commit record, or for a store with a
     * changelog kept in memory until a bound; see the class comment.
     *
     * @throws ProcessorStateException when a segment's write or commit fails; the writes not yet written are kept
     */
    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        checkOpen();
        Map<TopicPartition, Long> offsets = ChangelogOffsets.apply(committedOffsets, changelogOffsets);
        if (!defersCommits) {
            if (writeCommit(offsets, false, false, position)) {
                committedOffsets = committed.offsets();
                committedPosition = position.copy();
            }
            return;
        }
        if (segments.newest() == null
                || segments.approximateNumUncommittedBytes() == 0 && offsets.equals(committedOffsets)) {
            return; // nothing to keep; without a segment no record could hold the offsets, so they are not taken
        }
        segments.keepCommitted();
        committedOffsets = offsets;
        committedPosition = position.copy();
        keepCommitted();
    }

    /** Records that the commit or restore batch just kept joined the writes in memory; writes them past a bound. */
    private void keepCommitted() {
        long bytes = segments.unwrittenBytes();
        commitBuffer.kept(bytes);
        if (commitBuffer.due(bytes)) {
            writeCommit(committedOffsets, false, commitBuffer.mayDefer(bytes), committedPosition);
        }
    }

    @Override
    Map<TopicPartition, Long> committedOffsets() {
        return committedOffsets;
    }

    /** A read-committed query is answered at the position committed with the data, as the key-value store's. */
    @Override
    Position queryPosition(QueryConfig config) {
        return readsCommittedOnly(config) ? committedPosition : position;
    }

    /**
     * {@return what {@code read} returns, its reads opened over what the store committed only: the segments'
     * committed writes in memory and their disk, the write buffers left out} A read-committed interactive query of a
     * transactional store reads so ({@link #readsCommittedOnly}); called under the store's lock, as a query is.
     */
    synchronized <T> T readingCommitted(Supplier<T> read) {
        committedReads = true;
        try {
            return read.get();
        } finally {
            committedReads = false;
        }
    }

    /** {@return whether the reads opened now leave the write buffers out ({@link #readingCommitted})} */
    synchronized boolean committedReads() {
        return committedReads;
    }

    /**
     * Records a write of the current record to a segment in the store's position, and spills the buffered writes
     * (with those kept in memory) when they have grown past {@link TurboKvKeyValueStore#SPILL_BYTES} and Streams does
     * not commit the store after every transaction (see the class comment).
     */
    void afterWrite() {
        recordWrite();
        if (spillDue(segments.approximateNumUncommittedBytes())) {
            if (writeCommit(exactlyOnce ? Map.of() : committedOffsets, exactlyOnce, false, position)) {
                committedOffsets = committed.offsets();
            }
        }
    }

    /**
     * Writes each segment with writes not on disk, and a commit record of {@code recordPosition} and {@code offsets}
     * in each (the newest segment's only when none has writes and the offsets change); {@code forgetOffsets} for
     * writes that may belong to a transaction that aborts. Empty {@code offsets} forget the previous commit's
     * offsets as well. Claims every segment's write slot before it writes any:
     * with {@code mayDefer}, a slot held by a segment's compaction makes it write nothing.
     *
     * @return whether the segments hold no commit left to write: false when there was no segment for the changed
     *         offsets, or the write was deferred
     */
    private boolean writeCommit(Map<TopicPartition, Long> offsets, boolean forgetOffsets, boolean mayDefer,
                                Position recordPosition) {
        NavigableMap<Long, TurboKvKeyValueStore> written = segments.withWrites();
        if (written.isEmpty()) {
            Map.Entry<Long, TurboKvKeyValueStore> newest = segments.newest();
            if (offsets.equals(committed.offsets()) || newest == null) {
                // without a segment, no record can hold the offsets: the store reports only offsets it wrote (and
                // a store without segments holds nothing that a restore from older offsets could get wrong)
                commitBuffer.written();
                return newest != null;
            }
            written.put(newest.getKey(), newest.getValue());
        }
        List<WriteBatch> claims = new ArrayList<>(written.size());
        try {
            for (TurboKvKeyValueStore segment : written.values()) {
                WriteBatch claim = segment.claimWrite(mayDefer);
                if (claim == null) {
                    return false; // a compaction holds this segment's slot: the next commit tries again
                }
                claims.add(claim);
            }
            long[] ids = written.keySet().stream().mapToLong(Long::longValue).toArray();
            // no offsets forget every offset (ChangelogOffsets.apply), the fallback's too: a flush under
            // exactly-once commits none over writes of a transaction that may abort, and a crash between two
            // segments' batches must not fall back to the previous offsets over the batch written
            CommitRecord record = forgetOffsets || offsets.isEmpty()
                    ? committed.nextForgettingOffsets(++epoch, ids, recordPosition)
                    : committed.next(++epoch, ids, recordPosition, offsets);
            Map<byte[], byte[]> metadata = Map.of(CommitRecord.KEY, record.encode());
            int i = 0;
            for (TurboKvKeyValueStore segment : written.values()) {
                WriteBatch claim = claims.set(i++, null);
                segment.writeClaimed(claim, metadata);
            }
            committed = record;
        } finally {
            releaseClaims(claims);
        }
        commitBuffer.written();
        return true;
    }

    /** Closes the batches claimed and not written (a failure midway, or a deferred write), freeing their slots. */
    private void releaseClaims(List<WriteBatch> claims) {
        for (WriteBatch claim : claims) {
            if (claim != null) {
                try {
                    claim.close();
                } catch (IOException e) {
                    throw new ProcessorStateException("store " + name + ": cannot roll back an empty write batch",
                            e);
                }
            }
        }
    }

    /** Writes the commits kept in memory, as {@link #flush()} asks after its commit. */
    @Override
    void writeCommittedWrites() {
        if (commitBuffer.holding()) {
            writeCommit(committedOffsets, false, false, committedPosition);
        }
    }

    /** The estimated heap held by the segments' write buffers. */
    @Override
    public synchronized long approximateNumUncommittedBytes() {
        return open ? segments.approximateNumUncommittedBytes() : 0;
    }

    /**
     * Writes the commits kept in memory, then closes every segment, dropping their buffered writes (as
     * {@link TurboKvKeyValueStore#close()}). Idempotent.
     *
     * @throws ProcessorStateException when the write fails (the store is closed all the same: Streams restores the
     *                                 commits lost from the changelog)
     */
    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        ProcessorStateException writeFailure = null;
        if (commitBuffer.holding()) {
            segments.dropBuffered(); // uncommitted: Streams commits before a clean close
            try {
                writeCommit(committedOffsets, false, false, committedPosition);
            } catch (ProcessorStateException e) {
                writeFailure = e;
            }
        }
        commitBuffer.written(); // written or, after a failure, dropped: no longer held
        open = false;
        metrics.remove();
        segments.close();
        if (writeFailure != null) {
            throw writeFailure;
        }
    }

    /**
     * Moves stream time to the end of the batch first, as Kafka's segmented stores do before they write a record of
     * it, so that no record is written to a segment the batch expires.
     */
    @Override
    void beforeRestore(Collection<ConsumerRecord<byte[], byte[]>> batch) {
        long end = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            end = Math.max(end, time(record.key()));
        }
        if (end != Long.MIN_VALUE) {
            segments.observe(end);
        }
        if (defersCommits && segments.approximateNumUncommittedBytes() > 0) {
            segments.keepCommitted(); // below the restored writes appended next: they are newer
        }
    }

    /**
     * Writes the record to its segment (its key is a segment key); a record of a segment expired (by the end of its
     * batch) is dropped and, as in Kafka's store, does not move the position. A store with a changelog appends it
     * straight to the segment's committed writes in memory, unordered, as the key-value store restores
     * ({@link TurboKvKeyValueStore#appendCommitted}): neither into the segment's write buffer first nor into the
     * committed writes' tree, which a restore crossing many batches would rebuild record by record.
     */
    @Override
    boolean restoreRecord(ConsumerRecord<byte[], byte[]> record) {
        TurboKvKeyValueStore segment = segments.liveSegment(time(record.key()));
        if (segment == null) {
            return false;
        }
        if (defersCommits) {
            segment.appendCommitted(Bytes.wrap(record.key()), record.value());
        } else {
            segment.put(Bytes.wrap(record.key()), record.value());
        }
        return true;
    }

    /** {@return the time that picks the segment of {@code segmentKey}} */
    private long time(byte[] segmentKey) {
        return ByteBuffer.wrap(segmentKey, segmentKey.length - suffixBytes, Long.BYTES).getLong();
    }

    /**
     * Commits the segments the batch wrote, with the committed offsets unchanged: written, or for a store with a
     * changelog kept in memory with its commits.
     */
    @Override
    void commitRestored() {
        if (!defersCommits) {
            writeCommit(committedOffsets, false, false, position);
            committedPosition = position.copy();
        } else if (segments.newest() != null) {
            committedPosition = position.copy(); // the batch's writes are in the committed writes already
            keepCommitted();
        }
    }
}
