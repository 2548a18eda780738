package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
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
 * searches scan each segment they cover (see {@link TurboKvKeyValueStore} on ordered reads). Commits, restore and
 * the position are as in {@link TurboKvWindowStore}. Interactive queries v2 ({@link #query}): window range queries
 * with a key, with position bounds, as Kafka's session stores.
 * Thread-safe: every method locks the store.
 */
public final class TurboKvSessionStore extends SegmentedStore implements SessionStore<Bytes, byte[]> {
    private static final int SUFFIX_BYTES = 2 * Long.BYTES;

    TurboKvSessionStore(String name, long retentionPeriod, long segmentInterval,
                        TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name, retentionPeriod, segmentInterval, SUFFIX_BYTES, configChoice);
    }

    /** Writes {@code aggregate} for the session (null deletes); dropped when the session's segment has expired. */
    @Override
    public synchronized void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
        Objects.requireNonNull(sessionKey, "sessionKey");
        checkOpen();
        TurboKvKeyValueStore segment = segments.liveSegment(sessionKey.window().end());
        if (segment != null) {
            segment.put(Bytes.wrap(segmentKey(sessionKey)), aggregate);
            afterWrite();
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
}
