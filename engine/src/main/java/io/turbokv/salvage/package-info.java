/**
 * Salvage ({@link io.turbokv.salvage.StoreSalvage}): reading every entry that still verifies out of a damaged store,
 * file by file and block by block, without the store's open (which stops at the first damaged file), and saying
 * what could not be read; writing what it reads into a new store, one batch per SST
 * ({@link io.turbokv.salvage.SalvageCopy}, behind {@code io.turbokv.Salvage}).
 *
 * <p>Depends on {@code io.turbokv.sst} (the SST reader and its iterator, which verify each block's checksum),
 * {@code io.turbokv.meta} (meta files), {@code io.turbokv.version} (which SSTs are live, {@code SstFilter}),
 * {@code io.turbokv.blob} (blob files), {@code io.turbokv.recovery} (the families a {@code SCHEMA} records),
 * {@code io.turbokv.write} (the new store's write batches and its final compaction),
 * {@code io.turbokv.io} (file names, {@code CURRENT}, {@code SCHEMA}, {@code .del} files) and the API package's leaf
 * types ({@code io.turbokv.CorruptionException}, {@code io.turbokv.UnsupportedFormatVersionException},
 * {@code io.turbokv.FamilyConfig}, {@code io.turbokv.FamilyKind}, {@code io.turbokv.SalvageReport},
 * {@code io.turbokv.CompactConfig}).
 */
package io.turbokv.salvage;
