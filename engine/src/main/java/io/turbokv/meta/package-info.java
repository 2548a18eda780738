/**
 * Meta files ({@code %08d.meta}): one per family and commit or compaction, listing the SST
 * files it adds ({@link io.turbokv.meta.MetaEntry}: block count, hash range, size, temperature flags and the
 * entry's key filter), the SSTs it makes obsolete and the family's used-key filter. {@link
 * io.turbokv.meta.MetaFileWriter} writes one; {@link io.turbokv.meta.MetaFile} reads one into memory (or maps it when
 * over the store's copy budget) and verifies every byte
 * but the key filters before anything reads it (the trailer's CRC leaves them out: each key filter carries CRCs of
 * its own, checked by {@code io.turbokv.filter.KeyFilter} when the store takes the file into a state and at each
 * chunk's first query).
 *
 * <p>Filters are opaque byte spans here. Depends on the JDK, {@code io.turbokv.io}, {@code io.turbokv.ffm},
 * {@code io.turbokv.filter} (only {@code FilterOrigins}, with which a file's bytes are registered so that a damaged
 * chunk's error names the file), {@code io.turbokv.CorruptionException} and
 * {@code io.turbokv.UnsupportedFormatVersionException}; never on {@code io.turbokv.sst} or the store itself.
 */
package io.turbokv.meta;
