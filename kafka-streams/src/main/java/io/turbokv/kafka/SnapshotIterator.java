package io.turbokv.kafka;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Iterates a sorted snapshot taken when an ordered read ran: later writes to the store do not show up, as with a
 * RocksDB iterator's snapshot. Holds no TurboKV resources, so {@link #close()} only ends the iteration.
 */
final class SnapshotIterator implements KeyValueIterator<Bytes, byte[]> {
    private final Iterator<Map.Entry<Bytes, byte[]>> entries;
    private Map.Entry<Bytes, byte[]> next;
    private boolean closed;

    SnapshotIterator(NavigableMap<Bytes, byte[]> snapshot, boolean reverse) {
        this.entries = (reverse ? snapshot.descendingMap() : snapshot).entrySet().iterator();
        this.next = entries.hasNext() ? entries.next() : null;
    }

    @Override
    public boolean hasNext() {
        checkOpen();
        return next != null;
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
        checkOpen();
        if (next == null) {
            throw new NoSuchElementException();
        }
        KeyValue<Bytes, byte[]> current = KeyValue.pair(next.getKey(), next.getValue());
        next = entries.hasNext() ? entries.next() : null;
        return current;
    }

    @Override
    public Bytes peekNextKey() {
        checkOpen();
        if (next == null) {
            throw new NoSuchElementException();
        }
        return next.getKey();
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("iterator is closed");
        }
    }
}
