package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;

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
abstract sealed class SegmentedStore implements StateStore permits TurboKvWindowStore, TurboKvSessionStore {
    /** The store's name, also its directory's under the task's state directory. */
    final String name;
    /** The store's segments, one TurboKV store each. */
    final Segments segments;
    /** The bytes of a segment key after the record key; the first 8 are the time that picks the segment. */
    private final int suffixBytes;
    /** The position of the writes the store holds (committed or buffered). */
    Position position = Position.emptyPosition();
    /** The context of {@link #init}; null before. */
    StateStoreContext context;
    /** Whether Streams tracks positions ({@code IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED}). */
    boolean consistencyEnabled;
    /** Between {@link #init} and {@link #close}. */
    volatile boolean open;
    /** The newest complete commit: the store's committed position and offsets. */
    private CommitRecord committed = CommitRecord.NONE;
    /** The epoch of the newest commit record written (or attempted), so that every commit has a new one. */
    private long epoch;
    /** Whether Streams commits the store only when closing the task, so that writes are spilled when large. */
    private boolean spills;
    /** Whether the application runs exactly-once, so that a spill forgets the committed offsets. */
    private boolean exactlyOnce;
    /** The store's Streams metrics: the sums over its segments. */
    private StoreMetrics metrics;

    SegmentedStore(String name, long retentionPeriod, long segmentInterval, int suffixBytes,
                   TurboKvKeyValueStore.ConfigChoice configChoice) {
        this.name = Objects.requireNonNull(name, "name");
        this.segments = new Segments(name, retentionPeriod, segmentInterval,
                Objects.requireNonNull(configChoice, "configChoice"));
        this.suffixBytes = suffixBytes;
    }

    @Override
    public String name() {
        return name;
    }

    /** Opens the segments found in {@code <task state dir>/<store name>} and registers the restore callback. */
    @Override
    public synchronized void init(StateStoreContext context, StateStore root) {
        this.context = context;
        boolean hasChangelog = context instanceof InternalProcessorContext<?, ?> internal
                && internal.changelogFor(name) != null;
        consistencyEnabled = Boolean.parseBoolean(String.valueOf(context.appConfigs()
                .get(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED)));
        exactlyOnce = TurboKvKeyValueStore.exactlyOnce(context.appConfigs());
        spills = !TurboKvKeyValueStore.transactional(context.appConfigs());
        open = true;
        committed = CommitRecord.latestComplete(segments.open(context, hasChangelog));
        epoch = committed.epoch();
        position = committed.position().copy();
        metrics = StoreMetrics.register(context, name, segments::metricsSnapshot);
        context.register(root, new RestoreCallback());
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

    /**
     * True: the store commits its changelog offsets with its data (see the class comment), so Kafka Streams keeps no
     * checkpoint file for it and asks it for the offsets ({@link #committedOffset}).
     *
     * @deprecated as in {@link StateStore}: Kafka Streams will require every store to manage its offsets
     */
    @Deprecated
    @Override
    public boolean managesOffsets() {
        return true;
    }

    /** The offset of {@code partition} committed with the data (see {@link #commit(Map)}), or null. */
    @Override
    public synchronized Long committedOffset(TopicPartition partition) {
        checkOpen();
        return committed.offsets().get(partition);
    }

    /**
     * Records a write of the current record to a segment in the store's position, and spills the buffered writes
     * when they have grown past {@link TurboKvKeyValueStore#SPILL_BYTES} and Streams does not commit the store after
     * every transaction (see the class comment).
     */
    void afterWrite() {
        context.recordMetadata().filter(r -> r.topic() != null) // none in a punctuation
                .ifPresent(r -> position.withComponent(r.topic(), r.partition(), r.offset()));
        if (spills && segments.approximateNumUncommittedBytes() >= TurboKvKeyValueStore.SPILL_BYTES) {
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

    /**
     * Writes the buffers as {@link #commit(Map)} does, keeping the committed offsets.
     *
     * @deprecated use {@link #commit(Map)}, as {@link StateStore#flush()} says
     */
    @Deprecated
    @Override
    public synchronized void flush() {
        checkOpen();
        commit(committed.offsets()); // an empty map would forget the offsets, and Streams would rebuild the store
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

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /**
     * Answers an interactive query (IQv2) as Kafka's window and session stores do, once the store's position has
     * reached {@code positionBound} on its task's input partition (see {@code StoreQueries}); the result carries the
     * position.
     */
    @Override
    public synchronized <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return StoreQueries.answer(query, positionBound, config, this, position,
                open ? context.taskId().partition() : null);
    }

    @Override
    public synchronized Position getPosition() {
        return position.copy();
    }

    /** @throws InvalidStateStoreException when the store is not open */
    void checkOpen() {
        if (!open) {
            throw new InvalidStateStoreException("store " + name + " is not open");
        }
    }

    /**
     * Writes each batch of changelog records (keys are segment keys) to its segments and commits them, with the
     * position the records carry and the committed offsets unchanged.
     */
    private final class RestoreCallback implements RecordBatchingStateRestoreCallback {
        @Override
        public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
            synchronized (SegmentedStore.this) {
                checkOpen();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    byte[] segmentKey = record.key();
                    long time = ByteBuffer.wrap(segmentKey, segmentKey.length - suffixBytes, Long.BYTES).getLong();
                    TurboKvKeyValueStore segment = segments.liveSegment(time);
                    if (segment != null) {
                        segment.put(Bytes.wrap(segmentKey), record.value());
                    }
                    ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(record, consistencyEnabled,
                            position);
                }
                // the offsets stay: the records after them are harmless to replay again
                writeCommit(committed.offsets(), false);
            }
        }
    }
}
