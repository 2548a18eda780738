package io.turbokv;

/**
 * One live SST of a store, as its meta file describes it.
 *
 * @param sequenceNumber the SST's sequence number (its file is {@code %08d.sst})
 * @param minHash        the smallest key hash in the file (unsigned)
 * @param maxHash        the largest key hash in the file (unsigned)
 * @param filterBytes    the size of its key filter in the meta file
 * @param entryCount     its entries (values, blob references and tombstones)
 * @param sizeBytes      the file's size
 * @param blockCount     its blocks, the index block included
 * @param cold           written by compaction from keys not read since (cold data)
 * @param fresh          written by a write batch, never compacted
 */
public record SstInfo(int sequenceNumber, long minHash, long maxHash, long filterBytes, long entryCount,
                      long sizeBytes, int blockCount, boolean cold, boolean fresh) {}
