package io.turbokv.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.LongFunction;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * A read of a window or session store: segment after segment (in time order, or reversed), the segment's ordered
 * read ({@link CursorIterator}) between the key bounds the segment gets ({@link Bounds}), each entry decoded and
 * filtered by the store ({@link Decoder}), as Kafka's segmented RocksDB stores read; opened by a read-committed
 * query ({@link SegmentedStore#readingCommitted}), the segments' committed entries only. A segment's read opens when
 * the iteration reaches it, so an iterator costs nothing for segments it never reaches (and a read-committed
 * iterator that reaches a segment after a later Streams commit sees that commit there, past the position its query
 * reported); a segment that expired meanwhile is skipped, as Kafka's stores skip it. Takes no lock while it iterates but a segment's own, briefly,
 * to open the segment's read; confined to the thread that opened it; the store's close ends it.
 *
 * @param <K> the keys handed out: windowed record keys, or window start times for one key's windows
 */
class SegmentIterator<K> extends PeekingIterator<K> {
    private final SegmentedStore owner;
    private final List<Map.Entry<Long, TurboKvKeyValueStore>> segments;
    private final LongFunction<Bounds> bounds;
    private final Decoder<K> decoder;
    private final boolean forward;
    /** Whether each segment's read leaves its write buffer out: a read-committed query's. */
    private final boolean committedOnly;
    private int nextSegment;
    private KeyValueIterator<Bytes, byte[]> current;
    private boolean closed;

    /**
     * An iterator over {@code segments} (by id, ascending; walked descending unless {@code forward}), reading each
     * between the bounds {@code bounds} gives for its id, keeping what {@code decoder} keeps.
     */
    SegmentIterator(SegmentedStore owner, NavigableMap<Long, TurboKvKeyValueStore> segments,
                    LongFunction<Bounds> bounds, Decoder<K> decoder, boolean forward) {
        this.owner = owner;
        this.segments = new ArrayList<>((forward ? segments : segments.descendingMap()).entrySet());
        this.bounds = bounds;
        this.decoder = decoder;
        this.forward = forward;
        this.committedOnly = owner.committedReads();
    }

    @Override
    public void close() {
        closed = true;
        dropAhead();
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    void checkUsable() {
        if (closed) {
            throw new InvalidStateStoreException("iterator of store " + owner.name + " is closed");
        }
        if (!owner.isOpen()) {
            close();
            throw new InvalidStateStoreException("store " + owner.name + " is closed: its iterators ended with it");
        }
    }

    @Override
    KeyValue<K, byte[]> fetch() {
        while (true) {
            if (current != null && currentHasNext()) {
                KeyValue<Bytes, byte[]> entry = current.next();
                KeyValue<K, byte[]> decoded = decoder.decode(entry.key.get(), entry.value);
                if (decoded != null) {
                    return decoded;
                }
                continue;
            }
            if (current != null) {
                current.close();
                current = null;
            }
            if (nextSegment == segments.size()) {
                return null;
            }
            Map.Entry<Long, TurboKvKeyValueStore> segment = segments.get(nextSegment++);
            Bounds range = bounds.apply(segment.getKey());
            try {
                TurboKvKeyValueStore store = segment.getValue();
                current = committedOnly ? store.committedRange(range.lower(), range.upper(), !forward)
                        : forward ? store.range(range.lower(), range.upper())
                        : store.reverseRange(range.lower(), range.upper());
            } catch (InvalidStateStoreException expired) {
                // the segment expired (and closed) since the read began: its data is gone
            }
        }
    }

    /**
     * Whether the current segment's read has an entry left; false when the segment expired (and closed) since the
     * read reached it, as Kafka's segmented stores skip it: its data is gone, the read goes on with the next one.
     */
    private boolean currentHasNext() {
        try {
            return current.hasNext();
        } catch (InvalidStateStoreException ended) {
            if (!owner.isOpen()) {
                throw ended;
            }
            return false;
        }
    }

    /** The key bounds of one segment's read, both inclusive, null for an open end. */
    record Bounds(Bytes lower, Bytes upper) {
        /** Every key of the segment. */
        static final Bounds ALL = new Bounds(null, null);
    }

    /** Turns a segment entry into what the iterator hands out, or null to skip it. */
    @FunctionalInterface
    interface Decoder<K> {
        /** {@return the entry for segment key {@code segmentKey} and {@code value}, or null when out of bounds} */
        KeyValue<K, byte[]> decode(byte[] segmentKey, byte[] value);
    }

    /** The windows of one key, by start time. */
    static final class OfWindows extends SegmentIterator<Long> implements WindowStoreIterator<byte[]> {
        OfWindows(SegmentedStore owner, NavigableMap<Long, TurboKvKeyValueStore> segments,
                  LongFunction<Bounds> bounds, Decoder<Long> decoder, boolean forward) {
            super(owner, segments, bounds, decoder, forward);
        }
    }
}
