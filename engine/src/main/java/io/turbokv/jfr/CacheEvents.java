package io.turbokv.jfr;

/**
 * The block caches' sampled events, {@code io.turbokv.BlockCacheFill} and {@code io.turbokv.BlockCacheEvict}: a
 * cache shard counts its fills and evictions under its own monitor and, while a recording enables the event
 * ({@link #fillsWanted()}, {@link #evictionsWanted()}: one volatile read, on a miss only), records every
 * {@value #SAMPLE_EVERY}th. A hit never reaches this class. Thread-safe.
 */
@SuppressForbidden
public final class CacheEvents {
    /** One fill, or one eviction, in this many of a shard is recorded. */
    public static final int SAMPLE_EVERY = 64;

    static {
        EventGates.init();
    }

    private CacheEvents() {}

    /** {@return whether a recording enables the fill event} */
    public static boolean fillsWanted() {
        return EventGates.cacheFill;
    }

    /** {@return whether a recording enables the eviction event} */
    public static boolean evictionsWanted() {
        return EventGates.cacheEvict;
    }

    /**
     * Records a sampled fill.
     *
     * @param cache      {@code key blocks} or {@code value blocks}
     * @param store      the id of the store whose block it is
     * @param blockBytes the block's decompressed length
     * @param main       whether it entered the main FIFO directly
     */
    public static void fill(String cache, int store, int blockBytes, boolean main) {
        BlockCacheFillEvent event = new BlockCacheFillEvent();
        if (event.shouldCommit()) {
            event.cache = cache;
            event.store = store;
            event.blockBytes = blockBytes;
            event.main = main;
            event.sampledEvery = SAMPLE_EVERY;
            event.commit();
        }
    }

    /**
     * Records a sampled eviction.
     *
     * @param cache      {@code key blocks} or {@code value blocks}
     * @param store      the id of the store whose block it was
     * @param blockBytes the block's decompressed length
     * @param main       whether it left the main FIFO
     */
    public static void evict(String cache, int store, int blockBytes, boolean main) {
        BlockCacheEvictEvent event = new BlockCacheEvictEvent();
        if (event.shouldCommit()) {
            event.cache = cache;
            event.store = store;
            event.blockBytes = blockBytes;
            event.main = main;
            event.sampledEvery = SAMPLE_EVERY;
            event.commit();
        }
    }
}
