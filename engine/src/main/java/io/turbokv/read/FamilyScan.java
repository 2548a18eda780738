package io.turbokv.read;

import io.turbokv.KeyValueConsumer;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.MergeIterator;
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
 * meaningful order, or, for a key-ordered family, in ascending unsigned key order.
 *
 * <p>A {@link MergeIterator} over the family's live SSTs, each read front to back by its own iterator, the newer
 * SST (the earlier in the state's newest-first order) ranked higher. Per key, a single-valued family yields the
 * newest entry unless it is a tombstone; a multi-valued one yields values down to its first tombstone. The caller
 * holds a version lease for the whole scan. It costs a read of every SST of the family; the SSTs' blocks are
 * decoded into the iterators' own memory, so the scan does not disturb what concurrent readers use.
 */
public final class FamilyScan implements AutoCloseable {
    private final BlobFiles blobs;
    private final boolean multiValued;
    private final List<SstEntryIterator> sources = new ArrayList<>();
    private final MergeIterator merge;

    /**
     * A scan of {@code family} in {@code state}, opening an iterator over each of the family's live SSTs.
     *
     * @param multiValued whether the family keeps every value of a key (down to its first tombstone)
     * @param blobs       the store's blob files, which blob values are read from
     * @param state       the state to scan, on which the caller holds a lease
     * @param family      the family's index
     * @throws IOException when an SST cannot be mapped
     */
    public FamilyScan(BlobFiles blobs, StoreState state, int family, boolean multiValued) throws IOException {
        this.blobs = blobs;
        this.multiValued = multiValued;
        boolean byKey = false;
        try {
            for (LiveMeta meta : state.metas()) {
                if (meta.family() == family) {
                    for (SstSlot slot : meta.ssts()) {
                        // a family's SSTs share one order: all key-ordered, or all hash-ordered
                        byKey = slot.reader().keyOrdered();
                        sources.add(slot.reader().iterator());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        int[] ranks = new int[sources.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = ranks.length - 1 - i; // newest first in the state: the highest rank
        }
        merge = new MergeIterator(sources, ranks, byKey);
    }

    /**
     * Hands every live value to {@code consumer}.
     *
     * @param consumer receives each key with each of its values
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public void run(KeyValueConsumer consumer) throws IOException {
        boolean decided = false; // the current key's older entries are shadowed
        while (merge.next()) {
            if (merge.startsNewKey()) {
                decided = false;
            }
            if (decided) {
                continue;
            }
            EntryKind kind = merge.kind();
            switch (kind) {
                case VALUE -> consumer.accept(merge.key(), merge.value());
                case BLOB -> deliverBlob(merge.key(), merge.blobSeq(), consumer);
                case TOMBSTONE -> {}
            }
            decided = !multiValued || kind == EntryKind.TOMBSTONE;
        }
    }

    private void deliverBlob(MemorySegment key, int seq, KeyValueConsumer consumer) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            consumer.accept(key, blobs.read(seq, arena));
        }
    }

    @Override
    public void close() {
        sources.forEach(SstEntryIterator::close);
    }
}
