/**
 * The write path: collecting a batch's entries off-heap from many threads ({@code EntryBuffer},
 * {@link io.turbokv.write.BatchCollector}, their memory borrowed from the store's
 * {@link io.turbokv.io.WriteBufferPool}), sorting them by (hash, key) ({@code EntrySorter}),
 * spilling them to SST files while the batch still fills, and the single write slot with its rollback
 * ({@code WriteOperationGuard}).
 *
 * <p>May depend on {@code io.turbokv.io}, {@code io.turbokv.sst}, {@code io.turbokv.blob},
 * {@code io.turbokv.meta} and {@code io.turbokv.filter}; never on {@code io.turbokv} itself except its exceptions.
 */
package io.turbokv.write;
