package io.turbokv.write;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.turbokv.io.Bytes;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Orders the records of an {@link EntryBuffer} as SST files need them: unsigned hash, then unsigned key bytes,
 * then values before the tombstone of the same key, then append order; for a key-ordered family, unsigned key
 * bytes, then values before the tombstone, then append order ({@link #sort(EntryBuffer, boolean)}).
 *
 * <p>One sequential pass over the chunks gathers each record's (hash, ref) into two parallel {@code long[]}s; an
 * LSD radix sort on the hash ({@value #DIGIT_BITS}-bit digits, stable) orders them; the rare runs of equal hashes
 * (one key written twice, or a collision) are then ordered by key, kind and ref. The spill reads the hashes from
 * the array and each record once, in hash order: no record header is read at random to compare it. Stability
 * makes the last tie-break (append order, the ref order, see {@link EntryBuffer}) hold, and it is what lets a
 * single-valued spill keep the latest of duplicate puts.
 *
 * <p>Why radix: a quicksort of (hash, ref) pairs compares with branches that random hashes mispredict half the
 * time; six counting passes over the arrays cost less at a spill's size (256 Ki entries).
 */
final class EntrySorter {
    static final int DIGIT_BITS = 11;
    private static final int BUCKETS = 1 << DIGIT_BITS;
    private static final int PASSES = (Long.SIZE + DIGIT_BITS - 1) / DIGIT_BITS;
    /** Below this many records an insertion sort is cheaper than the radix sort's histograms. */
    private static final int RADIX_THRESHOLD = 64;

    private final EntryBuffer buffer;
    /** Whether the records are in key order (a key-ordered family) rather than hash order. */
    private boolean byKey;
    private long[] hashes;
    private long[] refs;

    private EntrySorter(EntryBuffer buffer) {
        this.buffer = buffer;
        int count = buffer.count();
        hashes = new long[count];
        refs = new long[count];
        int n = 0;
        for (int c = 0; c < buffer.chunkCount(); c++) {
            EntryChunk chunk = buffer.chunk(c);
            MemorySegment memory = chunk.segment();
            long offset = 0;
            for (int i = 0; i < chunk.count(); i++, n++) {
                hashes[n] = memory.get(JAVA_LONG_UNALIGNED, offset + EntryChunk.HASH);
                refs[n] = EntryBuffer.ref(c, offset);
                offset += EntryChunk.recordBytesAt(memory, offset);
            }
        }
    }

    /** {@return {@code buffer}'s records in SST order} */
    static EntrySorter sort(EntryBuffer buffer) {
        return sort(buffer, false);
    }

    /**
     * {@return {@code buffer}'s records in the SST order of a hash-ordered family, or with {@code byKey}, of a
     * key-ordered one} Key order is a stable merge sort comparing key bytes ({@link MemorySegment#mismatch}), then
     * tombstones after values, then append order: the same tie-breaks as within a run of equal hashes.
     */
    static EntrySorter sort(EntryBuffer buffer, boolean byKey) {
        EntrySorter sorter = new EntrySorter(buffer);
        if (byKey) {
            sorter.byKey = true;
            sorter.mergeSortByKey();
            return sorter;
        }
        if (sorter.hashes.length < RADIX_THRESHOLD) {
            sorter.insertionSort(0, sorter.hashes.length - 1, true);
        } else {
            sorter.radixSort();
            sorter.orderEqualHashes();
        }
        return sorter;
    }

    int count() {
        return hashes.length;
    }

    /** {@return the hash of the {@code index}-th record in SST order} */
    long hash(int index) {
        return hashes[index];
    }

    /** {@return the ref (see {@link EntryBuffer}) of the {@code index}-th record in SST order} */
    long ref(int index) {
        return refs[index];
    }

    /**
     * {@return the distinct hashes of the records {@code [from, to)} in SST order, ascending unsigned: the key hashes
     * the SST's filter holds}
     */
    long[] distinctHashes(int from, int to) {
        if (byKey) {
            // key order leaves hashes unordered: sort a copy, then drop repeats (a key's many values, collisions)
            long[] sorted = new long[to - from];
            for (int i = from; i < to; i++) {
                sorted[i - from] = hashes[i] ^ Long.MIN_VALUE; // signed order of the flipped values is unsigned order
            }
            Arrays.sort(sorted);
            int distinct = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (i == 0 || sorted[i] != sorted[i - 1]) {
                    sorted[distinct++] = sorted[i];
                }
            }
            long[] out = new long[distinct];
            for (int i = 0; i < distinct; i++) {
                out[i] = sorted[i] ^ Long.MIN_VALUE;
            }
            return out;
        }
        int distinct = 0;
        for (int i = from; i < to; i++) {
            if (i == from || hashes[i] != hashes[i - 1]) {
                distinct++;
            }
        }
        long[] out = new long[distinct];
        for (int i = from, d = 0; i < to; i++) {
            if (i == from || hashes[i] != hashes[i - 1]) {
                out[d++] = hashes[i];
            }
        }
        return out;
    }

    /**
     * {@return the index nearest {@code index} (at or after it first) where the hash differs from the one before,
     * so that the records before and after it share no hash; 0 when every record has one hash}
     */
    int hashBoundaryNear(int index) {
        for (int i = Math.max(1, index); i < hashes.length; i++) {
            if (boundaryAt(i)) {
                return i;
            }
        }
        for (int i = Math.min(index, hashes.length - 1); i >= 1; i--) {
            if (boundaryAt(i)) {
                return i;
            }
        }
        return 0;
    }

    /** Whether record {@code i} starts a new key group: its hash (or, in key order, its key) differs. */
    private boolean boundaryAt(int i) {
        if (!byKey) {
            return hashes[i] != hashes[i - 1];
        }
        long a = refs[i - 1];
        long b = refs[i];
        return !Bytes.equal(buffer.memory(a), EntryBuffer.keyOffset(a), buffer.keyLength(a), buffer.memory(b),
                EntryBuffer.keyOffset(b), buffer.keyLength(b));
    }

    /** Sorts the records by key, then tombstones after values, then ref: a stable top-down merge sort. */
    private void mergeSortByKey() {
        int n = refs.length;
        if (n < 2) {
            return;
        }
        long[] hashesTo = hashes.clone();
        long[] refsTo = refs.clone();
        mergeSort(hashesTo, refsTo, hashes, refs, 0, n);
    }

    /** Sorts {@code [low, high)} of the source arrays into the target ones (both start with the same contents). */
    private void mergeSort(long[] sourceHashes, long[] sourceRefs, long[] targetHashes, long[] targetRefs, int low,
                           int high) {
        if (high - low <= 16) {
            for (int i = low + 1; i < high; i++) {
                long hash = targetHashes[i];
                long ref = targetRefs[i];
                int j = i;
                while (j > low && compareSameHash(buffer, ref, targetRefs[j - 1]) < 0) {
                    targetHashes[j] = targetHashes[j - 1];
                    targetRefs[j] = targetRefs[j - 1];
                    j--;
                }
                targetHashes[j] = hash;
                targetRefs[j] = ref;
            }
            return;
        }
        int mid = (low + high) >>> 1;
        mergeSort(targetHashes, targetRefs, sourceHashes, sourceRefs, low, mid);
        mergeSort(targetHashes, targetRefs, sourceHashes, sourceRefs, mid, high);
        if (compareSameHash(buffer, sourceRefs[mid - 1], sourceRefs[mid]) <= 0) {
            System.arraycopy(sourceHashes, low, targetHashes, low, high - low);
            System.arraycopy(sourceRefs, low, targetRefs, low, high - low);
            return;
        }
        for (int i = low, p = low, q = mid; i < high; i++) {
            if (q >= high || (p < mid && compareSameHash(buffer, sourceRefs[p], sourceRefs[q]) <= 0)) {
                targetHashes[i] = sourceHashes[p];
                targetRefs[i] = sourceRefs[p++];
            } else {
                targetHashes[i] = sourceHashes[q];
                targetRefs[i] = sourceRefs[q++];
            }
        }
    }

    private void radixSort() {
        int n = hashes.length;
        int[][] counts = new int[PASSES][BUCKETS];
        for (long hash : hashes) {
            for (int pass = 0; pass < PASSES; pass++) {
                counts[pass][digit(hash, pass)]++;
            }
        }
        long[] hashesTo = new long[n];
        long[] refsTo = new long[n];
        for (int pass = 0; pass < PASSES; pass++) {
            int[] count = counts[pass];
            if (count[digit(hashes[0], pass)] == n) {
                continue; // every hash has this digit: the pass would not move anything
            }
            int start = 0;
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                int c = count[bucket];
                count[bucket] = start;
                start += c;
            }
            for (int i = 0; i < n; i++) {
                long hash = hashes[i];
                int to = count[digit(hash, pass)]++;
                hashesTo[to] = hash;
                refsTo[to] = refs[i];
            }
            long[] swapHashes = hashes;
            hashes = hashesTo;
            hashesTo = swapHashes;
            long[] swapRefs = refs;
            refs = refsTo;
            refsTo = swapRefs;
        }
    }

    private static int digit(long hash, int pass) {
        return (int) (hash >>> (pass * DIGIT_BITS)) & (BUCKETS - 1);
    }

    /** Orders each run of equal hashes by key, kind and ref (the radix sort left them in ref order). */
    private void orderEqualHashes() {
        int n = hashes.length;
        for (int i = 0; i < n - 1; i++) {
            if (hashes[i] == hashes[i + 1]) {
                int last = i + 1;
                while (last + 1 < n && hashes[last + 1] == hashes[i]) {
                    last++;
                }
                insertionSort(i, last, false);
                i = last;
            }
        }
    }

    private void insertionSort(int low, int high, boolean byHash) {
        for (int i = low + 1; i <= high; i++) {
            long hash = hashes[i];
            long ref = refs[i];
            int j = i;
            while (j > low && compare(hash, ref, hashes[j - 1], refs[j - 1], byHash) < 0) {
                hashes[j] = hashes[j - 1];
                refs[j] = refs[j - 1];
                j--;
            }
            hashes[j] = hash;
            refs[j] = ref;
        }
    }

    private int compare(long hashA, long a, long hashB, long b, boolean byHash) {
        int byHashOrder = byHash ? Long.compareUnsigned(hashA, hashB) : 0;
        return byHashOrder != 0 ? byHashOrder : compareSameHash(buffer, a, b);
    }

    /** Compares two records of equal hash: unsigned key bytes, values before tombstones, then ref order. */
    static int compareSameHash(EntryBuffer buffer, long a, long b) {
        int byKey = Bytes.compareUnsigned(buffer.memory(a), EntryBuffer.keyOffset(a), buffer.keyLength(a),
                buffer.memory(b), EntryBuffer.keyOffset(b), buffer.keyLength(b));
        if (byKey != 0) {
            return byKey;
        }
        int byTombstone = Boolean.compare(buffer.kind(a) == EntryKind.TOMBSTONE,
                buffer.kind(b) == EntryKind.TOMBSTONE);
        return byTombstone != 0 ? byTombstone : Long.compare(a, b);
    }
}
