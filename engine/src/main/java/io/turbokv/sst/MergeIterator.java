package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The k-way merge of SST iterators, the one whole-family scans ({@code io.turbokv.read.FamilyScan}), cursors
 * ({@code io.turbokv.read.RangeScan}) and compaction read through: yields every entry of every source in ascending
 * (unsigned hash, unsigned key bytes) order, or, for key-ordered SSTs, ascending unsigned key order; entries of
 * equal keys come newest source first (highest rank), and the entries of one source keep their file order (a
 * multi-valued key's values, then its tombstone). Which of a key's entries count (the newest only,
 * or the values down to the first tombstone) is the caller's rule, not the merge's.
 *
 * <p>A loser tree over the sources, each source's current entry ranked first by a word kept on the heap (its hash,
 * or its key's leading 8 bytes), so that a step costs {@code log2(k)} comparisons of two longs and reads keys only
 * where words are equal (measured, a scan of four key-ordered SSTs: see docs/perf/ordered.md). Keys and values are
 * ranges of the sources'
 * mapped or decoded memory ({@link #keySegment()}, {@link #keyOffset()}, {@link #keyLength()} and the value's
 * counterparts), valid until the next call of {@link #next()}; nothing is copied and nothing is allocated per
 * entry. {@link #key()} and {@link #value()} wrap the same ranges in new slices, for callers that want them.
 * {@link #startsNewKey()} tells where one key's entries end and the next key's begin, from a copy of the last key
 * it saw (as words, in an array that grows with the longest key and is reused). Not thread-safe. Does not own the sources: the caller
 * closes them.
 */
public final class MergeIterator {
    private final SstEntryIterator[] sources;
    private final int[] ranks;
    /**
     * Per source, the word its current entry is ordered by first: the hash in hash order; by key, the key's leading
     * 8 bytes big-endian, padded with zero bytes when the key is shorter (two keys whose words differ are ordered as
     * their words; only equal words need the keys' bytes).
     */
    private final long[] words;
    // No array of the key segments: they are mapped or decoded memory, two classes, and storing the second class
    // into an array the JIT had seen hold only the first deoptimized every compiled merge that inlined the store
    // (an array_check trap, a recompile of the merge loop per JVM and range); the sources hand them out instead.
    private final long[] keyOffsets;
    private final long[] keyLengths;
    /** Per source, whether it is exhausted (ranked after every entry). */
    private final boolean[] exhausted;
    /**
     * The loser tree: {@code tree[n]} for an inner node {@code 1 <= n < k} is the source that lost the match there;
     * leaf {@code i} is node {@code k + i}, and node {@code n}'s children are {@code 2n} and {@code 2n + 1}. A step
     * replays the matches on the path from the winner's leaf to the root: {@code log2(k)} comparisons, where a heap's
     * sift-down costs up to twice that.
     */
    private final int[] tree;
    /** Whether the sources are key-ordered SSTs, merged by unsigned key alone rather than by (hash, key). */
    private final boolean byKey;
    /** Whether keys come in descending order (sources made by {@code SstReader.keyIteratorReverse}). */
    private final boolean descending;
    /** The source of the current entry (the tree's winner), or -1 before the first step and when all are done. */
    private int current = -1;
    private boolean started;
    /**
     * The key {@link #startsNewKey()} saw last: its word, its length (-1 before any) and its bytes as 8-byte words
     * (native order, the last one zero-padded; the array grows with the longest key and is reused). Words rather than
     * a byte copy: a 16-byte key is then two loads and two stores, where {@code MemorySegment.copy} and
     * {@code mismatch} pay a bulk operation's checks and call per key (a fifth of a full scan's CPU time when they did).
     */
    private long lastWord;
    private long[] lastKeyWords = new long[8];
    private long lastKeyLength = -1;

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
        this.words = new long[ranks.length];
        this.keyOffsets = new long[ranks.length];
        this.keyLengths = new long[ranks.length];
        this.exhausted = new boolean[ranks.length];
        this.tree = new int[Math.max(ranks.length, 1)];
    }

    /**
     * Moves to the next entry.
     *
     * @return false when every source is exhausted
     * @throws CorruptionException when a source's block is damaged
     */
    public boolean next() throws CorruptionException {
        if (sources.length == 0) {
            return false;
        }
        if (!started) {
            started = true;
            for (int source = 0; source < sources.length; source++) {
                advance(source);
            }
            current = build(1);
        } else {
            if (exhausted[current]) {
                return false;
            }
            int winner = current;
            advance(winner);
            // replay the winner's matches up to the root
            for (int node = (winner + sources.length) >>> 1; node > 0; node >>>= 1) {
                int loser = tree[node];
                if (before(loser, winner)) {
                    tree[node] = winner;
                    winner = loser;
                }
            }
            current = winner;
        }
        return !exhausted[current];
    }

    /** Plays the matches of the subtree under {@code node}: stores each match's loser, returns the winner. */
    private int build(int node) {
        int k = sources.length;
        if (node >= k) {
            return node - k;
        }
        int left = build(2 * node);
        int right = build(2 * node + 1);
        if (before(right, left)) {
            tree[node] = left;
            return right;
        }
        tree[node] = right;
        return left;
    }

    private void advance(int source) throws CorruptionException {
        SstEntryIterator iterator = sources[source];
        if (!iterator.next()) {
            exhausted[source] = true;
            return;
        }
        MemorySegment segment = iterator.keySegment();
        long offset = iterator.keyOffset();
        long length = iterator.keyLength();
        keyOffsets[source] = offset;
        keyLengths[source] = length;
        // a key-ordered SST computes a hash only when asked (SstEntryIterator#hash)
        words[source] = byKey ? KeyBlock.searchWord(segment, offset, length, 0) : iterator.hash();
    }

    /**
     * Whether the current entry's key differs from the key of the entry this method was last called on: call it once
     * per entry, after {@link #next()}, to find where a key's entries (newest source first) begin. Compares the word
     * (the hash, or the key's leading bytes) and length, then the bytes; on a new key, copies it for the next
     * comparison.
     *
     * @return {@code true} for the first entry of a key, including the first entry of the merge
     */
    public boolean startsNewKey() {
        int source = current;
        long word = words[source];
        long length = keyLengths[source];
        MemorySegment segment = sources[source].keySegment();
        long offset = keyOffsets[source];
        if (word == lastWord && length == lastKeyLength
                && (byKey && length <= Long.BYTES // the word and the length are the whole key
                        || sameAsLastKey(segment, offset, length))) {
            return false;
        }
        int wordCount = (int) ((length + Long.BYTES - 1) >>> 3);
        if (wordCount > lastKeyWords.length) {
            lastKeyWords = new long[Math.max(wordCount, lastKeyWords.length * 2)];
        }
        if (!byKey || length > Long.BYTES) {
            for (int i = 0; i < wordCount; i++) {
                lastKeyWords[i] = keyWord(segment, offset, length, i);
            }
        }
        lastKeyLength = length;
        lastWord = word;
        return true;
    }

    /** Whether the key at {@code offset} has the bytes of the last key; its length is the last key's. */
    private boolean sameAsLastKey(MemorySegment segment, long offset, long length) {
        int wordCount = (int) ((length + Long.BYTES - 1) >>> 3);
        for (int i = 0; i < wordCount; i++) {
            if (keyWord(segment, offset, length, i) != lastKeyWords[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@return the key's bytes {@code 8i..8i+7} in native order, zero-padded past its end} */
    private static long keyWord(MemorySegment segment, long offset, long length, int i) {
        long at = (long) i << 3;
        if (length - at >= Long.BYTES) {
            return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + at);
        }
        long word = 0;
        for (long b = at; b < length; b++) {
            word = word << 8 | (segment.get(ValueLayout.JAVA_BYTE, offset + b) & 0xFF);
        }
        return word;
    }

    /**
     * Compares two keys as unsigned bytes, 8 at a time as big-endian words, then byte by byte. Equal words are
     * the common case here (a key rewritten in several sources meets its copies), and the keys are short:
     * {@code MemorySegment.mismatch} paid a bulk operation's checks and call per comparison (7 % of a full
     * compaction's merging threads at 1,000,000 entries, docs/perf/compaction.md). Package-private for
     * MergeIteratorKeyOrderTest, which checks it against {@code Arrays.compareUnsigned} at every word edge.
     */
    static int compareKeys(MemorySegment a, long aOffset, long aLength, MemorySegment b, long bOffset,
                           long bLength) {
        long common = Math.min(aLength, bLength);
        long at = 0;
        for (; at + Long.BYTES <= common; at += Long.BYTES) {
            long x = a.get(Bytes.BE_LONG, aOffset + at);
            long y = b.get(Bytes.BE_LONG, bOffset + at);
            if (x != y) {
                return Long.compareUnsigned(x, y);
            }
        }
        for (; at < common; at++) {
            int x = a.get(ValueLayout.JAVA_BYTE, aOffset + at) & 0xFF;
            int y = b.get(ValueLayout.JAVA_BYTE, bOffset + at) & 0xFF;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return Long.compare(aLength, bLength);
    }

    /** {@return the current entry's key hash} */
    public long hash() {
        return byKey ? sources[current].hash() : words[current];
    }

    /** {@return the current entry's key, as a new slice; valid until {@link #next()}} */
    public MemorySegment key() {
        int source = current;
        return sources[source].keySegment().asSlice(keyOffsets[source], keyLengths[source]);
    }

    /** {@return the segment holding the current entry's key, at {@link #keyOffset()}; valid until {@link #next()}} */
    public MemorySegment keySegment() {
        return sources[current].keySegment();
    }

    /** {@return where the current entry's key starts in {@link #keySegment()}} */
    public long keyOffset() {
        return keyOffsets[current];
    }

    /** {@return the current entry's key length in bytes} */
    public long keyLength() {
        return keyLengths[current];
    }

    /** {@return the current entry's kind} */
    public EntryKind kind() {
        return sources[current].kind();
    }

    /** {@return the current value, for {@link EntryKind#VALUE}, as a new slice; valid until {@link #next()}} */
    public MemorySegment value() {
        return sources[current].value();
    }

    /** {@return the segment holding the current value, for {@link EntryKind#VALUE}; valid until {@link #next()}} */
    public MemorySegment valueSegment() {
        return sources[current].valueSegment();
    }

    /** {@return where the current value starts in {@link #valueSegment()}} */
    public long valueOffset() {
        return sources[current].valueOffset();
    }

    /** {@return the current value's length in bytes} */
    public long valueLength() {
        return sources[current].valueLength();
    }

    /**
     * {@return whether the current value is a medium value left as its on-disk block (sources made by
     * {@code SstReader.iterator(true)}); see {@link SstEntryIterator#isRawMediumValue()}}
     */
    public boolean isRawMediumValue() {
        return sources[current].isRawMediumValue();
    }

    /** {@return the segment holding the current medium value's on-disk block, when {@link #isRawMediumValue()}} */
    public MemorySegment rawBlockSegment() {
        return sources[current].rawBlockSegment();
    }

    /** {@return where the current medium value's block starts (its header) in {@link #rawBlockSegment()}} */
    public long rawBlockOffset() {
        return sources[current].rawBlockOffset();
    }

    /** {@return the current medium value's block length on disk, header included} */
    public long rawBlockLength() {
        return sources[current].rawBlockLength();
    }

    /** {@return the current blob sequence number, for {@link EntryKind#BLOB}} */
    public int blobSeq() {
        return sources[current].blobSeq();
    }

    /** {@return the rank of the source of the current entry} A higher rank is newer data. */
    public int rank() {
        return ranks[current];
    }

    /**
     * Whether source {@code a}'s entry comes before source {@code b}'s: an exhausted source after every other; the
     * words first, whole keys only when they are equal (both keys then share their leading bytes, or their hash).
     */
    private boolean before(int a, int b) {
        if (exhausted[a] || exhausted[b]) {
            return !exhausted[a];
        }
        long x = words[a];
        long y = words[b];
        int cmp;
        if (x != y) {
            cmp = Long.compareUnsigned(x, y);
            if (!byKey) {
                return cmp < 0;
            }
        } else {
            cmp = compareKeys(sources[a].keySegment(), keyOffsets[a], keyLengths[a], sources[b].keySegment(),
                    keyOffsets[b], keyLengths[b]);
            if (cmp == 0) {
                return ranks[a] > ranks[b];
            }
        }
        return descending ? cmp > 0 : cmp < 0;
    }
}
