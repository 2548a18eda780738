package io.turbokv.read;

import io.turbokv.KeyValueConsumer;
import io.turbokv.ValueConsumer;
import io.turbokv.cache.BlockCaches;
import io.turbokv.filter.KeyFilter;
import io.turbokv.io.KeyHash;
import io.turbokv.jfr.SlowGets;
import io.turbokv.meta.MetaEntry;
import io.turbokv.sst.LookupResult;
import io.turbokv.sst.SstReader;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Objects;

/**
 * The read path over one published {@link StoreState}: meta files newest first, within each its
 * SSTs newest first, skipping a meta file of another family, an SST whose hash range misses the key, and an SST
 * whose key filter rules the key out; the first SST that knows the key decides (a single-valued key), or every SST
 * down to the first tombstone contributes (a multi-valued key). Every hit, a tombstone included, records the
 * key's hash as used for the warm/cold split of compaction.
 *
 * <p>A point read leases the current state for the whole call (a scoped read runs on the lease of its scope), so
 * no mapping it reaches is unmapped meanwhile. Every call runs inside the block caches ({@link ReadContext#enterCaches})
 * from its first lookup in an SST on, so no cached block it is handed is recycled meanwhile. Values come from mapped, cached or scratch memory and are valid only during
 * delivery. Outcomes are counted in {@link LookupCounters}, through the tally of the call's context (plain stores,
 * no atomic instruction); the SSTs a call skipped are counted in its context and added to the tally once, when the
 * call ends.
 */
public final class Lookups {
    /** Keys of a {@code batchGet} whose loads are issued together before any of them is looked up. */
    static final int PIPELINE = 8;
    private final AccessedKeys[] accessedKeys;
    private final LookupCounters counters = new LookupCounters();
    private final ReadContextPool contexts = new ReadContextPool(counters);
    private final BlobFiles blobs;
    private final BlockCaches caches;
    private final VersionTracker<StoreState> versions;
    private final SlowGets slowGets;

    /**
     * The read path of one store: states come from {@code versions}, values of blobs from {@code blobs}, hits are
     * recorded in {@code accessedKeys} and blocks are cached in {@code caches}.
     *
     * @param versions     the store's states; the point reads without a state argument lease the current one
     * @param blobs        the store's blob files, read by name or through their pinned mappings
     * @param accessedKeys per family, the hashes of keys read since the family's last commit
     * @param caches       the store's key-block and value-block caches
     * @param slowGets     the store's slow-get events
     */
    public Lookups(VersionTracker<StoreState> versions, BlobFiles blobs, AccessedKeys[] accessedKeys,
                   BlockCaches caches, SlowGets slowGets) {
        this.versions = versions;
        this.blobs = blobs;
        this.accessedKeys = accessedKeys;
        this.caches = caches;
        this.slowGets = slowGets;
    }

    /** {@return the store's blob files, which blob values are read from} */
    public BlobFiles blobs() {
        return blobs;
    }

    /** {@return the block caches lookups go through} */
    public BlockCaches caches() {
        return caches;
    }

    /** {@return the counters of lookup outcomes and skipped SSTs} */
    public LookupCounters counters() {
        return counters;
    }

    /** A context inside the caches; give it back with {@link #end}. */
    private ReadContext begin() {
        ReadContext context = contexts.acquire();
        context.started = slowGets.start();
        context.enterCaches(caches);
        return context;
    }

    /** Ends a call of one key: its slow-get event, then {@link #end(ReadContext)}. */
    private void end(ReadContext context, String operation, int family, MemorySegment key) {
        slowGets.finish(context.started, operation, family, 1, key.byteSize(), context.values() + context.blobs.size(),
                context.probes);
        end(context);
    }

    private void end(ReadContext context) {
        context.reportMisses();
        context.exitCaches();
        contexts.release(context);
    }

    /**
     * {@return the single value of {@code key} in the current state, copied to the heap, or {@code null}}
     *
     * @param family the family's index
     * @param key    the key's bytes
     * @throws IOException when a file cannot be read or is damaged
     */
    public byte[] getCopy(int family, MemorySegment key) throws IOException {
        VersionTracker.Version<StoreState> version = versions.acquire();
        try {
            return getCopy(version.state(), family, key);
        } finally {
            version.release();
        }
    }

    /**
     * Hands the single value of {@code key} in the current state to {@code consumer}.
     *
     * @param family   the family's index
     * @param key      the key's bytes
     * @param consumer receives the value, valid only during the call
     * @return whether the key had a value
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public boolean get(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        VersionTracker.Version<StoreState> version = versions.acquire();
        try {
            return get(version.state(), family, key, consumer);
        } finally {
            version.release();
        }
    }

    /**
     * Hands every value of {@code key} in the current state to {@code consumer}.
     *
     * @param family   the family's index, a multi-valued one
     * @param key      the key's bytes
     * @param consumer receives each value, valid only during its call
     * @return how many values were handed over
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public int getMultiple(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        VersionTracker.Version<StoreState> version = versions.acquire();
        try {
            return getMultiple(version.state(), family, key, consumer);
        } finally {
            version.release();
        }
    }

    /**
     * The values of {@code keys} in one current state, copied; {@code null} where a key has none.
     *
     * @param family the family's index, a single-valued one
     * @param keys   the keys to look up
     * @return the values, or nulls, in the order of {@code keys}
     * @throws IOException when a file cannot be read or is damaged
     */
    public byte[][] batchGet(int family, byte[][] keys) throws IOException {
        VersionTracker.Version<StoreState> version = versions.acquire();
        try {
            return batchGet(version.state(), family, keys);
        } finally {
            version.release();
        }
    }

    /**
     * {@return the single value of {@code key}, copied to the heap, or {@code null}}
     *
     * @param state  the state to read, on which the caller holds a lease
     * @param family the family's index
     * @param key    the key's bytes
     * @throws IOException when a file cannot be read or is damaged
     */
    private byte[] getCopy(StoreState state, int family, MemorySegment key) throws IOException {
        ReadContext context = begin();
        try {
            context.copyValue();
            if (!find(state, family, key, KeyHash.hash(key), context, false)) {
                return null;
            }
            if (context.values() > 0) {
                return context.copy();
            }
            try (Arena arena = Arena.ofConfined()) {
                return readBlob(context.blobs.getInt(0), arena).toArray(ValueLayout.JAVA_BYTE);
            }
        } finally {
            end(context, "get", family, key);
        }
    }

    /**
     * Hands the single value of {@code key} to {@code consumer}.
     *
     * @param state    the state to read, on which the caller holds a lease
     * @param family   the family's index
     * @param key      the key's bytes
     * @param consumer receives the value, valid only during the call
     * @return whether the key had a value
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    private boolean get(StoreState state, int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        ReadContext context = begin();
        try {
            context.deliverTo(consumer);
            if (!find(state, family, key, KeyHash.hash(key), context, false)) {
                return false;
            }
            deliverBlobs(context, consumer);
            return true;
        } finally {
            end(context, "get", family, key);
        }
    }

    /**
     * Hands every value of {@code key} (one at most in a single-valued family) to {@code consumer} as views valid
     * until {@code scope} closes.
     *
     * @param state    the state to read, on which the caller holds a lease as long as {@code scope} is open
     * @param family   the family's index
     * @param key      the key's bytes
     * @param all      whether to deliver every value of a multi-valued key, rather than the first one found
     * @param consumer receives each value
     * @param scope    the read scope's arena, which bounds the values' lifetime
     * @return how many values were handed over
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public int getScoped(StoreState state, int family, MemorySegment key, boolean all, ValueConsumer consumer,
                         Arena scope)
            throws IOException {
        ReadContext context = begin();
        try {
            context.deliverScoped(consumer, scope);
            find(state, family, key, KeyHash.hash(key), context, all);
            int blobs = context.blobs.size();
            for (int i = 0; i < blobs; i++) {
                consumer.accept(readBlob(context.blobs.getInt(i), scope));
            }
            return context.values() + blobs;
        } finally {
            end(context, "scopedGet", family, key);
        }
    }

    /**
     * Hands every value of {@code key} to {@code consumer}.
     *
     * @param state    the state to read, on which the caller holds a lease
     * @param family   the family's index, a multi-valued one
     * @param key      the key's bytes
     * @param consumer receives each value, valid only during its call
     * @return how many values were handed over
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    private int getMultiple(StoreState state, int family, MemorySegment key, ValueConsumer consumer)
            throws IOException {
        ReadContext context = begin();
        try {
            context.deliverTo(consumer);
            find(state, family, key, KeyHash.hash(key), context, true);
            return context.values() + deliverBlobs(context, consumer);
        } finally {
            end(context, "getMultiple", family, key);
        }
    }

    /**
     * The values of {@code keys}, copied; {@code null} where a key has none. The keys are visited in hash order and
     * each SST once, newest first, so the first SST that knows a key decides it. Within an SST the keys go in
     * groups of {@value #PIPELINE}: first every key filter answer of the group, then a touch of the key block lines
     * each lookup will read first ({@link SstReader#touchGuess}), then of the entry each will compare
     * ({@link SstReader#touchEntry}), then the lookups, so that the group's cache and TLB misses are in flight
     * together instead of one after the other. Allocates nothing on the heap but the result
     * and its values (the context's {@link BatchScratch} holds the rest).
     *
     * @param state  the state to read, on which the caller holds a lease
     * @param family the family's index, a single-valued one
     * @param keys   the keys to look up
     * @return the values, or nulls, in the order of {@code keys}
     * @throws IOException when a file cannot be read or is damaged
     */
    private byte[][] batchGet(StoreState state, int family, byte[][] keys) throws IOException {
        int n = keys.length;
        for (int i = 0; i < n; i++) {
            // before begin(): a refused batch must not leave its read context and cache reader record claimed
            Objects.requireNonNull(keys[i], "keys[i] is null");
        }
        byte[][] values = new byte[n][];
        ReadContext context = begin();
        BatchScratch batch = context.batch();
        batch.prepare(n);
        long[] hashes = batch.hashes;
        int[] order = batch.order;
        for (int i = 0; i < n; i++) {
            hashes[i] = KeyHash.hash(batch.key(keys[i]));
            order[i] = i;
        }
        sortByHash(order, n, hashes);
        int pending = n;
        try {
            context.copyValue();
            List<LiveMeta> metas = state.metas();
            for (int m = 0; m < metas.size() && pending > 0; m++) { // indexed: an iterator would be an allocation
                LiveMeta meta = metas.get(m);
                if (meta.family() != family) {
                    context.familyMisses++;
                    continue;
                }
                for (SstSlot slot : meta.ssts()) {
                    if (pending == 0) {
                        break;
                    }
                    pending = probeBatch(slot, family, keys, values, pending, context);
                }
            }
            context.tally.add(LookupCounters.MISSES, pending);
            return values;
        } finally {
            slowGets.finish(context.started, "batchGet", family, n, keyBytes(keys), n - pending, context.probes);
            end(context);
        }
    }

    /**
     * Looks the first {@code pending} keys of the batch's order up in one SST, a group of {@value #PIPELINE} at a
     * time (see {@link #batchGet(StoreState, int, byte[][])}); a key the SST knows is resolved (its value, if any,
     * copied into {@code values}) and leaves the order, whose pending keys stay in hash order.
     *
     * @return how many keys are still pending
     */
    private int probeBatch(SstSlot slot, int family, byte[][] keys, byte[][] values, int pending,
                           ReadContext context)
            throws IOException {
        BatchScratch batch = context.batch();
        long[] hashes = batch.hashes;
        int[] order = batch.order;
        boolean[] mayHold = batch.mayHold;
        MetaEntry entry = slot.entry();
        MemorySegment filter = entry.filter();
        SstReader reader = null; // opened (mapped, its index read) only once a key may be in it, as get does
        long minHash = entry.minHash();
        long maxHash = entry.maxHash();
        int kept = 0;
        for (int group = 0; group < pending; group += PIPELINE) {
            int end = Math.min(pending, group + PIPELINE);
            // The filter's lines of every key in the group, then the key block lines of those it may hold: loads
            // that do not depend on one another, so the CPU keeps several of them in flight.
            for (int j = group; j < end; j++) {
                long hash = hashes[order[j]];
                mayHold[j - group] = Long.compareUnsigned(hash, minHash) >= 0
                        && Long.compareUnsigned(hash, maxHash) <= 0 && KeyFilter.mayContain(filter, hash);
            }
            int touched = 0;
            for (int j = group; j < end; j++) {
                if (mayHold[j - group]) {
                    if (reader == null) {
                        reader = slot.reader();
                    }
                    touched ^= reader.touchGuess(hashes[order[j]]);
                }
            }
            for (int j = group; j < end; j++) {
                if (mayHold[j - group]) {
                    touched ^= reader.touchEntry(hashes[order[j]], context.scratch);
                }
            }
            context.touched ^= touched;
            for (int j = group; j < end; j++) {
                int i = order[j];
                long hash = hashes[i];
                context.probes++;
                if (!mayHold[j - group]) {
                    if (Long.compareUnsigned(hash, minHash) < 0 || Long.compareUnsigned(hash, maxHash) > 0) {
                        context.rangeMisses++;
                    } else {
                        context.filterMisses++;
                    }
                    order[kept++] = i;
                    continue;
                }
                context.inCaches();
                if (reader.lookup(hash, batch.key(keys[i]), context.scratch, context) == LookupResult.ABSENT) {
                    context.keyMisses++;
                    order[kept++] = i;
                    continue;
                }
                context.tally.outcome(true, context.values(), context.blobs.size());
                accessedKeys[family].record(hash);
                values[i] = context.copy();
                if (values[i] == null && !context.blobs.isEmpty()) {
                    try (Arena arena = Arena.ofConfined()) {
                        values[i] = readBlob(context.blobs.getInt(0), arena).toArray(ValueLayout.JAVA_BYTE);
                    }
                }
                context.copyValue(); // an absent key hands nothing over: only a hit needs a fresh context
            }
        }
        return kept;
    }

    private static long keyBytes(byte[][] keys) {
        long bytes = 0;
        for (byte[] key : keys) {
            bytes += key.length;
        }
        return bytes;
    }

    /**
     * Sorts {@code order} (indexes into {@code hashes}) by unsigned hash: a heap sort, in place, no boxing.
     *
     * @param order  the indexes to sort
     * @param hashes the hashes the indexes refer to, left unchanged
     */
    public static void sortByHash(int[] order, long[] hashes) {
        sortByHash(order, order.length, hashes);
    }

    /** As {@link #sortByHash(int[], long[])}, for the first {@code n} indexes of {@code order}. */
    static void sortByHash(int[] order, int n, long[] hashes) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(order, hashes, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            int top = order[0];
            order[0] = order[end];
            order[end] = top;
            siftDown(order, hashes, 0, end);
        }
    }

    private static void siftDown(int[] order, long[] hashes, int i, int size) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                return;
            }
            if (child + 1 < size && Long.compareUnsigned(hashes[order[child + 1]], hashes[order[child]]) > 0) {
                child++;
            }
            if (Long.compareUnsigned(hashes[order[child]], hashes[order[i]]) <= 0) {
                return;
            }
            int swap = order[i];
            order[i] = order[child];
            order[child] = swap;
            i = child;
        }
    }

    /**
     * Walks the state for {@code key}; values go to {@code context}, blob references into its list.
     *
     * @param all whether to collect from every SST down to the first tombstone (multi-valued) rather than stop at
     *            the first SST that has the key
     * @return whether the key has at least one value (a tombstone alone, or nothing, is false)
     */
    private boolean find(StoreState state, int family, MemorySegment key, long hash, ReadContext context,
                         boolean all)
            throws IOException {
        boolean hit = false;
        try {
            for (LiveMeta meta : state.metas()) {
                if (meta.family() != family) {
                    context.familyMisses++;
                    continue;
                }
                for (SstSlot slot : meta.ssts()) {
                    LookupResult result = probe(slot, hash, key, context);
                    if (result == LookupResult.ABSENT) {
                        continue;
                    }
                    if (!hit) {
                        accessedKeys[family].record(hash);
                        hit = true;
                    }
                    if (result == LookupResult.DELETED || !all) {
                        return context.values() + context.blobs.size() > 0;
                    }
                }
            }
            return context.values() + context.blobs.size() > 0;
        } finally {
            context.tally.outcome(hit, context.values(), context.blobs.size());
        }
    }

    /**
     * Probes one SST for one key, the step every lookup repeats: ABSENT, counted in {@code context} by its cause,
     * when the SST's hash range or key filter rules the key out or the SST has no entry for it; otherwise the
     * SST's entries for the key have gone to {@code context}.
     */
    private static LookupResult probe(SstSlot slot, long hash, MemorySegment key, ReadContext context)
            throws IOException {
        context.probes++;
        MetaEntry entry = slot.entry();
        if (Long.compareUnsigned(hash, entry.minHash()) < 0 || Long.compareUnsigned(hash, entry.maxHash()) > 0) {
            context.rangeMisses++;
            return LookupResult.ABSENT;
        }
        if (!KeyFilter.mayContain(entry.filter(), hash)) {
            context.filterMisses++;
            return LookupResult.ABSENT;
        }
        context.inCaches();
        LookupResult result = slot.reader().lookup(hash, key, context.scratch, context);
        if (result == LookupResult.ABSENT) {
            context.keyMisses++;
        }
        return result;
    }

    private int deliverBlobs(ReadContext context, ValueConsumer consumer) throws IOException {
        int count = context.blobs.size();
        for (int i = 0; i < count; i++) {
            try (Arena arena = Arena.ofConfined()) {
                consumer.accept(readBlob(context.blobs.getInt(i), arena));
            }
        }
        return count;
    }

    private MemorySegment readBlob(int seq, Arena arena) throws IOException {
        return blobs.read(seq, arena);
    }

    /** Releases the pooled read contexts and their scratch memory. */
    public void close() {
        contexts.close();
    }
}
