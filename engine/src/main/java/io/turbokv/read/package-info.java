/**
 * The read path over one leased {@link io.turbokv.version.StoreState}: point reads
 * ({@link io.turbokv.read.Lookups}: get, getMultiple, batchGet, scoped reads), whole-family scans
 * ({@link io.turbokv.read.FamilyScan}), a cursor's walk of a key range ({@link io.turbokv.read.RangeScan}), the per-reader contexts and their pool ({@code ReadContext},
 * {@code ReadContextPool}), blob reads ({@link io.turbokv.read.BlobFiles}), the lookup counters and the hashes of
 * keys read since the last commit ({@link io.turbokv.read.AccessedKeys}) for compaction's warm/cold split.
 *
 * <p>Depends on {@code io.turbokv.version}, {@code io.turbokv.sst}, {@code io.turbokv.cache},
 * {@code io.turbokv.filter}, {@code io.turbokv.blob}, {@code io.turbokv.meta}, {@code io.turbokv.io},
 * {@code io.turbokv.jfr} (the slow-get event), {@code io.turbokv.ffm} and the API package's leaf types (its exceptions, consumers and reports).
 */
package io.turbokv.read;
