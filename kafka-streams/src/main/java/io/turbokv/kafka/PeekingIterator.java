package io.turbokv.kafka;

import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A {@link KeyValueIterator} that reads one entry ahead: {@link #hasNext()}, {@link #next()} and
 * {@link #peekNextKey()} find the next entry through {@link #fetch()} once and hand it out; the subclass says how
 * entries are found and when the iterator can no longer be used ({@link #checkUsable()}, called on every call).
 *
 * @param <K> the keys handed out
 */
abstract class PeekingIterator<K> implements KeyValueIterator<K, byte[]> {
    private KeyValue<K, byte[]> ahead;

    /**
     * Throws when the iterator can no longer be used (closed, or its store closed).
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException when it or its store is closed, as
     *                                                                    Kafka's iterators throw
     */
    abstract void checkUsable();

    /** {@return the entry after those handed out, or null when there is none} */
    abstract KeyValue<K, byte[]> fetch();

    @Override
    public final boolean hasNext() {
        return peek() != null;
    }

    @Override
    public final KeyValue<K, byte[]> next() {
        KeyValue<K, byte[]> entry = peek();
        if (entry == null) {
            throw new NoSuchElementException();
        }
        ahead = null;
        return entry;
    }

    @Override
    public final K peekNextKey() {
        KeyValue<K, byte[]> entry = peek();
        if (entry == null) {
            throw new NoSuchElementException();
        }
        return entry.key;
    }

    /** Forgets the entry read ahead: the iterator ends. */
    final void dropAhead() {
        ahead = null;
    }

    private KeyValue<K, byte[]> peek() {
        checkUsable();
        if (ahead == null) {
            ahead = fetch();
        }
        return ahead;
    }
}
