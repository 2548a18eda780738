package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
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
 * fetch of one window is a point read; the other reads stream each segment they cover through a range of its
 * key-ordered family ({@link SegmentIterator}): one key's windows are one range per segment.
 *
 * <p><b>Commits and restore.</b> Each segment buffers its writes, and a Streams commit commits them, as the
 * key-value store does: written at once without a changelog, kept in memory with a changelog until a bound, a flush
 * or a clean close; restore commits each changelog batch to the segments it touches in the same way. Every segment a
 * write reaches carries the commit's record of the store's position and changelog offsets, which a reopened store
 * takes from the newest commit that reached all its segments ({@link SegmentedStore}).
 *
 * <p>Interactive queries v2 ({@link #query}): window key and window range queries with both time bounds, with
 * position bounds, as Kafka's window stores.
 * Thread-safe: every method locks the store briefly; a read iterates without the store's lock.
 */
public sealed class TurboKvWindowStore extends SegmentedStore implements WindowStore<Bytes, byte[]>
        permits TurboKvTimestampedWindowStore {
    private static final int SUFFIX_BYTES = Long.BYTES + Integer.BYTES;

    private final long windowSize;
    private final boolean retainDuplicates;
    private int sequenceNumber;

    TurboKvWindowStore(String name, long retentionPeriod, long segmentInterval, long windowSize,
                       boolean retainDuplicates, TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name, retentionPeriod, segmentInterval, SUFFIX_BYTES, configChoice);
        this.windowSize = windowSize;
        this.retainDuplicates = retainDuplicates;
    }

    /**
     * Writes {@code value} (null deletes) for {@code key} in the window starting at {@code windowStartTimestamp}; a
     * store that retains duplicates keeps every non-null value under its own sequence number and ignores null. A
     * write to an expired segment is dropped and counted in the task's {@code dropped-records}, as Kafka's store does.
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
        if (segment == null) {
            recordDropped();
            return;
        }
        segment.put(Bytes.wrap(segmentKey(key.get(), windowStartTimestamp, sequence)), value);
        afterWrite();
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
        return read(keyFrom, keyTo, timeFrom, timeTo, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo,
                                                                                long timeFrom, long timeTo) {
        return read(keyFrom, keyTo, timeFrom, timeTo, false);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
        return read(null, null, timeFrom, timeTo, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
        return read(null, null, timeFrom, timeTo, false);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> all() {
        return read(null, null, 0, Long.MAX_VALUE, true);
    }

    @Override
    public synchronized KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return read(null, null, 0, Long.MAX_VALUE, false);
    }

    /** The windows of {@code key} starting in {@code [timeFrom, timeTo]}: one range per segment, of that key only. */
    private WindowStoreIterator<byte[]> windowsOf(Bytes key, long timeFrom, long timeTo, boolean forward) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        long from = Math.max(timeFrom, segments.oldestLiveTimestamp());
        byte[] keyBytes = key.get();
        return new SegmentIterator.OfWindows(this, segments.covering(from, timeTo), id -> new SegmentIterator.Bounds(
                KeyBounds.withTime(keyBytes, Math.max(from, segments.firstTime(id)), 0),
                KeyBounds.withTime(keyBytes, Math.min(timeTo, segments.lastTime(id)), Integer.BYTES)),
                (segmentKey, value) -> {
                    long start = start(segmentKey);
                    return segmentKey.length - SUFFIX_BYTES == keyBytes.length && start >= from && start <= timeTo
                            && Arrays.equals(segmentKey, 0, keyBytes.length, keyBytes, 0, keyBytes.length)
                                    ? KeyValue.pair(start, value) : null;
                }, forward);
    }

    /**
     * The live windows with a key in {@code [keyFrom, keyTo]} (null: open) starting in {@code [timeFrom, timeTo]},
     * in segment order and, within a segment, segment-key order; reversed when not {@code forward}. Each segment is
     * read from {@code keyFrom} to the bound of {@link KeyBounds#upper}, and the entries out of bounds skipped, as
     * Kafka's store reads it.
     */
    private KeyValueIterator<Windowed<Bytes>, byte[]> read(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo,
                                                           boolean forward) {
        checkOpen();
        long from = Math.max(timeFrom, segments.oldestLiveTimestamp());
        if (timeTo < from || KeyBounds.inverted(keyFrom, keyTo)) {
            return new ListIterator<>(List.of());
        }
        return new SegmentIterator<>(this, segments.covering(from, timeTo), id -> keyTo == null
                ? new SegmentIterator.Bounds(keyFrom, null)
                : new SegmentIterator.Bounds(keyFrom, KeyBounds.upper(keyTo.get(),
                        KeyBounds.withTime(new byte[0], Math.min(timeTo, segments.lastTime(id)), Integer.BYTES).get())),
                (segmentKey, value) -> {
                    Bytes key = Bytes.wrap(Arrays.copyOf(segmentKey, segmentKey.length - SUFFIX_BYTES));
                    long start = start(segmentKey);
                    return start >= from && start <= timeTo && (keyFrom == null || key.compareTo(keyFrom) >= 0)
                            && (keyTo == null || key.compareTo(keyTo) <= 0)
                                    ? KeyValue.pair(new Windowed<>(key, window(start)), value) : null;
                }, forward);
    }

    private static long start(byte[] segmentKey) {
        return ByteBuffer.wrap(segmentKey, segmentKey.length - SUFFIX_BYTES, Long.BYTES).getLong();
    }

    /** The window of {@link #windowSize} starting at {@code start}; it ends at the largest time if that overflows. */
    private TimeWindow window(long start) {
        long end = start + windowSize;
        return new TimeWindow(start, end < 0 ? Long.MAX_VALUE : end);
    }

    static byte[] segmentKey(byte[] key, long windowStart, int sequence) {
        return ByteBuffer.allocate(key.length + SUFFIX_BYTES).put(key).putLong(windowStart).putInt(sequence).array();
    }
}
