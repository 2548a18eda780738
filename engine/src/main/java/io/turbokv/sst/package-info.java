/**
 * The SST file format: {@link io.turbokv.sst.SstWriter} streams sorted entries into a
 * file, {@link io.turbokv.sst.SstReader} maps one and answers point lookups without heap allocation and iterates
 * it in order, and {@link io.turbokv.sst.MergeIterator} merges the iterations of many SSTs into one order (for
 * whole-family scans and compaction alike). One class owns each on-disk layout and documents it as a table: the
 * block framing ({@code BlockFraming}), the file and its offset table ({@code BlockOffsetTable}), the index block
 * ({@code IndexBlock}; a key-ordered SST's: {@code KeyIndexBlock}), the key blocks ({@code KeyBlock}), the entry types and value references
 * ({@code EntryType}), the small value block ({@code SmallValueBlockBuilder}). Constants: {@link
 * io.turbokv.sst.SstLimits}.
 *
 * <p>Depends on {@code io.turbokv.io} (big-endian layouts, LZ4, CRC-32, key hash, writable files),
 * {@code io.turbokv.ffm} (mapping, memory that need not be zeroed), {@code io.turbokv.cache} (the block caches a lookup may read through),
 * {@code io.turbokv.filter} (the writer builds each SST's key filter from the distinct key hashes it collects, off
 * the heap, while they are at hand) and {@code io.turbokv.CorruptionException}; nothing else of the engine. Meta files build on this package, not the other way round;
 * the filter package uses only {@code io.turbokv.io} and {@code CorruptionException}, so this makes no cycle.
 */
package io.turbokv.sst;
