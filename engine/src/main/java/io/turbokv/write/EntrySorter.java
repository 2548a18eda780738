package io.turbokv.write;

import io.turbokv.io.Bytes;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;

/**
 * Sorts the record offsets of an {@link EntryBuffer} into the order SST files need:
 * unsigned hash, then unsigned key bytes, then values before the tombstone of the same key, then append order.
 *
 * <p>A quicksort over a {@code long[]} of offsets with the hashes in a parallel {@code long[]}, so the common
 * comparison (different hashes) touches no record; no object per entry is created. The last tie-break (append
 * order) makes the result deterministic and lets a single-valued spill keep the latest of duplicate puts.
 */
final class EntrySorter {
    private static final int INSERTION_THRESHOLD = 16;

    private final MemorySegment memory;
    private final EntryBuffer buffer;
    private final long[] offsets;
    private final long[] hashes;

    private EntrySorter(EntryBuffer buffer) {
        this.buffer = buffer;
        this.memory = buffer.memory();
        this.offsets = buffer.offsets();
        this.hashes = new long[buffer.count()];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = buffer.hash(offsets[i]);
        }
    }

    /** Sorts {@code buffer}'s offsets in place. */
    static void sort(EntryBuffer buffer) {
        if (buffer.count() > 1) {
            new EntrySorter(buffer).quicksort(0, buffer.count() - 1);
        }
    }

    /** Compares two records in SST order. */
    static int compare(EntryBuffer buffer, long a, long b) {
        int byHash = Long.compareUnsigned(buffer.hash(a), buffer.hash(b));
        return byHash != 0 ? byHash : compareSameHash(buffer, buffer.memory(), a, b);
    }

    private static int compareSameHash(EntryBuffer buffer, MemorySegment memory, long a, long b) {
        int byKey = Bytes.compareUnsigned(memory, a + EntryBuffer.HEADER, buffer.keyLength(a),
                memory, b + EntryBuffer.HEADER, buffer.keyLength(b));
        if (byKey != 0) {
            return byKey;
        }
        int byTombstone = Boolean.compare(buffer.kind(a) == EntryKind.TOMBSTONE,
                buffer.kind(b) == EntryKind.TOMBSTONE);
        return byTombstone != 0 ? byTombstone : Long.compare(a, b);
    }

    private int compareAt(int i, int j) {
        int byHash = Long.compareUnsigned(hashes[i], hashes[j]);
        return byHash != 0 ? byHash : compareSameHash(buffer, memory, offsets[i], offsets[j]);
    }

    private void quicksort(int low, int high) {
        while (high - low > INSERTION_THRESHOLD) {
            int middle = (low + high) >>> 1;
            // median of three to the low slot as pivot
            if (compareAt(middle, low) < 0) {
                swap(middle, low);
            }
            if (compareAt(high, low) < 0) {
                swap(high, low);
            }
            if (compareAt(high, middle) < 0) {
                swap(high, middle);
            }
            swap(low, middle);
            int i = low;
            int j = high + 1;
            while (true) {
                do {
                    i++;
                } while (i <= high && compareAt(i, low) < 0);
                do {
                    j--;
                } while (compareAt(j, low) > 0);
                if (i >= j) {
                    break;
                }
                swap(i, j);
            }
            swap(low, j);
            // recurse into the smaller side to bound the stack depth
            if (j - low < high - j) {
                quicksort(low, j - 1);
                low = j + 1;
            } else {
                quicksort(j + 1, high);
                high = j - 1;
            }
        }
        insertionSort(low, high);
    }

    private void insertionSort(int low, int high) {
        for (int i = low + 1; i <= high; i++) {
            for (int j = i; j > low && compareAt(j, j - 1) < 0; j--) {
                swap(j, j - 1);
            }
        }
    }

    private void swap(int i, int j) {
        long offset = offsets[i];
        offsets[i] = offsets[j];
        offsets[j] = offset;
        long hash = hashes[i];
        hashes[i] = hashes[j];
        hashes[j] = hash;
    }
}
