/**
 * An open store's parts and their lifetime ({@link io.turbokv.store.StoreCore}): what a {@code TurboKV} instance
 * holds from its open to its close (the directory lock, the published states, the read side, the write side of a
 * writable store, the closed flag), the operations on one leased state (scans, reports, checkpoints), and the order
 * in which a close releases the parts; the store's JMX MXBean ({@code StoreBean}); the compactions of an automatic compaction
 * policy, on threads shared by every store ({@code BackgroundCompaction}).
 *
 * <p>Depends on {@code io.turbokv.recovery} (what an open found), {@code io.turbokv.version}, {@code io.turbokv.read},
 * {@code io.turbokv.write}, {@code io.turbokv.cache}, {@code io.turbokv.checkpoint}, {@code io.turbokv.io},
 * {@code io.turbokv.jfr}, {@code io.turbokv.sst} (the options of the SSTs a writable store writes),
 * {@code java.management} and the API package's leaf types (its exceptions, consumers, reports, family types and
 * {@code io.turbokv.StoreMXBean}).
 */
package io.turbokv.store;
