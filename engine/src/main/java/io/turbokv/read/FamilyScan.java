package io.turbokv.read;

import io.turbokv.KeyValueConsumer;
import io.turbokv.ValueConsumer;
import io.turbokv.io.Bytes;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Every live value of one family in one store state, in (unsigned hash, key) order, which to a caller is no
 * meaningful order: the store is hash-ordered.
 *
 * <p>A k-way merge over the family's live SSTs, each read front to back by its own iterator; on equal keys the
 * newer SST (the earlier in the state's newest-first order) comes first, and an SST's own entries keep their file
 * order (values, then the tombstone). Per key, a single-valued family yields the newest entry unless it is a
 * tombstone; a multi-valued one yields values down to its first tombstone. The caller holds a version lease for
 * the whole scan. It costs a read of every SST of the family; the SSTs' blocks are decoded into the iterators' own
 * memory, so the scan does not disturb what concurrent readers use.
 */
public final class FamilyScan implements AutoCloseable {
    private final BlobFiles blobs;
    private final boolean multiValued;
    private final List<SstEntryIterator> sources = new ArrayList<>();
    /** Heap of source indexes, ordered by each source's current entry. */
    private int[] heap;
    private int heapSize;
    /**
     * The key being decided, copied because its source moves on while the older entries of the same key are
     * skipped; reused from key to key so that the scan allocates nothing per comparison.
     */
    private MemorySegment currentKey = MemorySegment.ofArray(new byte[64]);
    private long currentKeyLength;

    public FamilyScan(BlobFiles blobs, StoreState state, int family, boolean multiValued) throws IOException {
        this.blobs = blobs;
        this.multiValued = multiValued;
        try {
            for (LiveMeta meta : state.metas()) {
                if (meta.family() == family) {
                    for (SstSlot slot : meta.ssts()) {
                        sources.add(slot.reader().iterator());
                    }
                }
            }
            heap = new int[sources.size()];
            for (int i = 0; i < sources.size(); i++) {
                if (sources.get(i).next()) {
                    push(i);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Hands every live value to {@code consumer}. */
    public void run(KeyValueConsumer consumer) throws IOException {
        while (heapSize > 0) {
            int first = heap[0];
            SstEntryIterator head = sources.get(first);
            long hash = head.hash();
            rememberKey(head);
            boolean done = false; // the key is decided: its older entries are shadowed
            while (heapSize > 0) {
                int source = heap[0];
                SstEntryIterator it = sources.get(source);
                if (it.hash() != hash || !Bytes.equal(it.keySegment(), it.keyOffset(), it.keyLength(), currentKey, 0,
                        currentKeyLength)) {
                    break;
                }
                if (!done) {
                    switch (it.kind()) {
                        case VALUE -> consumer.accept(it.key(), it.value());
                        case BLOB -> deliverBlob(it.key(), it.blobSeq(), consumer);
                        case TOMBSTONE -> { }
                    }
                    done = !multiValued || it.kind() == EntryKind.TOMBSTONE;
                }
                advance(source);
            }
        }
    }

    private void deliverBlob(MemorySegment key, int seq, KeyValueConsumer consumer) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            consumer.accept(key, blobs.read(seq, arena));
        }
    }

    private void rememberKey(SstEntryIterator it) {
        long length = it.keyLength();
        if (length > currentKey.byteSize()) {
            currentKey = MemorySegment.ofArray(new byte[(int) Math.max(length, currentKey.byteSize() * 2)]);
        }
        MemorySegment.copy(it.keySegment(), it.keyOffset(), currentKey, 0, length);
        currentKeyLength = length;
    }

    /** Moves {@code source} (the heap's top) to its next entry and restores the heap. */
    private void advance(int source) throws IOException {
        if (sources.get(source).next()) {
            siftDown(0);
        } else {
            heap[0] = heap[--heapSize];
            siftDown(0);
        }
    }

    private boolean less(int a, int b) {
        SstEntryIterator x = sources.get(a);
        SstEntryIterator y = sources.get(b);
        int byHash = Long.compareUnsigned(x.hash(), y.hash());
        if (byHash != 0) {
            return byHash < 0;
        }
        int byKey = Bytes.compareUnsigned(x.keySegment(), x.keyOffset(), x.keyLength(), y.keySegment(), y.keyOffset(),
                y.keyLength());
        return byKey != 0 ? byKey < 0 : a < b; // newer SST (lower index) first
    }

    private void push(int source) {
        int i = heapSize++;
        heap[i] = source;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(heap[i], heap[parent])) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int left = 2 * i + 1;
            if (left >= heapSize) {
                return;
            }
            int smallest = left + 1 < heapSize && less(heap[left + 1], heap[left]) ? left + 1 : left;
            if (!less(heap[smallest], heap[i])) {
                return;
            }
            swap(i, smallest);
            i = smallest;
        }
    }

    private void swap(int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    }

    @Override
    public void close() {
        sources.forEach(SstEntryIterator::close);
    }
}
