/**
 * Blob files ({@code %08d.blob}): one value too large for an SST's medium value blocks, in a file
 * of its own that is written once, checksummed, and read back whole ({@link io.turbokv.blob.BlobFile}).
 *
 * <p>Depends on the JDK, {@code io.turbokv.io}, {@code io.turbokv.ffm} and {@code io.turbokv.CorruptionException};
 * nothing else of the engine.
 */
package io.turbokv.blob;
