package io.turbokv.write;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.turbokv.io.Bytes;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Orders the records of an {@link EntryBuffer} as SST files need them: unsigned hash, then unsigned key bytes,
 * then values before the tombstone of the same key, then append order; for a key-ordered family, unsigned key
 * bytes, then values before the tombstone, then append order ({@link #sort(EntryBuffer, boolean)}).
 *
 * <p>One sequential pass over the chunks gathers each record's (hash, ref) pair into native memory borrowed
 * through the buffer's {@link BatchMemory} (16 bytes per record, and as much again for the sort's other side:
 * {@value #SCRATCH_BYTES_PER_RECORD} bytes per record in one buffer, returned by {@link #close()}); an LSD radix
 * sort on the hash ({@value #DIGIT_BITS}-bit digits, stable) orders them; the rare runs of equal hashes
 * (one key written twice, or a collision) are then ordered by key, kind and ref. The spill reads the hashes from
 * the array and each record once, in hash order: no record header is read at random to compare it. Stability
 * makes the last tie-break (append order, the ref order, see {@link EntryBuffer}) hold, and it is what lets a
 * single-valued spill keep the latest of duplicate puts.
 *
 * <p>Why radix: a quicksort of (hash, ref) pairs compares with branches that random hashes mispredict half the
 * time; six counting passes over the arrays cost less at a spill's size (256 Ki entries).
 *
 * <p>Why pooled native memory: as {@code long[]}s the pairs of a 256 Ki-entry spill were four 2 MiB humongous heap
 * arrays per spill; their churn made the collector shrink and regrow the heap, and a million-entry batch on a warm
 * store faulted in 60-80 MB of fresh pages (one in five of its CPU) writing them. The pool's buffers are faulted in
 * once and serve every later spill.
 *
 * <p>Not thread-safe: one spill sorts; its halves may then read it from two threads, until {@link #close()}.
 */
final class EntrySorter implements AutoCloseable {
    static final int DIGIT_BITS = 11;
    private static final int BUCKETS = 1 << DIGIT_BITS;
    private static final int PASSES = (Long.SIZE + DIGIT_BITS - 1) / DIGIT_BITS;
    /** Below this many records an insertion sort is cheaper than the radix sort's histograms. */
    private static final int RADIX_THRESHOLD = 64;
    /** One (hash, ref) pair: the hash at offset 0, the ref at offset 8, native byte order. */
    private static final long PAIR = 16;
    /** Scratch bytes per record: the pairs and the other side of the sort. */
    static final long SCRATCH_BYTES_PER_RECORD = 2 * PAIR;

    private final EntryBuffer buffer;
    private final int count;
    /** The scratch: two regions of {@code count} pairs; null once returned by {@link #close()}. */
    private WriteBufferPool.Buffer lease;
    private MemorySegment scratch;
    /** Where the sorted pairs start in {@link #scratch}: 0 or {@code count * PAIR}. */
    private long pairs;
    /** Whether the records are in key order (a key-ordered family) rather than hash order. */
    private boolean byKey;

    private EntrySorter(EntryBuffer buffer) {
        this.buffer = buffer;
        this.count = buffer.count();
        if (count > 0) {
            lease = buffer.batchMemory().borrow(count * SCRATCH_BYTES_PER_RECORD);
            scratch = lease.segment();
        }
        long at = 0;
        for (int c = 0; c < buffer.chunkCount(); c++) {
            EntryChunk chunk = buffer.chunk(c);
            MemorySegment memory = chunk.segment();
            long offset = 0;
            for (int i = 0; i < chunk.count(); i++, at += PAIR) {
                scratch.set(JAVA_LONG, at, memory.get(JAVA_LONG_UNALIGNED, offset + EntryChunk.HASH));
                scratch.set(JAVA_LONG, at + 8, EntryBuffer.ref(c, offset));
                offset += EntryChunk.recordBytesAt(memory, offset);
            }
        }
    }

    /** {@return {@code buffer}'s records in SST order}; the caller closes it */
    static EntrySorter sort(EntryBuffer buffer) {
        return sort(buffer, false);
    }

    /**
     * {@return {@code buffer}'s records in the SST order of a hash-ordered family, or with {@code byKey}, of a
     * key-ordered one}; the caller closes it, after the last read of its order and before {@code buffer}'s memory is
     * gone. Key order is a stable merge sort comparing key bytes ({@link MemorySegment#mismatch}), then tombstones
     * after values, then append order: the same tie-breaks as within a run of equal hashes.
     */
    static EntrySorter sort(EntryBuffer buffer, boolean byKey) {
        EntrySorter sorter = new EntrySorter(buffer);
        try {
            if (byKey) {
                sorter.byKey = true;
                sorter.mergeSortByKey();
            } else if (sorter.count < RADIX_THRESHOLD) {
                sorter.insertionSort(0, sorter.count - 1, true);
            } else {
                sorter.radixSort();
                sorter.orderEqualHashes();
            }
            return sorter;
        } catch (RuntimeException | Error e) {
            sorter.close();
            throw e;
        }
    }

    int count() {
        return count;
    }

    /** {@return the hash of the {@code index}-th record in SST order} */
    long hash(int index) {
        return scratch.get(JAVA_LONG, pairs + index * PAIR);
    }

    /** {@return the ref (see {@link EntryBuffer}) of the {@code index}-th record in SST order} */
    long ref(int index) {
        return scratch.get(JAVA_LONG, pairs + index * PAIR + 8);
    }

    /** Returns the scratch memory; the order cannot be read afterwards. Idempotent. */
    @Override
    public void close() {
        if (lease != null) {
            WriteBufferPool.Buffer returned = lease;
            lease = null;
            scratch = null; // a read after close fails here instead of reading another owner's buffer
            buffer.batchMemory().release(returned);
        }
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
                sorted[i - from] = hash(i) ^ Long.MIN_VALUE; // signed order of the flipped values is unsigned order
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
        long previous = 0;
        for (int i = from; i < to; i++) {
            long hash = hash(i);
            if (i == from || hash != previous) {
                distinct++;
            }
            previous = hash;
        }
        long[] out = new long[distinct];
        for (int i = from, d = 0; i < to; i++) {
            long hash = hash(i);
            if (i == from || hash != previous) {
                out[d++] = hash;
            }
            previous = hash;
        }
        return out;
    }

    /**
     * {@return the index nearest {@code index} (at or after it first) where the hash differs from the one before,
     * so that the records before and after it share no hash; 0 when every record has one hash}
     */
    int hashBoundaryNear(int index) {
        for (int i = Math.max(1, index); i < count; i++) {
            if (boundaryAt(i)) {
                return i;
            }
        }
        for (int i = Math.min(index, count - 1); i >= 1; i--) {
            if (boundaryAt(i)) {
                return i;
            }
        }
        return 0;
    }

    /** Whether record {@code i} starts a new key group: its hash (or, in key order, its key) differs. */
    private boolean boundaryAt(int i) {
        if (!byKey) {
            return hash(i) != hash(i - 1);
        }
        long a = ref(i - 1);
        long b = ref(i);
        return !Bytes.equal(buffer.memory(a), EntryBuffer.keyOffset(a), buffer.keyLength(a), buffer.memory(b),
                EntryBuffer.keyOffset(b), buffer.keyLength(b));
    }

    /** Sorts the records by key, then tombstones after values, then ref: a stable top-down merge sort. */
    private void mergeSortByKey() {
        if (count < 2) {
            return;
        }
        long other = count * PAIR;
        MemorySegment.copy(scratch, 0, scratch, other, other);
        mergeSort(other, 0, 0, count);
        pairs = 0;
    }

    /**
     * Sorts pairs {@code [low, high)} of the region at {@code source} into the region at {@code target} (both start
     * with the same contents).
     */
    private void mergeSort(long source, long target, int low, int high) {
        if (high - low <= 16) {
            for (int i = low + 1; i < high; i++) {
                long hash = scratch.get(JAVA_LONG, target + i * PAIR);
                long ref = scratch.get(JAVA_LONG, target + i * PAIR + 8);
                int j = i;
                while (j > low
                        && compareSameHash(buffer, ref, scratch.get(JAVA_LONG, target + (j - 1) * PAIR + 8)) < 0) {
                    copyPair(target + (j - 1) * PAIR, target + j * PAIR);
                    j--;
                }
                scratch.set(JAVA_LONG, target + j * PAIR, hash);
                scratch.set(JAVA_LONG, target + j * PAIR + 8, ref);
            }
            return;
        }
        int mid = (low + high) >>> 1;
        mergeSort(target, source, low, mid);
        mergeSort(target, source, mid, high);
        if (compareSameHash(buffer, scratch.get(JAVA_LONG, source + (mid - 1) * PAIR + 8),
                scratch.get(JAVA_LONG, source + mid * PAIR + 8)) <= 0) {
            MemorySegment.copy(scratch, source + low * PAIR, scratch, target + low * PAIR, (high - low) * PAIR);
            return;
        }
        for (int i = low, p = low, q = mid; i < high; i++) {
            if (q >= high || (p < mid && compareSameHash(buffer, scratch.get(JAVA_LONG, source + p * PAIR + 8),
                    scratch.get(JAVA_LONG, source + q * PAIR + 8)) <= 0)) {
                copyPair(source + p++ * PAIR, target + i * PAIR);
            } else {
                copyPair(source + q++ * PAIR, target + i * PAIR);
            }
        }
    }

    private void copyPair(long from, long to) {
        scratch.set(JAVA_LONG, to, scratch.get(JAVA_LONG, from));
        scratch.set(JAVA_LONG, to + 8, scratch.get(JAVA_LONG, from + 8));
    }

    private void radixSort() {
        int[][] counts = new int[PASSES][BUCKETS];
        long end = count * PAIR;
        for (long at = 0; at < end; at += PAIR) {
            long hash = scratch.get(JAVA_LONG, at);
            for (int pass = 0; pass < PASSES; pass++) {
                counts[pass][digit(hash, pass)]++;
            }
        }
        long source = 0;
        long target = end;
        for (int pass = 0; pass < PASSES; pass++) {
            int[] starts = counts[pass];
            if (starts[digit(scratch.get(JAVA_LONG, source), pass)] == count) {
                continue; // every hash has this digit: the pass would not move anything
            }
            int start = 0;
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                int inBucket = starts[bucket];
                starts[bucket] = start;
                start += inBucket;
            }
            for (long at = source; at < source + end; at += PAIR) {
                long hash = scratch.get(JAVA_LONG, at);
                long to = target + starts[digit(hash, pass)]++ * PAIR;
                scratch.set(JAVA_LONG, to, hash);
                scratch.set(JAVA_LONG, to + 8, scratch.get(JAVA_LONG, at + 8));
            }
            long swap = source;
            source = target;
            target = swap;
        }
        pairs = source;
    }

    private static int digit(long hash, int pass) {
        return (int) (hash >>> (pass * DIGIT_BITS)) & (BUCKETS - 1);
    }

    /** Orders each run of equal hashes by key, kind and ref (the radix sort left them in ref order). */
    private void orderEqualHashes() {
        for (int i = 0; i < count - 1; i++) {
            long hash = hash(i);
            if (hash == hash(i + 1)) {
                int last = i + 1;
                while (last + 1 < count && hash(last + 1) == hash) {
                    last++;
                }
                insertionSort(i, last, false);
                i = last;
            }
        }
    }

    private void insertionSort(int low, int high, boolean byHash) {
        for (int i = low + 1; i <= high; i++) {
            long hash = hash(i);
            long ref = ref(i);
            int j = i;
            while (j > low && compare(hash, ref, hash(j - 1), ref(j - 1), byHash) < 0) {
                copyPair(pairs + (j - 1) * PAIR, pairs + j * PAIR);
                j--;
            }
            scratch.set(JAVA_LONG, pairs + j * PAIR, hash);
            scratch.set(JAVA_LONG, pairs + j * PAIR + 8, ref);
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
