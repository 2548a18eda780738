package io.turbokv.cache;

import io.turbokv.CacheStatistics;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A key-block cache and a value-block cache that several stores share: one capacity each, one {@link Readers}
 * domain, and an id per store in the top 16 bits of every key, so a store sees only its own blocks.
 *
 * <p><b>Lifetime.</b> Reference-counted: the creator holds one reference, which {@link #close()} gives up, and every
 * store that {@link #join()}s holds one until its {@link BlockCaches} closes (which a store does after its last
 * reader is done, through its version tracker). A closing store evicts its blocks first, so its id can go to the
 * next store that joins; their memory is reused only when no reader of any store announces it ({@link Readers}), so
 * readers of the other stores go on undisturbed. The memory is unmapped when the last reference goes: by then no
 * store, and so no reader, is left.
 *
 * <p>Thread-safe.
 */
public final class SharedCaches {
    private final Readers readers = new Readers();
    private final CacheCore keyBlocks;
    private final CacheCore valueBlocks;
    /** Ids of the stores that hold a reference now (and of closed ones whose blocks could not all be evicted). */
    private final BitSet ids = new BitSet();
    private final List<BlockCaches> members = new ArrayList<>();
    /** Hits, misses and bypasses of the key cache, then the value cache, of the stores that left. */
    private final long[] departed = new long[6];
    private int references = 1;
    private boolean creatorClosed;

    /**
     * Caches of the given capacities in bytes (0 disables one); nothing is allocated before the first miss.
     *
     * @param keyBlockCacheBytes   the capacity of the cache of decompressed key blocks, in bytes
     * @param valueBlockCacheBytes the capacity of the cache of decompressed value blocks, in bytes
     * @throws IllegalArgumentException when a capacity is negative
     */
    public SharedCaches(long keyBlockCacheBytes, long valueBlockCacheBytes) {
        this.keyBlocks = new CacheCore("key blocks", keyBlockCacheBytes, readers);
        this.valueBlocks = new CacheCore("value blocks", valueBlockCacheBytes, readers);
    }

    /**
     * {@return a new store's caches: views of these with an id of its own, holding a reference until they close}
     *
     * @throws IllegalStateException when the caches were closed, or 65,535 stores use them already
     */
    public synchronized BlockCaches join() {
        if (creatorClosed) {
            throw new IllegalStateException("the shared block cache is closed");
        }
        int id = ids.nextClearBit(0);
        if (id >= BlockCache.MAX_STORES) {
            throw new IllegalStateException("a shared block cache serves at most " + BlockCache.MAX_STORES
                    + " open stores");
        }
        ids.set(id);
        references++;
        BlockCaches caches = new BlockCaches(this, readers, new BlockCache(keyBlocks, id, false),
                new BlockCache(valueBlocks, id, false), id);
        members.add(caches);
        return caches;
    }

    /**
     * A store's caches closed: its counters join the departed ones, its id is freed if none of its blocks is left,
     * and its reference goes.
     */
    synchronized void leave(BlockCaches caches, int id, boolean idReusable) {
        members.remove(caches);
        add(departed, caches);
        if (idReusable) {
            ids.clear(id);
        }
        release();
    }

    /** Gives up the creator's reference: no store may join any more; those that did keep the caches. Idempotent. */
    public synchronized void close() {
        if (!creatorClosed) {
            creatorClosed = true;
            release();
        }
    }

    /** {@return whether {@link #close()} was called} */
    public synchronized boolean isClosed() {
        return creatorClosed;
    }

    /** {@return stores using the caches now} */
    public synchronized int stores() {
        return members.size();
    }

    /** {@return the key-block cache's statistics: its items and memory, the hits and misses of every store} */
    public synchronized CacheStatistics keyBlockStatistics() {
        long[] counts = totals();
        return keyBlocks.statistics(counts[0], counts[1], counts[2]);
    }

    /** {@return the value-block cache's statistics: its items and memory, the hits and misses of every store} */
    public synchronized CacheStatistics valueBlockStatistics() {
        long[] counts = totals();
        return valueBlocks.statistics(counts[3], counts[4], counts[5]);
    }

    private long[] totals() {
        long[] counts = departed.clone();
        for (BlockCaches member : members) {
            add(counts, member);
        }
        return counts;
    }

    private static void add(long[] into, BlockCaches caches) {
        long[] keys = caches.keyBlocks().counts();
        long[] values = caches.valueBlocks().counts();
        for (int i = 0; i < 3; i++) {
            into[i] += keys[i];
            into[3 + i] += values[i];
        }
    }

    private void release() {
        if (--references == 0) {
            keyBlocks.close();
            valueBlocks.close();
        }
    }
}
