package io.turbokv.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;

/**
 * The puts and deletes of a store since its last flush, newest per key, in {@link Bytes} order (unsigned bytes, the
 * order of the store's key-ordered family): reads consult it before TurboKV, an ordered read copies the entries of
 * its range ({@link #entries}), a flush writes it as one write batch. A delete is kept as a tombstone, so that it
 * hides the committed value. Not thread-safe: the store synchronises.
 */
final class WriteBuffer {
    /** Marks a deleted key; compared by identity, never handed out. */
    static final byte[] TOMBSTONE = new byte[0];
    /** Bookkeeping bytes counted per entry on top of key and value: map node, {@code Bytes} and array headers. */
    private static final long ENTRY_OVERHEAD_BYTES = 96;

    private final TreeMap<Bytes, byte[]> valueByKey = new TreeMap<>();
    private long approximateBytes;
    private long puts;

    /** Records {@code value} for {@code key}, or a tombstone when {@code value} is null. */
    void put(Bytes key, byte[] value) {
        byte[] stored = value == null ? TOMBSTONE : value;
        byte[] before = valueByKey.put(key, stored);
        if (before == null) {
            approximateBytes += ENTRY_OVERHEAD_BYTES + key.get().length;
        } else {
            approximateBytes -= before.length;
            if (before != TOMBSTONE) {
                puts--;
            }
        }
        approximateBytes += stored.length;
        if (stored != TOMBSTONE) {
            puts++;
        }
    }

    /** What the buffer holds for {@code key}: a value, {@link #TOMBSTONE}, or null when it holds nothing. */
    byte[] get(Bytes key) {
        return valueByKey.get(key);
    }

    /** Whether the buffer holds a value or a tombstone for {@code key}. */
    boolean contains(Bytes key) {
        return valueByKey.containsKey(key);
    }

    /** Hands every entry to {@code action}; the value is {@link #TOMBSTONE} for a delete. */
    void forEach(BiConsumer<Bytes, byte[]> action) {
        valueByKey.forEach(action);
    }

    /**
     * {@return a copy of the entries with keys from {@code from} to {@code to} (null: open; inclusive as said), in
     * ascending key order or, when {@code reverse}, descending; tombstones included} A copy, so that later writes
     * do not show in an iterator that holds it.
     */
    List<KeyValue<Bytes, byte[]>> entries(Bytes from, boolean fromInclusive, Bytes to, boolean toInclusive,
                                          boolean reverse) {
        NavigableMap<Bytes, byte[]> range = valueByKey;
        if (from != null) {
            range = range.tailMap(from, fromInclusive);
        }
        if (to != null) {
            range = range.headMap(to, toInclusive);
        }
        List<KeyValue<Bytes, byte[]>> copy = new ArrayList<>(); // not range.size(): a sub-map counts by walking
        (reverse ? range.descendingMap() : range).forEach((key, value) -> copy.add(KeyValue.pair(key, value)));
        return copy;
    }

    boolean isEmpty() {
        return valueByKey.isEmpty();
    }

    /** Entries (puts and tombstones). */
    int size() {
        return valueByKey.size();
    }

    /** Keys whose entry is a value, not a tombstone. */
    long puts() {
        return puts;
    }

    /** Keys, values and bookkeeping, estimated. */
    long approximateBytes() {
        return approximateBytes;
    }

    void clear() {
        valueByKey.clear();
        approximateBytes = 0;
        puts = 0;
    }
}
