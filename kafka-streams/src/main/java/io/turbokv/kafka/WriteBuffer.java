package io.turbokv.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;

/**
 * Puts and deletes of a store not yet on disk, newest per key, in {@link Bytes} order (unsigned bytes, the order of
 * the store's key-ordered family): a store holds its writes since the last Streams commit in one, and, when it
 * defers writing its commits, the committed writes not yet written in another, below it ({@link #absorb}). Reads
 * consult them before TurboKV, an ordered read copies the entries of its range ({@link #entries}, {@link #overlay}),
 * a write batch writes one. A delete is kept as a tombstone, so that it hides the value below. Not thread-safe: the
 * store synchronises.
 */
final class WriteBuffer {
    /** Marks a deleted key; compared by identity, never handed out. */
    static final byte[] TOMBSTONE = new byte[0];
    /** Bookkeeping bytes counted per entry on top of key and value: map node, {@code Bytes} and array headers. */
    private static final long ENTRY_OVERHEAD_BYTES = 96;

    private TreeMap<Bytes, byte[]> valueByKey = new TreeMap<>();
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

    /**
     * Moves every entry of {@code newer} into this buffer, replacing this buffer's entry of the same key, and empties
     * {@code newer}.
     */
    void absorb(WriteBuffer newer) {
        if (valueByKey.isEmpty()) { // the common case of a store that writes every commit: swap, copy nothing
            TreeMap<Bytes, byte[]> empty = valueByKey;
            valueByKey = newer.valueByKey;
            approximateBytes = newer.approximateBytes;
            puts = newer.puts;
            newer.valueByKey = empty;
        } else {
            newer.valueByKey.forEach(this::put);
        }
        newer.clear();
    }

    /**
     * {@return the entries of {@code newer} and {@code older}, both in ascending key order or both, with
     * {@code reverse}, descending, merged in that order; {@code newer}'s entry wins a key both hold}
     */
    static List<KeyValue<Bytes, byte[]>> overlay(List<KeyValue<Bytes, byte[]>> newer,
                                                 List<KeyValue<Bytes, byte[]>> older, boolean reverse) {
        if (older.isEmpty()) {
            return newer;
        }
        if (newer.isEmpty()) {
            return older;
        }
        List<KeyValue<Bytes, byte[]>> merged = new ArrayList<>(newer.size() + older.size());
        int n = 0;
        int o = 0;
        while (n < newer.size() && o < older.size()) {
            int order = newer.get(n).key.compareTo(older.get(o).key);
            order = reverse ? -order : order;
            if (order <= 0) {
                if (order == 0) {
                    o++; // hidden by the newer write
                }
                merged.add(newer.get(n++));
            } else {
                merged.add(older.get(o++));
            }
        }
        merged.addAll(newer.subList(n, newer.size()));
        merged.addAll(older.subList(o, older.size()));
        return merged;
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
