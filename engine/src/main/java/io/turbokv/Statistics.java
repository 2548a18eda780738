package io.turbokv;

/**
 * A snapshot of a store's read statistics ({@link TurboKV#statistics()}), as the Rust original's {@code stats}
 * feature. Counters run from the open of the store; they are striped, cheap enough to stay on, and read without
 * stopping readers, so the fields of one snapshot may be a few lookups apart.
 *
 * <p>A lookup of one key walks the meta files newest first. Per meta file of another family it counts a
 * {@code familyMiss}; per SST of the family whose hash range misses the key a {@code rangeMiss}, whose key filter
 * rules it out a {@code filterMiss}, and whose blocks do not hold it (a filter false positive) a {@code keyMiss}.
 * Its outcome counts once: a hit by the kind of what decided it (values, blob values, or only a tombstone), or a
 * miss when no SST knew the key.
 *
 * @param metaFiles       live meta files
 * @param sstFiles        live SST files
 * @param keyBlockCache   the decompressed key-block cache
 * @param valueBlockCache the decompressed value-block cache
 * @param hits            keys found: {@code valueHits + blobHits + deletedHits}
 * @param misses          keys no SST knew
 * @param familyMisses    meta files skipped as another family's
 * @param rangeMisses     SSTs skipped by their hash range
 * @param filterMisses    SSTs skipped by their key filter
 * @param keyMisses       SSTs searched that did not hold the key
 * @param deletedHits     keys decided by a tombstone alone
 * @param valueHits       keys found with at least one value stored in an SST (inline, small or medium)
 * @param blobHits        keys found whose values are all in blob files
 * @param writeBufferPoolBytes    native memory of the free write buffers the store keeps for its next batches
 *                                (0 for a read-only store); a batch's own is {@code WriteBatch.nativeMemoryBytes()}
 * @param writeBufferReserveBytes native memory the store's {@link WriteBufferReserve} holds now, shared with the
 *                                other stores using it; 0 without one, for a read-only store (which ignores it), for
 *                                a reserve of less than 16 KiB (the smallest write buffer), and where native access
 *                                is not enabled for {@code io.turbokv.ffm} (the store then does not use it)
 */
public record Statistics(int metaFiles, int sstFiles, CacheStatistics keyBlockCache, CacheStatistics valueBlockCache,
                         long hits, long misses, long familyMisses, long rangeMisses, long filterMisses,
                         long keyMisses, long deletedHits, long valueHits, long blobHits, long writeBufferPoolBytes,
                         long writeBufferReserveBytes) {}
