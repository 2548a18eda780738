package io.turbokv.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
 *
 * <p>A restore adds its records with {@link #append} instead of {@link #put}: into a list in changelog order, not the
 * tree, since putting each record into a tree of some 70,000 kept entries was half a restore's CPU, and nothing reads
 * a restoring store but the write of its batches and a rare stale interactive query. The write sorts the list once,
 * by a stable sort, and takes the last entry of each key ({@link #forEach}); any other read first moves the list
 * into the tree in its order ({@link #settle}), so that each key's newest write wins as if it had been put.
 */
final class WriteBuffer {
    /** Marks a deleted key; compared by identity, never handed out. */
    static final byte[] TOMBSTONE = new byte[0];
    /** Bookkeeping bytes counted per entry on top of key and value: map node, {@code Bytes} and array headers. */
    private static final long ENTRY_OVERHEAD_BYTES = 96;

    /** Sorts appended entries by key, unsigned bytes as {@link Bytes#compareTo} (the tree's order), vectorised. */
    private static final Comparator<Appended> KEY_ORDER = (a, b) -> Arrays.compareUnsigned(a.key.get(), b.key.get());

    private TreeMap<Bytes, byte[]> valueByKey = new TreeMap<>();
    private long approximateBytes;
    private long puts;
    /** Writes {@link #append}ed after those of {@link #valueByKey}, oldest first; several may share a key. */
    private final ArrayList<Appended> appended = new ArrayList<>();
    /** The bytes of {@link #appended}, each entry counted as a tree entry is, so that bounds fall where they did. */
    private long appendedBytes;
    /** The entries of {@link #appended} that are values, not tombstones. */
    private long appendedPuts;

    /** An appended write: {@link #TOMBSTONE} for a delete. */
    private record Appended(Bytes key, byte[] value) {}

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

    /**
     * Records {@code value} for {@code key}, or a tombstone when {@code value} is null, after every write before it,
     * as {@link #put} does, but without ordering it yet (see the class comment).
     */
    void append(Bytes key, byte[] value) {
        byte[] stored = value == null ? TOMBSTONE : value;
        appended.add(new Appended(key, stored));
        appendedBytes += ENTRY_OVERHEAD_BYTES + key.get().length + stored.length;
        if (stored != TOMBSTONE) {
            appendedPuts++;
        }
    }

    /** Moves the appended writes into the tree, oldest first, so that the newest of each key stays. */
    private void settle() {
        if (appended.isEmpty()) {
            return;
        }
        for (Appended entry : appended) {
            put(entry.key, entry.value);
        }
        appended.clear();
        appendedBytes = 0;
        appendedPuts = 0;
    }

    /** What the buffer holds for {@code key}: a value, {@link #TOMBSTONE}, or null when it holds nothing. */
    byte[] get(Bytes key) {
        settle();
        return valueByKey.get(key);
    }

    /** Whether the buffer holds a value or a tombstone for {@code key}. */
    boolean contains(Bytes key) {
        settle();
        return valueByKey.containsKey(key);
    }

    /**
     * Hands every entry to {@code action}, in ascending key order, the newest write of each key only; the value is
     * {@link #TOMBSTONE} for a delete. Writes appended to an empty tree are sorted in place, not moved into the tree:
     * a stable sort keeps each key's writes in their order, so the last of a run of equal keys is the newest, and
     * the list stays valid for a retry of a failed write.
     */
    void forEach(BiConsumer<Bytes, byte[]> action) {
        if (!valueByKey.isEmpty()) {
            settle();
        }
        if (appended.isEmpty()) {
            valueByKey.forEach(action);
            return;
        }
        appended.sort(KEY_ORDER);
        for (int i = 0; i < appended.size(); i++) {
            Appended entry = appended.get(i);
            if (i + 1 == appended.size() || !entry.key.equals(appended.get(i + 1).key)) {
                action.accept(entry.key, entry.value);
            }
        }
    }

    /**
     * {@return a copy of the entries with keys from {@code from} to {@code to} (null: open; inclusive as said), in
     * ascending key order or, when {@code reverse}, descending; tombstones included} A copy, so that later writes
     * do not show in an iterator that holds it.
     */
    List<KeyValue<Bytes, byte[]>> entries(Bytes from, boolean fromInclusive, Bytes to, boolean toInclusive,
                                          boolean reverse) {
        settle();
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
        if (newer.isEmpty()) {
            return; // nothing to move: the appended writes stay a list, not settled into the tree for nothing
        }
        settle(); // the appended writes are older than newer's: under them, never swapped over them
        newer.settle();
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
        return valueByKey.isEmpty() && appended.isEmpty();
    }

    /** Entries (puts and tombstones). */
    int size() {
        settle();
        return valueByKey.size();
    }

    /**
     * Keys whose entry is a value, not a tombstone; never below the true count: an appended value counts until it
     * replaces one of its key, and an appended tombstone does not take its key's value off yet.
     */
    long puts() {
        return puts + appendedPuts;
    }

    /** Keys, values and bookkeeping, estimated; an appended write counts until it replaces one of its key. */
    long approximateBytes() {
        return approximateBytes + appendedBytes;
    }

    void clear() {
        valueByKey.clear();
        approximateBytes = 0;
        puts = 0;
        appended.clear();
        appendedBytes = 0;
        appendedPuts = 0;
    }
}
