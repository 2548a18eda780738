/**
 * The SST file format (DESIGN.md §2.3, §2.4): {@link io.turbokv.sst.SstWriter} streams sorted entries into a
 * file, {@link io.turbokv.sst.SstReader} maps one and answers point lookups without heap allocation and iterates
 * it in order for compaction. One class owns each on-disk layout and documents it as a table: the block framing
 * ({@code BlockFraming}), the file and its offset table ({@code BlockOffsetTable}), the index block
 * ({@code IndexBlock}), the key block ({@code KeyBlock}), the entry types ({@code EntryType}).
 *
 * <p>Depends on {@code io.turbokv.io} (big-endian layouts, LZ4, CRC-32, key hash, writable files),
 * {@code io.turbokv.ffm} (mapping) and {@code io.turbokv.CorruptionException}; nothing else of the engine. Meta
 * files, filters and the block cache build on this package, not the other way round.
 */
package io.turbokv.sst;
