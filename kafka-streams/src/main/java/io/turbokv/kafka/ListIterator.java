package io.turbokv.kafka;

import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Iterates entries collected when a read ran (a snapshot); holds no TurboKV resources,
 * so {@link #close()} only ends the iteration.
 */
final class ListIterator<K, V> implements KeyValueIterator<K, V> {
    private final List<KeyValue<K, V>> entries;
    private int next;
    private boolean closed;

    ListIterator(List<KeyValue<K, V>> entries) {
        this.entries = entries;
    }

    @Override
    public boolean hasNext() {
        checkOpen();
        return next < entries.size();
    }

    @Override
    public KeyValue<K, V> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return entries.get(next++);
    }

    @Override
    public K peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return entries.get(next).key;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new InvalidStateStoreException("iterator is closed");
        }
    }

}
