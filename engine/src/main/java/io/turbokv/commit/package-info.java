/**
 * How a store's state changes: the single write slot ({@link io.turbokv.commit.WriteOperationGuard}), the commit
 * protocol shared by write batches and compaction, fed one complete {@link io.turbokv.commit.Commit} ({@code .del},
 * directory sync, {@code CURRENT}, publication, deferred deletion of obsolete files, {@code LOG}), and the rollback
 * of a write operation that failed or was abandoned ({@link io.turbokv.commit.CommitProtocol}).
 *
 * <p>Depends on {@code io.turbokv.version}, {@code io.turbokv.meta}, {@code io.turbokv.io}, {@code io.turbokv.jfr}
 * (the commit event) and the API package's leaf types ({@code io.turbokv.CommitStats}).
 */
package io.turbokv.commit;
