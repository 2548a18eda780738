/**
 * Low-level pieces shared by every format: big-endian value layouts and unsigned comparisons over
 * {@link java.lang.foreign.MemorySegment} ({@link io.turbokv.io.Bytes}), the key hash
 * ({@link io.turbokv.io.KeyHash}), the directory's file names, the checksummed control files {@code CURRENT},
 * {@code .del} and {@code SCHEMA}, the {@code LOG}, and the file-layer seam through which every write, fsync,
 * rename and delete goes, the write path's pool of off-heap buffers, and the budget of meta file bytes a store
 * holds in memory ({@link io.turbokv.io.MetaCopyBudget}).
 *
 * <p>Depends on the JDK, zero-allocation-hashing, Agrona's collections, {@code io.turbokv.ffm} (memory that is not
 * zeroed), {@code io.turbokv.CorruptionException},
 * {@code io.turbokv.UnsupportedFormatVersionException} and {@code io.turbokv.StoreLockedException}; nothing else
 * of the engine.
 */
package io.turbokv.io;
