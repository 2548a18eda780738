/**
 * Compaction: choosing which SSTs of a family to merge, and merging them into new SSTs.
 *
 * <ul>
 *   <li>{@link io.turbokv.compaction.MergeSegmentSelector}: the seed's {@code get_merge_segments}, a pure function
 *       from SST hash ranges, sizes and categories (cold or not) to merge jobs and moves, with its helpers
 *       {@link io.turbokv.compaction.IntervalMap} and {@link io.turbokv.compaction.DuplicationInfo} over the
 *       unsigned 64-bit hash space.</li>
 *   <li>{@link io.turbokv.compaction.Compactor}: runs the jobs of every family, reads each job's inputs through the
 *       shared k-way merge ({@link io.turbokv.sst.MergeIterator}), writes the merged SSTs (split into
 *       warm and cold by the family's used-key filter) and the new meta files, and reports what the commit must
 *       publish and delete. It never publishes anything itself.</li>
 *   <li>{@link io.turbokv.compaction.CompactionRun}: one compaction as the store's write operation, committed
 *       through the commit protocol ({@code io.turbokv.commit}) or rolled back.</li>
 * </ul>
 *
 * <p>Reads {@code .sst} and {@code .meta} files through their readers (input SSTs are mapped separately from the
 * readers' mappings and released after the merge); writes new {@code .sst} and {@code .meta} files through a
 * {@link io.turbokv.io.FileLayer}. Depends on {@code io.turbokv.io}, {@code io.turbokv.sst},
 * {@code io.turbokv.meta}, {@code io.turbokv.filter}, {@code io.turbokv.ffm}, {@code io.turbokv.version} (the
 * state a compaction starts from), {@code io.turbokv.commit} (its commit), {@code io.turbokv.jfr} (the compaction
 * event), {@code io.turbokv.CorruptionException} and {@code io.turbokv.CompactConfig} (its bounds); never on the
 * store itself.
 */
package io.turbokv.compaction;
