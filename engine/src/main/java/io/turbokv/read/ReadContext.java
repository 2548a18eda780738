package io.turbokv.read;

import io.turbokv.ValueConsumer;
import io.turbokv.cache.BlockCaches;
import io.turbokv.cache.Readers;
import io.turbokv.ffm.ScopedView;
import io.turbokv.sst.EntryVisitor;
import io.turbokv.sst.LookupScratch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.agrona.collections.IntArrayList;

/**
 * One reader's reusable state for a lookup: the SST scratch memory and the visitor that routes the entries an
 * SST hands over. Pooled by {@link ReadContextPool}, so a lookup allocates no objects of its own.
 */
public final class ReadContext implements EntryVisitor, AutoCloseable {
    final LookupScratch scratch = new LookupScratch();
    /** Where this context's calls are counted, which the context's close hands back to {@link #counters}. */
    final LookupCounters.Tally tally;
    private final LookupCounters counters;
    /** Blob references met during a lookup; read after it, since reading a blob can fail with I/O. */
    final IntArrayList blobs = new IntArrayList();
    private ValueConsumer consumer;
    private byte[] copy;
    private boolean copying;
    private Arena scope;
    private int values;
    /** The caches the current call may use, entered at its first lookup in an SST. */
    private BlockCaches available;
    /** The caches the current call entered, or null. */
    private BlockCaches caches;
    private int readerSlot = Readers.NO_SLOT;
    /**
     * What the current call skipped: meta files of another family, SSTs whose hash range or key filter ruled a key
     * out, SSTs without the key. Plain counts, added to this context's tally once ({@link #reportMisses}).
     */
    int familyMisses;
    int rangeMisses;
    int filterMisses;
    int keyMisses;
    /** SSTs the current call tested (by hash range, key filter or key block), for its slow-get event. */
    int probes;
    /** When the current call started, or {@code SlowGets.NOT_TIMED}. */
    long started;
    /** Bytes {@code batchGet} touched ahead of its lookups, folded together so that the loads are not dropped. */
    int touched;
    private BatchScratch batch;

    /**
     * A context with empty scratch memory, delivering to no consumer until a lookup prepares it, counting in a
     * tally of {@code counters} (the scratch takes memory at the first block it decodes).
     */
    ReadContext(LookupCounters counters) {
        this.counters = counters;
        this.tally = counters.register();
    }

    /**
     * Routes this context's lookups through {@code caches} until {@link #exitCaches()}: blocks handed out stay
     * valid until then (a reader that finds no free record reads around the caches). The caches' reader record is
     * claimed only at the call's first lookup in an SST ({@link #inCaches()}): a key that every hash range and key
     * filter rules out never claims one, which saves an absent key's get an atomic claim and a release.
     *
     * @param caches the store's block caches
     */
    public void enterCaches(BlockCaches caches) {
        if (caches.isEnabled()) {
            this.available = caches;
        }
    }

    /**
     * Claims the caches' reader record of this call, unless it has one: called before every lookup in an SST, which
     * may read a cached block.
     */
    void inCaches() {
        BlockCaches entering = available;
        if (entering != null && caches == null) {
            this.caches = entering;
            this.readerSlot = entering.readers().enter();
            if (readerSlot != Readers.NO_SLOT) {
                scratch.useCaches(entering.keyBlocks(), entering.valueBlocks(), readerSlot);
            }
        }
    }

    /** Stops using the caches; nothing handed out from them may be used any more. */
    public void exitCaches() {
        available = null;
        if (caches != null) {
            scratch.useCaches(null, null, Readers.NO_SLOT);
            caches.readers().exit(readerSlot);
            readerSlot = Readers.NO_SLOT;
            caches = null;
        }
    }

    /** {@return this context's working memory for {@code batchGet}, made at its first batch} */
    BatchScratch batch() {
        if (batch == null) {
            batch = new BatchScratch();
        }
        return batch;
    }

    /** Adds the current call's skip counts to this context's tally and starts the next call's from zero. */
    void reportMisses() {
        tally.add(LookupCounters.FAMILY_MISSES, familyMisses);
        tally.add(LookupCounters.RANGE_MISSES, rangeMisses);
        tally.add(LookupCounters.FILTER_MISSES, filterMisses);
        tally.add(LookupCounters.KEY_MISSES, keyMisses);
        familyMisses = 0;
        rangeMisses = 0;
        filterMisses = 0;
        keyMisses = 0;
        probes = 0;
    }

    /**
     * Prepares for a lookup that hands values to {@code consumer}, valid during the call.
     *
     * @param consumer receives the values the lookup finds
     */
    public void deliverTo(ValueConsumer consumer) {
        this.consumer = consumer;
        this.copying = false;
        this.scope = null;
        reset();
    }

    /**
     * Prepares for a lookup that hands values to {@code consumer} as views that stay valid until {@code scope}
     * closes: a value in a mapped file becomes a view of the mapping tied to {@code scope} (the caller holds a
     * version lease that keeps the mapping alive that long); a value in scratch memory, which the next lookup
     * overwrites, or in a block cache, which may recycle it once the lookup is over, is copied into {@code scope}.
     *
     * @param consumer receives the values the lookup finds
     * @param scope    the read scope's arena, which bounds the values' lifetime
     */
    public void deliverScoped(ValueConsumer consumer, Arena scope) {
        this.consumer = consumer;
        this.copying = false;
        this.scope = scope;
        reset();
    }

    /** Prepares for a lookup that copies its single value to the heap ({@link #copy()}). */
    public void copyValue() {
        this.consumer = null;
        this.copying = true;
        this.scope = null;
        reset();
    }

    private void reset() {
        copy = null;
        values = 0;
        blobs.clear();
    }

    /** {@return how many values were handed over (or copied) so far, blobs not counted} */
    public int values() {
        return values;
    }

    /** {@return the copied value, or {@code null}} */
    public byte[] copy() {
        return copy;
    }

    /** Forgets the consumer and the copy, so the pool holds no reference to the caller's objects. */
    public void clear() {
        consumer = null;
        copy = null;
        scope = null;
    }

    @Override
    public void onValue(MemorySegment bytes, long offset, long length) {
        values++;
        if (copying) {
            copy = new byte[Math.toIntExact(length)];
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, offset, copy, 0, copy.length);
        } else if (scope == null) {
            consumer.accept(bytes.asSlice(offset, length));
        } else if (bytes.isMapped()) {
            consumer.accept(ScopedView.of(bytes.asSlice(offset, length), scope));
        } else {
            MemorySegment owned = scope.allocate(length);
            MemorySegment.copy(bytes, offset, owned, 0, length);
            consumer.accept(owned);
        }
    }

    @Override
    public void onBlob(int blobSeq) {
        blobs.addInt(blobSeq);
    }

    @Override
    public void onTombstone() {
        // the lookup's result says DELETED; nothing to hand over
    }

    /** Frees the scratch memory and hands the tally's counts to the counters. */
    @Override
    public void close() {
        scratch.close();
        counters.retire(tally);
    }
}
