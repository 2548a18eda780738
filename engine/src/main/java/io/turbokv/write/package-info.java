/**
 * The write path: collecting a batch's entries off-heap from many threads ({@code EntryChunk}, {@code EntryBuffer},
 * {@link io.turbokv.write.BatchCollector}, their memory borrowed from the store's
 * {@link io.turbokv.io.WriteBufferPool} and counted by {@code BatchMemory}), sorting them by (hash, key)
 * ({@code EntrySorter}),
 * spilling them to SST files while the batch still fills, ordering a batch's SSTs for the commit
 * ({@link io.turbokv.write.SpillOrder}), and one batch's life from its first put to its commit or rollback
 * ({@link io.turbokv.write.OpenBatch}, which writes the batch's meta files and hands them to the commit protocol),
 * and the write side of a store that starts batches and compactions ({@link io.turbokv.write.StoreWriter}).
 *
 * <p>May depend on {@code io.turbokv.commit}, {@code io.turbokv.compaction} (a store's compactions),
 * {@code io.turbokv.version} (the states a store publishes), {@code io.turbokv.read} (the keys read since the last commit),
 * {@code io.turbokv.io}, {@code io.turbokv.sst}, {@code io.turbokv.blob}, {@code io.turbokv.meta},
 * {@code io.turbokv.filter} and {@code io.turbokv.jfr} (the spill event); on the API package only for its leaf
 * types ({@code io.turbokv.StoreClosedException}
 * {@code io.turbokv.CommitStats} and {@code io.turbokv.CompactConfig}).
 */
package io.turbokv.write;
