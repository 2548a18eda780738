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
import org.apache.kafka.streams.kstream.internals.SessionWindow;
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
import org.apache.kafka.streams.state.SessionStore;

/**
 * A Kafka Streams {@link SessionStore} segmented by session end time: each segment is a {@link TurboKvKeyValueStore}
 * of its own, and retention drops whole segments ({@link Segments}); obtained through
 * {@link TurboKvStores#persistentSessionStore}. As Kafka's RocksDB session store: writes of sessions ending in an
 * expired segment are dropped, and reads see no session that ended before {@code streamTime - retention + 1}, where
 * stream time is the largest session end the store has seen.
 *
 * <p><b>Key layout</b> in a segment (big-endian), as in Kafka's changelog of session stores, so a changelog record's
 * key is the segment key:
 * <table>
 *   <caption>segment key</caption>
 *   <tr><th>bytes</th><th>field</th></tr>
 *   <tr><td>n</td><td>the record key</td></tr>
 *   <tr><td>8</td><td>session end, epoch milliseconds</td></tr>
 *   <tr><td>8</td><td>session start, epoch milliseconds</td></tr>
 * </table>
 *
 * <p><b>Reads</b> return segments in time order (reversed for the backward forms) and, within a segment, entries in
 * unsigned byte order of the segment key, as Kafka's store does. {@link #fetchSession} is a point read; the
 * searches scan each segment they cover (see {@link TurboKvKeyValueStore} on ordered reads). Commits, restore and
 * the position are as in {@link TurboKvWindowStore}. Interactive queries v2 ({@link #query}): window range queries
 * with a key, with position bounds, as Kafka's session stores.
 * Thread-safe: every method locks the store.
 */
public final class TurboKvSessionStore implements SessionStore<Bytes, byte[]> {
    private static final int SUFFIX_BYTES = 2 * Long.BYTES;

    private final String name;
    private final Segments segments;
    private Position position = Position.emptyPosition();
    private StateStoreContext context;
    private boolean consistencyEnabled;
    private volatile boolean open;

    TurboKvSessionStore(String name, long retentionPeriod, long segmentInterval,
                        TurboKvKeyValueStore.ConfigChoice configChoice) {
        this.name = Objects.requireNonNull(name, "name");
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

    /** Writes {@code aggregate} for the session (null deletes); dropped when the session's segment has expired. */
    @Override
    public synchronized void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
        Objects.requireNonNull(sessionKey, "sessionKey");
        checkOpen();
        TurboKvKeyValueStore segment = segments.liveSegment(sessionKey.window().end());
        if (segment != null) {
            segment.put(Bytes.wrap(segmentKey(sessionKey)), aggregate);
            context.recordMetadata().filter(r -> r.topic() != null) // none in a punctuation
                    .ifPresent(r -> position.withComponent(r.topic(), r.partition(), r.offset()));
        }
    }

    @Override
    public synchronized void remove(Windowed<Bytes> sessionKey) {
        Objects.requireNonNull(sessionKey, "sessionKey");
        checkOpen();
        segments.observe(sessionKey.window().end());
        TurboKvKeyValueStore segment = segments.existingSegment(sessionKey.window().end());
        if (segment != null) {
            segment.delete(Bytes.wrap(segmentKey(sessionKey)));
        }
    }

    @Override
    public synchronized byte[] fetchSession(Bytes key, long sessionStartTime, long sessionEndTime) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        if (sessionEndTime < segments.oldestLiveTimestamp()) {
            return null;
        }
        TurboKvKeyValueStore segment = segments.existingSegment(sessionEndTime);
        return segment == null ? null
                : segment.get(Bytes.wrap(segmentKey(key.get(), sessionStartTime, sessionEndTime)));
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(Bytes key, long earliestSessionEndTime,
                                                                               long latestSessionStartTime) {
        Objects.requireNonNull(key, "key");
        return search(key, key, earliestSessionEndTime, latestSessionStartTime, Long.MAX_VALUE, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFindSessions(Bytes key,
                                                                                       long earliestSessionEndTime,
                                                                                       long latestSessionStartTime) {
        Objects.requireNonNull(key, "key");
        return search(key, key, earliestSessionEndTime, latestSessionStartTime, Long.MAX_VALUE, false);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(Bytes keyFrom, Bytes keyTo,
                                                                               long earliestSessionEndTime,
                                                                               long latestSessionStartTime) {
        return search(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, Long.MAX_VALUE, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFindSessions(Bytes keyFrom, Bytes keyTo,
                                                                                       long earliestSessionEndTime,
                                                                                       long latestSessionStartTime) {
        return search(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, Long.MAX_VALUE, false);
    }

    /** Every live session ending in {@code [earliestSessionEndTime, latestSessionEndTime]}, of any key. */
    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(long earliestSessionEndTime,
                                                                               long latestSessionEndTime) {
        return search(null, null, earliestSessionEndTime, latestSessionEndTime, latestSessionEndTime, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes key) {
        Objects.requireNonNull(key, "key");
        return search(key, key, 0, Long.MAX_VALUE, Long.MAX_VALUE, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes key) {
        Objects.requireNonNull(key, "key");
        return search(key, key, 0, Long.MAX_VALUE, Long.MAX_VALUE, false);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo) {
        return search(keyFrom, keyTo, 0, Long.MAX_VALUE, Long.MAX_VALUE, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo) {
        return search(keyFrom, keyTo, 0, Long.MAX_VALUE, Long.MAX_VALUE, false);
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
     * Answers an interactive query (IQv2) as Kafka's session stores do, once the store's position has reached
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

    /**
     * The live sessions with a key in {@code [keyFrom, keyTo]} (null: open), ending at or after
     * {@code earliestEnd} and starting at or before {@code latestStart}, from the segments up to {@code lastEnd};
     * in segment order and, within a segment, segment-key order; reversed when not {@code forward}.
     */
    private KeyValueIterator<Windowed<Bytes>, byte[]> search(Bytes keyFrom, Bytes keyTo, long earliestEnd,
                                                             long latestStart, long lastEnd, boolean forward) {
        checkOpen();
        List<KeyValue<Windowed<Bytes>, byte[]>> matches = new ArrayList<>();
        if (keyFrom != null && keyTo != null && keyFrom.compareTo(keyTo) > 0) {
            return new ListIterator<>(matches);
        }
        long from = Math.max(earliestEnd, segments.oldestLiveTimestamp());
        for (TurboKvKeyValueStore segment : segments.covering(from, lastEnd)) {
            try (KeyValueIterator<Bytes, byte[]> entries = segment.all()) {
                while (entries.hasNext()) {
                    KeyValue<Bytes, byte[]> entry = entries.next();
                    byte[] segmentKey = entry.key.get();
                    Bytes key = Bytes.wrap(Arrays.copyOf(segmentKey, segmentKey.length - SUFFIX_BYTES));
                    ByteBuffer times = ByteBuffer.wrap(segmentKey, segmentKey.length - SUFFIX_BYTES, SUFFIX_BYTES);
                    long end = times.getLong();
                    long start = times.getLong();
                    if (end >= from && start <= latestStart && (keyFrom == null || key.compareTo(keyFrom) >= 0)
                            && (keyTo == null || key.compareTo(keyTo) <= 0)) {
                        matches.add(KeyValue.pair(new Windowed<>(key, new SessionWindow(start, end)), entry.value));
                    }
                }
            }
        }
        if (!forward) {
            Collections.reverse(matches);
        }
        return new ListIterator<>(matches);
    }

    private static byte[] segmentKey(Windowed<Bytes> sessionKey) {
        return segmentKey(sessionKey.key().get(), sessionKey.window().start(), sessionKey.window().end());
    }

    static byte[] segmentKey(byte[] key, long start, long end) {
        return ByteBuffer.allocate(key.length + SUFFIX_BYTES).put(key).putLong(end).putLong(start).array();
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
            synchronized (TurboKvSessionStore.this) {
                checkOpen();
                Set<TurboKvKeyValueStore> touched = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    byte[] segmentKey = record.key();
                    long end = ByteBuffer.wrap(segmentKey, segmentKey.length - SUFFIX_BYTES, Long.BYTES).getLong();
                    TurboKvKeyValueStore segment = segments.liveSegment(end);
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
