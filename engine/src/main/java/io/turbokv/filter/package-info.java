/**
 * The filters a meta file stores: {@link io.turbokv.filter.KeyFilter}, the per-SST approximate membership filter
 * that lets a lookup skip SSTs that cannot hold its key (a binary fuse filter, about 9 bits per key, 0.39 % false
 * positives), and {@link io.turbokv.filter.UsedKeyFilter}, the exact set of key hashes that lookups found, which
 * compaction uses for the warm/cold split.
 *
 * <p>Both are static sets over 64-bit key hashes, built once into a {@link java.lang.foreign.MemorySegment} and
 * queried in place in the meta file's bytes (read into memory, or mapped when over the store's copy budget); a query allocates nothing on the heap, but the first queries of a key
 * filter, which verify its chunks (and report a damaged one). Each payload starts with a tag byte and is
 * validated once by its {@code check} method, after which no query can read out of bounds. A key filter carries its
 * own CRCs (the meta file's does not cover it) and verifies each 4 KiB chunk at its first query;
 * {@link io.turbokv.filter.FilterOrigins} names the file of a chunk found damaged. Their byte layouts are documented
 * in the two classes. The meta file treats them as opaque byte spans.
 *
 * <p>Depends on the JDK, {@code io.turbokv.io.Bytes}, {@code io.turbokv.io.Crc32} (the key filters' CRCs),
 * {@code io.turbokv.io.WriteBufferPool} (the construction's scratch) and {@code io.turbokv.CorruptionException};
 * nothing else of the engine.
 */
package io.turbokv.filter;
