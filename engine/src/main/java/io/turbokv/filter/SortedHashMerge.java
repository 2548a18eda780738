package io.turbokv.filter;

import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A k-way merge of {@link UsedKeyFilter} payloads: a binary min-heap of input indexes keyed by each input's current
 * hash (unsigned), so merging n hashes from k filters costs O(n log k) and no object per hash.
 */
final class SortedHashMerge {
    private final List<MemorySegment> filters;
    private final long[] positions;
    private final long[] ends;
    /** Per input: its current hash with the sign bit flipped, so signed comparison is unsigned order. */
    private final long[] heads;
    private final int[] heap;
    private int heapSize;

    /** Prepares the merge of {@code filters}, which must be well-formed (empty ones allowed). */
    SortedHashMerge(List<MemorySegment> filters) {
        this.filters = filters;
        this.positions = new long[filters.size()];
        this.ends = new long[filters.size()];
        this.heads = new long[filters.size()];
        this.heap = new int[filters.size()];
        for (int i = 0; i < filters.size(); i++) {
            positions[i] = UsedKeyFilter.HASHES;
            ends[i] = filters.get(i).byteSize();
            if (advance(i)) {
                heap[heapSize++] = i;
            }
        }
        for (int i = heapSize / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    /**
     * Writes the distinct hashes of all inputs, ascending unsigned, to {@code out} (at least as long as the inputs'
     * hash counts together); returns how many.
     */
    int mergeInto(long[] out) {
        int count = 0;
        while (heapSize > 0) {
            int input = heap[0];
            long hash = heads[input] ^ Long.MIN_VALUE;
            if (count == 0 || out[count - 1] != hash) {
                out[count++] = hash;
            }
            if (!advance(input)) {
                heap[0] = heap[--heapSize];
            }
            siftDown(0);
        }
        return count;
    }

    /** Loads input {@code i}'s next hash into {@code heads}; false when the input is exhausted. */
    private boolean advance(int i) {
        if (positions[i] >= ends[i]) {
            return false;
        }
        MemorySegment filter = filters.get(i);
        heads[i] = filter.get(Bytes.BE_LONG, positions[i]) ^ Long.MIN_VALUE;
        positions[i] += UsedKeyFilter.HASH_BYTES;
        return true;
    }

    private void siftDown(int from) {
        int node = from;
        while (true) {
            int smallest = node;
            int left = 2 * node + 1;
            int right = left + 1;
            if (left < heapSize && heads[heap[left]] < heads[heap[smallest]]) {
                smallest = left;
            }
            if (right < heapSize && heads[heap[right]] < heads[heap[smallest]]) {
                smallest = right;
            }
            if (smallest == node) {
                return;
            }
            int swap = heap[node];
            heap[node] = heap[smallest];
            heap[smallest] = swap;
            node = smallest;
        }
    }
}
