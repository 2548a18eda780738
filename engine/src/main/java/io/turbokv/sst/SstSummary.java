package io.turbokv.sst;

/**
 * What the meta entry of a finished SST needs to know about it.
 *
 * @param blockCount the number of blocks, index block included (the reader needs it to find the offset table)
 * @param minHash    the first (lowest, unsigned) key hash
 * @param maxHash    the last (highest, unsigned) key hash
 * @param fileSize   the file's length in bytes
 * @param entryCount entries written (every value, blob reference and tombstone)
 * @param keyHashes  the distinct key hashes, ascending unsigned, for the key filter; owned by the caller
 */
public record SstSummary(int blockCount, long minHash, long maxHash, long fileSize, long entryCount,
                         long[] keyHashes) {
}
