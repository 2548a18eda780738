package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;

/**
 * What the stores segmented by time ({@link TurboKvWindowStore}, {@link TurboKvSessionStore}) share as Kafka
 * Streams state stores: their {@link Segments}, the position of the writes they hold, their life cycle (init,
 * commit, close), interactive queries v2 (answered by {@code StoreQueries}), and the restore callback. A segment key
 * is the record key followed by a suffix whose first 8 bytes (big-endian) are the time that picks the segment: the
 * window start of a window store, the session end of a session store.
 *
 * <p><b>Commits.</b> A Streams commit writes each segment that holds buffered writes as one TurboKV write batch,
 * with a {@link CommitRecord} (the store's position and changelog offsets, and the segments the commit writes) in
 * every one of them; a commit that writes no segment but changes the offsets writes the record into the newest
 * segment, and when there is none keeps the offsets it had (it reports no offset it did not write). The store manages its changelog offsets ({@link #managesOffsets()}) as the key-value store does, and a
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
    /** The newest complete commit: the store's committed position and offsets. */
    private CommitRecord committed = CommitRecord.NONE;
    /** The epoch of the newest commit record written (or attempted), so that every commit has a new one. */
    private long epoch;
    /** The store's Streams metrics: the sums over its segments. */
    private StoreMetrics metrics;

    SegmentedStore(String name, long retentionPeriod, long segmentInterval, int suffixBytes,
                   TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name);
        this.segments = new Segments(name, retentionPeriod, segmentInterval,
                Objects.requireNonNull(configChoice, "configChoice"));
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
        metrics = StoreMetrics.register(context, name, segments::metricsSnapshot);
        context.register(root, restoreCallback());
    }

    /**
     * Commits every segment's buffered writes with a commit record that carries the store's position and
     * {@code changelogOffsets} (applied as {@link TurboKvKeyValueStore#commit(Map)} applies them); see the class
     * comment.
     *
     * @throws org.apache.kafka.streams.errors.ProcessorStateException when a segment's write or commit fails; the
     *                                                                 buffers not yet written are kept
     */
    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        checkOpen();
        writeCommit(ChangelogOffsets.apply(committed.offsets(), changelogOffsets), false);
    }

    @Override
    Map<TopicPartition, Long> committedOffsets() {
        return committed.offsets();
    }

    /**
     * Records a write of the current record to a segment in the store's position, and spills the buffered writes
     * when they have grown past {@link TurboKvKeyValueStore#SPILL_BYTES} and Streams does not commit the store after
     * every transaction (see the class comment).
     */
    void afterWrite() {
        recordWrite();
        if (spillDue(segments.approximateNumUncommittedBytes())) {
            writeCommit(exactlyOnce ? Map.of() : committed.offsets(), exactlyOnce);
        }
    }

    /**
     * Writes each segment with buffered writes, and a commit record with {@code offsets} in each (the newest
     * segment's only when none has writes and the offsets change); {@code forgetOffsets} for writes that may belong
     * to a transaction that aborts.
     */
    private void writeCommit(Map<TopicPartition, Long> offsets, boolean forgetOffsets) {
        NavigableMap<Long, TurboKvKeyValueStore> written = segments.withBufferedWrites();
        if (written.isEmpty()) {
            Map.Entry<Long, TurboKvKeyValueStore> newest = segments.newest();
            if (offsets.equals(committed.offsets()) || newest == null) {
                // without a segment, no record can hold the offsets: the store reports only offsets it wrote (and
                // a store without segments holds nothing that a restore from older offsets could get wrong)
                return;
            }
            written.put(newest.getKey(), newest.getValue());
        }
        long[] ids = written.keySet().stream().mapToLong(Long::longValue).toArray();
        CommitRecord record = forgetOffsets ? committed.nextForgettingOffsets(++epoch, ids, position)
                : committed.next(++epoch, ids, position, offsets);
        byte[] encoded = record.encode();
        for (TurboKvKeyValueStore segment : written.values()) {
            segment.writeBuffer(Map.of(CommitRecord.KEY, encoded));
        }
        committed = record;
    }

    /** The estimated heap held by the segments' write buffers. */
    @Override
    public synchronized long approximateNumUncommittedBytes() {
        return open ? segments.approximateNumUncommittedBytes() : 0;
    }

    /** Closes every segment, dropping their buffered writes (as {@link TurboKvKeyValueStore#close()}). */
    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        metrics.remove();
        segments.close();
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
    }

    /**
     * Writes the record to its segment (its key is a segment key); a record of a segment expired (by the end of its
     * batch) is dropped and, as in Kafka's store, does not move the position.
     */
    @Override
    boolean restoreRecord(ConsumerRecord<byte[], byte[]> record) {
        TurboKvKeyValueStore segment = segments.liveSegment(time(record.key()));
        if (segment == null) {
            return false;
        }
        segment.put(Bytes.wrap(record.key()), record.value());
        return true;
    }

    /** {@return the time that picks the segment of {@code segmentKey}} */
    private long time(byte[] segmentKey) {
        return ByteBuffer.wrap(segmentKey, segmentKey.length - suffixBytes, Long.BYTES).getLong();
    }

    /** Commits the segments the batch wrote, with the committed offsets unchanged. */
    @Override
    void commitRestored() {
        writeCommit(committed.offsets(), false);
    }
}
