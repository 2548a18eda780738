package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
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
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * A Kafka Streams {@link WindowStore} segmented by time: each segment is a {@link TurboKvKeyValueStore} of its own
 * (its own TurboKV directory), and retention drops whole segments ({@link Segments}); obtained through
 * {@link TurboKvStores#persistentTimestampedWindowStore}. As Kafka's RocksDB window store, it segments by window
 * start; writes to an expired segment are dropped, and reads see no window that started before
 * {@code streamTime - retention + 1}, where stream time is the largest window start the store has seen.
 *
 * <p><b>Key layout</b> in a segment (big-endian), as in Kafka's changelog of window stores, so a changelog record's
 * key is the segment key:
 * <table>
 *   <caption>segment key</caption>
 *   <tr><th>bytes</th><th>field</th></tr>
 *   <tr><td>n</td><td>the record key</td></tr>
 *   <tr><td>8</td><td>window start, epoch milliseconds</td></tr>
 *   <tr><td>4</td><td>sequence number: 0, or when the store retains duplicates, one more per put</td></tr>
 * </table>
 *
 * <p><b>Reads</b> return segments in time order (reversed for the backward forms) and, within a segment, entries in
 * unsigned byte order of the segment key, as Kafka's store does (Streams' caching layer merges in that order). A
 * fetch of one window is a point read; the range fetches scan each segment they cover (see
 * {@link TurboKvKeyValueStore} on ordered reads).
 *
 * <p><b>Commits and restore.</b> Each segment buffers its writes and commits them at every Streams commit, as the
 * key-value store does; restore writes each changelog batch to the segments it touches and commits them. Each
 * segment's commit carries the position of the writes it holds; the store's position is the merge of its
 * segments' and is kept in memory only (a reopened store reports the merge of the positions its segments
 * committed, which may lag when a dropped segment held the newest offset of a partition).
 *
 * <p>Interactive queries v2 ({@link #query}): window key and window range queries with both time bounds, with
 * position bounds, as Kafka's window stores.
 * Thread-safe: every method locks the store.
 */
public sealed class TurboKvWindowStore implements WindowStore<Bytes, byte[]> permits TurboKvTimestampedWindowStore {
    private static final int SUFFIX_BYTES = Long.BYTES + Integer.BYTES;

    private final String name;
    private final long windowSize;
    private final boolean retainDuplicates;
    private final Segments segments;
    private Position position = Position.emptyPosition();
    private StateStoreContext context;
    private boolean consistencyEnabled;
    private int sequenceNumber;
    private volatile boolean open;

    TurboKvWindowStore(String name, long retentionPeriod, long segmentInterval, long windowSize,
                       boolean retainDuplicates, TurboKvKeyValueStore.ConfigChoice configChoice) {
        this.name = Objects.requireNonNull(name, "name");
        this.windowSize = windowSize;
        this.retainDuplicates = retainDuplicates;
        this.segments = new Segments(name, retentionPeriod, segmentInterval,
                Objects.requireNonNull(configChoice, "configChoice"));
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

    /**
     * Writes {@code value} (null deletes) for {@code key} in the window starting at {@code windowStartTimestamp}; a
     * store that retains duplicates keeps every non-null value under its own sequence number and ignores null. A
     * write to an expired segment is dropped.
     */
    @Override
    public synchronized void put(Bytes key, byte[] value, long windowStartTimestamp) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        if (retainDuplicates && value == null) {
            return;
        }
        if (retainDuplicates) {
            sequenceNumber = (sequenceNumber + 1) & Integer.MAX_VALUE; // as Kafka's store: never negative
        }
        int sequence = retainDuplicates ? sequenceNumber : 0;
        TurboKvKeyValueStore segment = segments.liveSegment(windowStartTimestamp);
        if (segment != null) {
            segment.put(Bytes.wrap(segmentKey(key.get(), windowStartTimestamp, sequence)), value);
            context.recordMetadata().filter(r -> r.topic() != null) // none in a punctuation
                    .ifPresent(r -> position.withComponent(r.topic(), r.partition(), r.offset()));
        }
    }

    /** The value of {@code key} in the window starting at {@code timestamp}, or null (also once it expired). */
    @Override
    public synchronized byte[] fetch(Bytes key, long timestamp) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        if (timestamp < segments.oldestLiveTimestamp()) {
            return null;
        }
        TurboKvKeyValueStore segment = segments.existingSegment(timestamp);
        return segment == null ? null : segment.get(Bytes.wrap(segmentKey(key.get(), timestamp, 0)));
    }

    @Override
    public synchronized WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
        return windowsOf(key, timeFrom, timeTo, true);
    }

    @Override
    public synchronized WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
        return windowsOf(key, timeFrom, timeTo, false);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, long timeFrom,
                                                                        long timeTo) {
        return new ListIterator<>(scan(keyFrom, keyTo, timeFrom, timeTo, true));
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo,
                                                                                long timeFrom, long timeTo) {
        return new ListIterator<>(scan(keyFrom, keyTo, timeFrom, timeTo, false));
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
        return new ListIterator<>(scan(null, null, timeFrom, timeTo, true));
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
        return new ListIterator<>(scan(null, null, timeFrom, timeTo, false));
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> all() {
        return new ListIterator<>(scan(null, null, 0, Long.MAX_VALUE, true));
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return new ListIterator<>(scan(null, null, 0, Long.MAX_VALUE, false));
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
     * Answers an interactive query (IQv2) as Kafka's window stores do, once the store's position has reached
     * {@code positionBound} on its task's input partition (see {@code StoreQueries}); the result carries the
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

    private WindowStoreIterator<byte[]> windowsOf(Bytes key, long timeFrom, long timeTo, boolean forward) {
        Objects.requireNonNull(key, "key");
        List<KeyValue<Long, byte[]>> windows = new ArrayList<>();
        for (KeyValue<Windowed<Bytes>, byte[]> entry : scan(key, key, timeFrom, timeTo, forward)) {
            windows.add(KeyValue.pair(entry.key.window().start(), entry.value));
        }
        return new ListIterator.OfWindows<>(windows);
    }

    /**
     * The live windows with a key in {@code [keyFrom, keyTo]} (null: open) starting in {@code [timeFrom, timeTo]},
     * in segment order and, within a segment, segment-key order; reversed when not {@code forward}.
     */
    private List<KeyValue<Windowed<Bytes>, byte[]>> scan(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo,
                                                         boolean forward) {
        checkOpen();
        long from = Math.max(timeFrom, segments.oldestLiveTimestamp());
        List<KeyValue<Windowed<Bytes>, byte[]>> matches = new ArrayList<>();
        if (timeTo < from || (keyFrom != null && keyTo != null && keyFrom.compareTo(keyTo) > 0)) {
            return matches;
        }
        for (TurboKvKeyValueStore segment : segments.covering(from, timeTo)) {
            try (KeyValueIterator<Bytes, byte[]> entries = segment.all()) {
                while (entries.hasNext()) {
                    KeyValue<Bytes, byte[]> entry = entries.next();
                    byte[] segmentKey = entry.key.get();
                    Bytes key = Bytes.wrap(Arrays.copyOf(segmentKey, segmentKey.length - SUFFIX_BYTES));
                    long start = ByteBuffer.wrap(segmentKey, segmentKey.length - SUFFIX_BYTES, Long.BYTES).getLong();
                    if (start >= from && start <= timeTo && (keyFrom == null || key.compareTo(keyFrom) >= 0)
                            && (keyTo == null || key.compareTo(keyTo) <= 0)) {
                        matches.add(KeyValue.pair(new Windowed<>(key, window(start)), entry.value));
                    }
                }
            }
        }
        if (!forward) {
            Collections.reverse(matches);
        }
        return matches;
    }

    /** The window of {@link #windowSize} starting at {@code start}; it ends at the largest time if that overflows. */
    private TimeWindow window(long start) {
        long end = start + windowSize;
        return new TimeWindow(start, end < 0 ? Long.MAX_VALUE : end);
    }

    static byte[] segmentKey(byte[] key, long windowStart, int sequence) {
        return ByteBuffer.allocate(key.length + SUFFIX_BYTES).put(key).putLong(windowStart).putInt(sequence).array();
    }

    private void checkOpen() {
        if (!open) {
            throw new InvalidStateStoreException("store " + name + " is not open");
        }
    }

    /** Writes each batch of changelog records (keys are segment keys) to its segments and commits them. */
    private final class RestoreCallback implements RecordBatchingStateRestoreCallback {
        @Override
        public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
            synchronized (TurboKvWindowStore.this) {
                checkOpen();
                Set<TurboKvKeyValueStore> touched = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    byte[] segmentKey = record.key();
                    long start = ByteBuffer.wrap(segmentKey, segmentKey.length - SUFFIX_BYTES, Long.BYTES).getLong();
                    TurboKvKeyValueStore segment = segments.liveSegment(start);
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
