/**
 * The off-heap block caches: decompressed key blocks and value blocks, keyed by
 * {@code (store id << 48 | sst seq << 16 | block index)}, bounded by bytes, evicted by S3-FIFO; a store's own, or
 * shared by several stores.
 *
 * <ul>
 * <li>{@code CacheCore}: the cache: shards, each an S3-FIFO with an Agrona {@code Long2LongHashMap} index,
 *     single-flight loading.</li>
 * <li>{@link io.turbokv.cache.BlockCache}: a store's view of a core, which adds its id to the keys and counts its
 *     hits and misses; {@link io.turbokv.cache.BlockCaches}: a store's pair.</li>
 * <li>{@link io.turbokv.cache.SharedCaches}: a pair of cores several stores share, reference-counted; a store's
 *     close evicts its blocks before its id is reused.</li>
 * <li>{@code SlabAllocator}: the cache's memory, size-class slots carved from shared chunks of about 1 MiB; one
 *     allocator per cache, never an {@code Arena} per block.</li>
 * <li>{@link io.turbokv.cache.Readers}: reclamation by announcement (hazard pointers). A reader enters for each
 *     lookup and announces the block it is reading in each cache; an evicted block's memory is reused only when no
 *     reader announces it, so a reader never sees another block's bytes.</li>
 * </ul>
 *
 * <p>Owns the caches' off-heap memory and nothing on disk. Depends on the JDK, Agrona,
 * {@code io.turbokv.jfr} (the sampled fill and eviction events, {@code CacheEvents}) and
 * {@code io.turbokv.CacheStatistics} (the snapshot it reports); {@code io.turbokv.sst} reads through it (its block
 * loader) and {@code io.turbokv.read} owns the two caches of a store.
 */
package io.turbokv.cache;
