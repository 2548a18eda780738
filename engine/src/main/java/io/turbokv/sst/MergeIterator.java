package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The k-way merge of SST iterators, the one whole-family scans ({@code io.turbokv.read.FamilyScan}), cursors
 * ({@code io.turbokv.read.RangeScan}) and compaction read through: yields every entry of every source in ascending
 * (unsigned hash, unsigned key bytes) order, or, for key-ordered SSTs, ascending unsigned key order; entries of equal keys come newest source first (highest rank), and the entries of one source keep their
 * file order (a multi-valued key's values, then its tombstone). Which of a key's entries count (the newest only,
 * or the values down to the first tombstone) is the caller's rule, not the merge's.
 *
 * <p>A binary min-heap of source indexes; the top is the current entry. Keys and values are ranges of the sources'
 * mapped or decoded memory ({@link #keySegment()}, {@link #keyOffset()}, {@link #keyLength()} and the value's
 * counterparts), valid until the next call of {@link #next()}; nothing is copied and nothing is allocated per
 * entry. {@link #key()} and {@link #value()} wrap the same ranges in new slices, for callers that want them.
 * {@link #startsNewKey()} tells where one key's entries end and the next key's begin, from a copy of the last key
 * it saw (it grows with the longest key and is reused). Not thread-safe. Does not own the sources: the caller
 * closes them.
 */
public final class MergeIterator {
    private final SstEntryIterator[] sources;
    private final int[] ranks;
    private final long[] hashes;
    private final MemorySegment[] keySegments;
    private final long[] keyOffsets;
    private final long[] keyLengths;
    private final int[] heap;
    /** Whether the sources are key-ordered SSTs, merged by unsigned key alone rather than by (hash, key). */
    private final boolean byKey;
    /** Whether keys come in descending order (sources made by {@code SstReader.keyIteratorReverse}). */
    private final boolean descending;
    private int heapSize;
    private boolean started;
    /** The key {@link #startsNewKey()} saw last, its length (-1 before the first) and hash. */
    private MemorySegment lastKey = MemorySegment.ofArray(new byte[64]);
    private long lastKeyLength = -1;
    private long lastHash;

    /**
     * A merge over {@code sources}, positioned before the first entry.
     *
     * @param sources the iterators, positioned before their first entry
     * @param ranks   per source, its age: a higher rank is newer data and comes first among equal keys; distinct
     */
    public MergeIterator(List<SstEntryIterator> sources, int[] ranks) {
        this(sources, ranks, false);
    }

    /**
     * A merge over {@code sources}, positioned before the first entry; with {@code byKey}, the sources are
     * iterators of key-ordered SSTs, merged in ascending unsigned key order (equal keys newest source first, one
     * source's entries in file order, as in the hash order).
     *
     * @param sources the iterators, positioned before their first entry
     * @param ranks   per source, its age: a higher rank is newer data and comes first among equal keys; distinct
     * @param byKey   whether to merge by key alone (key-ordered SSTs) rather than by (hash, key)
     */
    public MergeIterator(List<SstEntryIterator> sources, int[] ranks, boolean byKey) {
        this(sources, ranks, byKey, false);
    }

    /**
     * As {@link #MergeIterator(List, int[], boolean)}; with {@code descending}, keys come in descending unsigned
     * order (the sources walk down, {@code SstReader.keyIteratorReverse}), equal keys still newest source first and
     * one source's entries of a key in file order.
     *
     * @param sources    the iterators, positioned before their first entry
     * @param ranks      per source, its age: a higher rank is newer data and comes first among equal keys; distinct
     * @param byKey      whether to merge by key alone (key-ordered SSTs) rather than by (hash, key)
     * @param descending whether keys descend (only by key)
     */
    public MergeIterator(List<SstEntryIterator> sources, int[] ranks, boolean byKey, boolean descending) {
        if (descending && !byKey) {
            throw new IllegalArgumentException("only a merge by key can descend");
        }
        this.byKey = byKey;
        this.descending = descending;
        if (ranks.length != sources.size()) {
            throw new IllegalArgumentException("ranks: " + ranks.length + " (expected: one per source, "
                    + sources.size() + ")");
        }
        this.sources = sources.toArray(SstEntryIterator[]::new);
        this.ranks = ranks.clone();
        this.hashes = new long[ranks.length];
        this.keySegments = new MemorySegment[ranks.length];
        this.keyOffsets = new long[ranks.length];
        this.keyLengths = new long[ranks.length];
        this.heap = new int[ranks.length];
    }

    /**
     * Moves to the next entry.
     *
     * @return false when every source is exhausted
     * @throws CorruptionException when a source's block is damaged
     */
    public boolean next() throws CorruptionException {
        if (!started) {
            started = true;
            for (int source = 0; source < sources.length; source++) {
                if (advance(source)) {
                    heap[heapSize] = source;
                    siftUp(heapSize++);
                }
            }
            return heapSize > 0;
        }
        if (heapSize == 0) {
            return false;
        }
        if (!advance(heap[0])) {
            heap[0] = heap[--heapSize];
        }
        if (heapSize > 0) {
            siftDown(0);
        }
        return heapSize > 0;
    }

    private boolean advance(int source) throws CorruptionException {
        SstEntryIterator iterator = sources[source];
        if (!iterator.next()) {
            keySegments[source] = null;
            return false;
        }
        if (!byKey) { // a key-ordered SST computes a hash only when asked (SstEntryIterator#hash)
            hashes[source] = iterator.hash();
        }
        keySegments[source] = iterator.keySegment();
        keyOffsets[source] = iterator.keyOffset();
        keyLengths[source] = iterator.keyLength();
        return true;
    }

    /**
     * Whether the current entry's key differs from the key of the entry this method was last called on: call it once
     * per entry, after {@link #next()}, to find where a key's entries (newest source first) begin. Compares the hash
     * (in hash order), then the bytes; on a new key, copies it for the next comparison.
     *
     * @return {@code true} for the first entry of a key, including the first entry of the merge
     */
    public boolean startsNewKey() {
        long hash = byKey ? 0 : hash();
        long length = keyLength();
        if (lastKeyLength >= 0 && hash == lastHash
                && Bytes.equal(keySegment(), keyOffset(), length, lastKey, 0, lastKeyLength)) {
            return false;
        }
        if (length > lastKey.byteSize()) {
            lastKey = MemorySegment.ofArray(new byte[(int) Math.max(length, lastKey.byteSize() * 2)]);
        }
        MemorySegment.copy(keySegment(), keyOffset(), lastKey, 0, length);
        lastKeyLength = length;
        lastHash = hash;
        return true;
    }

    /** {@return the current entry's key hash} */
    public long hash() {
        return byKey ? sources[heap[0]].hash() : hashes[heap[0]];
    }

    /** {@return the current entry's key, as a new slice; valid until {@link #next()}} */
    public MemorySegment key() {
        int source = heap[0];
        return keySegments[source].asSlice(keyOffsets[source], keyLengths[source]);
    }

    /** {@return the segment holding the current entry's key, at {@link #keyOffset()}; valid until {@link #next()}} */
    public MemorySegment keySegment() {
        return keySegments[heap[0]];
    }

    /** {@return where the current entry's key starts in {@link #keySegment()}} */
    public long keyOffset() {
        return keyOffsets[heap[0]];
    }

    /** {@return the current entry's key length in bytes} */
    public long keyLength() {
        return keyLengths[heap[0]];
    }

    /** {@return the current entry's kind} */
    public EntryKind kind() {
        return sources[heap[0]].kind();
    }

    /** {@return the current value, for {@link EntryKind#VALUE}, as a new slice; valid until {@link #next()}} */
    public MemorySegment value() {
        return sources[heap[0]].value();
    }

    /** {@return the segment holding the current value, for {@link EntryKind#VALUE}; valid until {@link #next()}} */
    public MemorySegment valueSegment() {
        return sources[heap[0]].valueSegment();
    }

    /** {@return where the current value starts in {@link #valueSegment()}} */
    public long valueOffset() {
        return sources[heap[0]].valueOffset();
    }

    /** {@return the current value's length in bytes} */
    public long valueLength() {
        return sources[heap[0]].valueLength();
    }

    /**
     * {@return whether the current value is a medium value left as its on-disk block (sources made by
     * {@code SstReader.iterator(true)}); see {@link SstEntryIterator#isRawMediumValue()}}
     */
    public boolean isRawMediumValue() {
        return sources[heap[0]].isRawMediumValue();
    }

    /** {@return the segment holding the current medium value's on-disk block, when {@link #isRawMediumValue()}} */
    public MemorySegment rawBlockSegment() {
        return sources[heap[0]].rawBlockSegment();
    }

    /** {@return where the current medium value's block starts (its header) in {@link #rawBlockSegment()}} */
    public long rawBlockOffset() {
        return sources[heap[0]].rawBlockOffset();
    }

    /** {@return the current medium value's block length on disk, header included} */
    public long rawBlockLength() {
        return sources[heap[0]].rawBlockLength();
    }

    /** {@return the current blob sequence number, for {@link EntryKind#BLOB}} */
    public int blobSeq() {
        return sources[heap[0]].blobSeq();
    }

    /** {@return the rank of the source of the current entry} A higher rank is newer data. */
    public int rank() {
        return ranks[heap[0]];
    }

    /** Whether source {@code a}'s entry comes before source {@code b}'s. */
    private boolean before(int a, int b) {
        int cmp = byKey ? 0 : Long.compareUnsigned(hashes[a], hashes[b]);
        if (cmp == 0) {
            cmp = KeyBlock.compareKeys(keySegments[a], keyOffsets[a], keyLengths[a], keySegments[b], keyOffsets[b],
                    keyLengths[b]);
            if (cmp == 0) {
                return ranks[a] > ranks[b];
            }
        }
        return descending ? cmp > 0 : cmp < 0;
    }

    private void siftUp(int at) {
        int source = heap[at];
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            if (!before(source, heap[parent])) {
                break;
            }
            heap[at] = heap[parent];
            at = parent;
        }
        heap[at] = source;
    }

    private void siftDown(int at) {
        int source = heap[at];
        while (true) {
            int child = 2 * at + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], source)) {
                break;
            }
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = source;
    }
}
