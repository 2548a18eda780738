package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongFunction;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
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
 * searches stream each segment they cover through a range of its key-ordered family ({@link SegmentIterator}).
 * Commits, restore and the position are as in {@link TurboKvWindowStore}. Interactive queries v2 ({@link #query}):
 * window range queries with a key, with position bounds, as Kafka's session stores.
 * Thread-safe: every method locks the store briefly; a search iterates without the store's lock.
 */
public final class TurboKvSessionStore extends SegmentedStore implements SessionStore<Bytes, byte[]> {
    private static final int SUFFIX_BYTES = 2 * Long.BYTES;

    TurboKvSessionStore(String name, long retentionPeriod, long segmentInterval,
                        TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name, retentionPeriod, segmentInterval, SUFFIX_BYTES, configChoice);
    }

    /**
     * Writes {@code aggregate} for the session (null deletes); dropped when the session's segment has expired, and
     * counted in the task's {@code dropped-records}, as Kafka's store does.
     */
    @Override
    public synchronized void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
        Objects.requireNonNull(sessionKey, "sessionKey");
        checkOpen();
        TurboKvKeyValueStore segment = segments.liveSegment(sessionKey.window().end());
        if (segment == null) {
            recordDropped();
            return;
        }
        segment.put(Bytes.wrap(segmentKey(sessionKey)), aggregate);
        afterWrite();
    }

    @Override
    public synchronized void remove(Windowed<Bytes> sessionKey) {
        Objects.requireNonNull(sessionKey, "sessionKey");
        checkOpen();
        segments.observe(sessionKey.window().end());
        TurboKvKeyValueStore segment = segments.existingSegment(sessionKey.window().end());
        if (segment != null) {
            segment.delete(Bytes.wrap(segmentKey(sessionKey)));
            afterWrite(); // a write like a put: it moves the position, and may spill
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

    /**
     * The live sessions with a key in {@code [keyFrom, keyTo]} (null: open), ending at or after
     * {@code earliestEnd} and starting at or before {@code latestStart}, from the segments up to {@code lastEnd};
     * in segment order and, within a segment, segment-key order; reversed when not {@code forward}. Each segment is
     * read through a range of its key-ordered family: one key's sessions from its earliest end on, or the keys from
     * {@code keyFrom} to the bound of {@link KeyBounds#upper}; entries out of bounds are skipped, as Kafka's store
     * skips them.
     */
    private KeyValueIterator<Windowed<Bytes>, byte[]> search(Bytes keyFrom, Bytes keyTo, long earliestEnd,
                                                             long latestStart, long lastEnd, boolean forward) {
        checkOpen();
        if (KeyBounds.inverted(keyFrom, keyTo)) {
            return new ListIterator<>(List.of());
        }
        long from = Math.max(earliestEnd, segments.oldestLiveTimestamp());
        boolean oneKey = keyFrom != null && keyFrom.equals(keyTo);
        LongFunction<SegmentIterator.Bounds> bounds = id -> {
            long lastEndHere = Math.min(lastEnd, segments.lastTime(id));
            if (oneKey) {
                return new SegmentIterator.Bounds(
                        KeyBounds.withTime(keyFrom.get(), Math.max(from, segments.firstTime(id)), 0),
                        KeyBounds.withTime(keyFrom.get(), lastEndHere, Long.BYTES));
            }
            return new SegmentIterator.Bounds(keyFrom, keyTo == null ? null
                    : KeyBounds.upper(keyTo.get(), KeyBounds.withTime(new byte[0], lastEndHere, Long.BYTES).get()));
        };
        return new SegmentIterator<>(this, segments.covering(from, lastEnd), bounds, (segmentKey, value) -> {
            Bytes key = Bytes.wrap(Arrays.copyOf(segmentKey, segmentKey.length - SUFFIX_BYTES));
            ByteBuffer times = ByteBuffer.wrap(segmentKey, segmentKey.length - SUFFIX_BYTES, SUFFIX_BYTES);
            long end = times.getLong();
            long start = times.getLong();
            return end >= from && start <= latestStart && (keyFrom == null || key.compareTo(keyFrom) >= 0)
                    && (keyTo == null || key.compareTo(keyTo) <= 0)
                            ? KeyValue.pair(new Windowed<>(key, new SessionWindow(start, end)), value) : null;
        }, forward);
    }

    private static byte[] segmentKey(Windowed<Bytes> sessionKey) {
        return segmentKey(sessionKey.key().get(), sessionKey.window().start(), sessionKey.window().end());
    }

    static byte[] segmentKey(byte[] key, long start, long end) {
        return ByteBuffer.allocate(key.length + SUFFIX_BYTES).put(key).putLong(end).putLong(start).array();
    }
}
