package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
        open = true;
        position = segments.open(context, hasChangelog);
        context.register(root, new RestoreCallback());
    }

    /** Commits every segment's buffered writes (see {@link TurboKvKeyValueStore#commit(Map)}). */
    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        checkOpen();
        segments.commit(changelogOffsets);
    }

    /**
     * Same as {@link #commit(Map)}.
     *
     * @deprecated use {@link #commit(Map)}, as {@link StateStore#flush()} says
     */
    @Deprecated
    @Override
    public synchronized void flush() {
        commit(Map.of());
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

    /** Writes each batch of changelog records (keys are segment keys) to its segments and commits them. */
    private final class RestoreCallback implements RecordBatchingStateRestoreCallback {
        @Override
        public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
            synchronized (SegmentedStore.this) {
                checkOpen();
                Set<TurboKvKeyValueStore> touched = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    byte[] segmentKey = record.key();
                    long time = ByteBuffer.wrap(segmentKey, segmentKey.length - suffixBytes, Long.BYTES).getLong();
                    TurboKvKeyValueStore segment = segments.liveSegment(time);
                    if (segment != null) {
                        segment.put(Bytes.wrap(segmentKey), record.value());
                        touched.add(segment);
                    }
                    ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(record, consistencyEnabled,
                            position);
                }
                for (TurboKvKeyValueStore segment : touched) {
                    if (segment.isOpen()) { // not dropped by a later record of the batch
                        segment.commit(Map.of());
                    }
                }
            }
        }
    }
}
