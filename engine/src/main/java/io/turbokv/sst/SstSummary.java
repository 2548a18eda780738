package io.turbokv.sst;

import java.lang.foreign.MemorySegment;

/**
 * What the meta entry of a finished SST needs to know about it.
 *
 * @param blockCount the number of blocks, index block included (the reader needs it to find the offset table)
 * @param minHash    the first (lowest, unsigned) key hash
 * @param maxHash    the last (highest, unsigned) key hash
 * @param fileSize   the file's length in bytes
 * @param entryCount entries written (every value, blob reference and tombstone)
 * @param keyCount   distinct key hashes written (the keys the filter holds)
 * @param keyFilter  the SST's key filter ({@code io.turbokv.filter.KeyFilter}) over those hashes, ready for the
 *                   meta entry; on the heap from {@link SstWriter#finish()}, else in the memory of the allocator
 *                   given to {@link SstWriter#finish(java.lang.foreign.SegmentAllocator)}, valid as long as it is; null
 *                   from a writer made not to build it (its caller builds it)
 * @param minKey     a key-ordered SST's first (lowest) key, a copy; null for a hash-ordered SST
 * @param maxKey     a key-ordered SST's last (highest) key, a copy; null for a hash-ordered SST
 */
public record SstSummary(int blockCount, long minHash, long maxHash, long fileSize, long entryCount, long keyCount,
                         MemorySegment keyFilter, byte[] minKey, byte[] maxKey) {}
