package io.turbokv;

import io.turbokv.cache.SharedCaches;

/**
 * Block caches that several stores of one JVM share, instead of one pair per store: one capacity for the
 * decompressed key blocks and one for the value blocks of all of them, given to each store with
 * {@link DbConfig.Builder#blockCache(SharedBlockCache)}.
 *
 * <pre>{@code
 * try (SharedBlockCache cache = SharedBlockCache.create(256L << 20);
 *      TurboKV a = TurboKV.open(dirA, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
 *              .blockCache(cache).build());
 *      TurboKV b = TurboKV.open(dirB, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
 *              .blockCache(cache).build())) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Every store's blocks are keyed with an id of its own, so a store never sees another's. A store's
 * {@code close()} evicts its blocks (their memory is reused once no reader of any store can still reach it) and
 * leaves the others' readers undisturbed. The cache is reference-counted: its own {@link #close()} stops new stores
 * from using it, and its memory is released when the last store using it has closed too. A store's
 * {@link TurboKV#statistics()} reports its own hits and misses with the shared cache's items and memory.
 *
 * <p>Thread-safe.
 */
public final class SharedBlockCache implements AutoCloseable {
    private final SharedCaches caches;

    private SharedBlockCache(SharedCaches caches) {
        this.caches = caches;
    }

    /**
     * {@return shared caches of {@code bytes} in all, split as a store's default caches are (4:3 between key blocks
     * and value blocks)}
     *
     * @param bytes the capacity of both caches together, not negative
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public static SharedBlockCache create(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        long keyBlocks = bytes / 7 * 4 + bytes % 7 * 4 / 7;
        return create(keyBlocks, bytes - keyBlocks);
    }

    /**
     * {@return shared caches of the given capacities (0 disables one)}; nothing is allocated before the first miss
     *
     * @param keyBlockCacheBytes   the capacity of the decompressed key-block cache, in bytes
     * @param valueBlockCacheBytes the capacity of the decompressed value-block cache, in bytes
     * @throws IllegalArgumentException when a capacity is negative
     */
    public static SharedBlockCache create(long keyBlockCacheBytes, long valueBlockCacheBytes) {
        return new SharedBlockCache(new SharedCaches(keyBlockCacheBytes, valueBlockCacheBytes));
    }

    /** {@return the key-block cache's statistics: its items and memory, the hits and misses of every store} */
    public CacheStatistics keyBlockStatistics() {
        return caches.keyBlockStatistics();
    }

    /** {@return the value-block cache's statistics: its items and memory, the hits and misses of every store} */
    public CacheStatistics valueBlockStatistics() {
        return caches.valueBlockStatistics();
    }

    /** {@return stores using the cache now (open, or closing while their last readers finish)} */
    public int stores() {
        return caches.stores();
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return caches.isClosed();
    }

    /** The caches, for the stores that use them. */
    SharedCaches caches() {
        return caches;
    }

    /**
     * Stops new stores from using the cache; stores already using it keep it until they close, and its memory is
     * released after the last of them. Idempotent.
     */
    @Override
    public void close() {
        caches.close();
    }

    @Override
    public String toString() {
        return "SharedBlockCache[" + caches.keyBlockStatistics() + ", " + caches.valueBlockStatistics() + "]";
    }
}
