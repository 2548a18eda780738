/**
 * Salvage ({@link io.turbokv.salvage.StoreSalvage}): reading every entry that still verifies out of a damaged store,
 * file by file and block by block, without the store's open (which stops at the first damaged file), and saying
 * what could not be read. {@code TurboKV.salvage} writes what it reads into a new store.
 *
 * <p>Depends on {@code io.turbokv.sst} (the SST reader and its iterator, which verify each block's checksum),
 * {@code io.turbokv.meta} (meta files), {@code io.turbokv.version} (which SSTs are live, {@code SstFilter}),
 * {@code io.turbokv.blob} (blob files), {@code io.turbokv.recovery} (the families a {@code SCHEMA} records),
 * {@code io.turbokv.io} (file names, {@code CURRENT}, {@code SCHEMA}, {@code .del} files) and the API package's leaf
 * types ({@code io.turbokv.CorruptionException}, {@code io.turbokv.UnsupportedFormatVersionException},
 * {@code io.turbokv.FamilyConfig}, {@code io.turbokv.FamilyKind}, {@code io.turbokv.SalvageReport}).
 */
package io.turbokv.salvage;
