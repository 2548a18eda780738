package io.turbokv.commit;

import io.turbokv.CommitStats;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.DirectoryScan;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLog;
import io.turbokv.jfr.CommitEvent;
import io.turbokv.meta.MetaFile;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.StateLoader;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * How a store's state changes, durably and for readers: the commit path shared by write batches and compaction,
 * the rollback of a write operation that failed or was abandoned, the deletion of the files a commit made obsolete,
 * and the other publications of a new state (a cache clear, the close).
 *
 * <p>A commit ({@link #commit}) decides what becomes obsolete without touching memory, writes the {@code .del}
 * file, makes every new name durable with one directory sync, then writes {@code CURRENT} (the commit point), then
 * publishes the new state to readers and frees the write slot. Superseded files are deleted only once no reader of
 * an older state is left (a lease may still map an SST on first use, or read a blob by name): the deletion is
 * retired with the replaced state ({@link VersionTracker}). A failure before {@code CURRENT} is durable leaves memory
 * untouched and propagates, so the caller rolls back ({@link #rollback}); after it, nothing may roll back: the
 * {@code LOG} and deletions only warn (failed deletions are retried at the next commit and at close, and at the
 * next open via the {@code .del} file). State transitions are serialised by one lock. Thread-safe.
 */
public final class CommitProtocol {
    private static final System.Logger LOG = System.getLogger("io.turbokv");

    private final StoreDirectory store;
    private final VersionTracker<StoreState> versions;
    private final WriteOperationGuard guard;
    private final StoreLog log;
    /** Serialises state transitions: a commit's read of the current state through its publication, cache clears. */
    private final ReentrantLock publishLock = new ReentrantLock();
    /**
     * {@code .del} files whose listed files were all deleted; each is removed by the next commit, once that commit's
     * directory sync has made the deletions durable (removed earlier, a crash could keep a deleted meta file's name
     * but lose the record that it must go).
     */
    private final Queue<Path> completedDeletionFiles = new ConcurrentLinkedQueue<>();
    /** Deletions that failed (Windows keeps mapped files), retried at the next commit and at close. */
    private final Queue<Path> deferredDeletions = new ConcurrentLinkedQueue<>();
    /** Serialises deletions of obsolete files with {@link #stopDeleting()}. */
    private final Object deletionLock = new Object();
    /** Set by {@link #stopDeleting()} under {@link #deletionLock}: no file may be deleted any more. */
    private boolean deletionsStopped;

    /**
     * The protocol of the store in {@code store}.
     *
     * @param store     the store's directory (where {@code CURRENT} and the {@code .del} files go) and the layer
     *                  its writes go through, which tests replace to inject failures
     * @param versions  where states are published
     * @param guard     the write slot a commit and a rollback free
     * @param log       the store's {@code LOG}, which gets one record per commit
     */
    public CommitProtocol(StoreDirectory store, VersionTracker<StoreState> versions, WriteOperationGuard guard,
                          StoreLog log) {
        this.store = store;
        this.versions = versions;
        this.guard = guard;
        this.log = log;
    }

    /**
     * Commits {@code commit} (see the class comment) and frees the write slot.
     *
     * @param commit the files a write operation or a compaction produced and the ones they make obsolete
     * @return the committed sequence number and the counts and bytes of the commit, as also written to the LOG
     * @throws IOException before the commit point only; the caller then rolls back
     */
    public CommitStats commit(Commit commit) throws IOException {
        publishLock.lock();
        try {
            return commitLocked(commit);
        } finally {
            publishLock.unlock();
        }
    }

    /**
     * Ends a write operation that wrote nothing: frees the write slot; {@code CURRENT} stays as it is.
     *
     * @param keysWritten the keys the operation wrote, all of them in memory only (usually 0)
     * @param startNanos  when the operation started, from {@link System#nanoTime()}
     * @return statistics naming the sequence number already committed, with no file written or deleted
     */
    public CommitStats commitNothing(long keysWritten, long startNanos) {
        int committed = versions.currentState().committedSeq();
        guard.release();
        return new CommitStats(committed, keysWritten, 0, 0, 0, 0, System.nanoTime() - startNanos);
    }

    private CommitStats commitLocked(Commit commit) throws IOException {
        CommitEvent event = new CommitEvent();
        event.start();
        StoreState before = versions.currentState();
        List<MetaFile> newMetas = new ArrayList<>(commit.newMetas());
        newMetas.sort(Comparator.comparingLong((MetaFile f) -> Integer.toUnsignedLong(f.seq())).reversed());
        boolean appendOnly = commit.appendsOnly();
        List<LiveMeta> next = new ArrayList<>();
        int[] metasToDelete = new int[0];
        int committedSeq;
        Path deletionFile = null;
        // .del files whose deletions this commit's directory sync makes durable: removable once it committed
        List<Path> completedBefore = new ArrayList<>();
        for (Path done; (done = completedDeletionFiles.poll()) != null;) {
            completedBefore.add(done);
        }
        try {
            // Phase A: decide, newest first, which entries stay live and which meta files can go
            List<LiveMeta> all = new ArrayList<>();
            for (MetaFile meta : newMetas) {
                all.add(new LiveMeta(meta, StateLoader.slotsOf(store.directory(), meta)));
            }
            all.addAll(before.metas());
            if (appendOnly) {
                // A write batch's new SSTs are new numbers and it marks nothing obsolete: the existing meta files
                // keep exactly the entries they have, so the walk over them (linear in the store) is skipped.
                next.addAll(all);
            } else {
                metasToDelete = StateLoader.narrowAll(all, next);
            }
            if (commit.sstsToDelete().length + metasToDelete.length + commit.blobsToDelete().length > 0) {
                deletionFile = store.path(StoreFileNames.Kind.DEL,
                        commit.sequence().next());
                DeletionFile.write(store.files(), deletionFile, commit.sstsToDelete(), metasToDelete,
                        commit.blobsToDelete());
            }
            // every new name, the .del's too, is durable before CURRENT names them
            store.files().syncDirectory(store.directory());
            committedSeq = commit.sequence().last();
            CurrentFile.write(store.files(), store.directory(), committedSeq); // the commit point
        } catch (IOException | RuntimeException | Error e) {
            commit.newMetas().forEach(MetaFile::close);
            completedDeletionFiles.addAll(completedBefore);
            throw e;
        }
        StoreState published = new StoreState(next, committedSeq);
        ObsoleteFiles obsolete = new ObsoleteFiles(obsoletePaths(commit.sstsToDelete(), metasToDelete,
                commit.blobsToDelete()), deletionFile);
        if (appendOnly) {
            versions.publish(published, List.of()); // keeps every mapping of the state before it: nothing retires
        } else {
            List<AutoCloseable> retired = new ArrayList<>(before.unreachableIn(published));
            retired.add(obsolete); // after the unmapping: some systems refuse to delete a mapped file
            versions.publish(published, retired);
        }
        guard.release();
        // this commit's directory sync made the deletions listed by the earlier completed .del files durable
        int deleted = obsolete.deletedNow() + deleteObsolete(completedBefore);
        event.stop();
        long duration = System.nanoTime() - commit.startNanos();
        appendLog(String.format(Locale.ROOT, "%s %s %08d %d keys in %.3f ms%n%s", Instant.now(),
                commit.kind().logName(), Integer.toUnsignedLong(committedSeq), commit.keysWritten(), duration / 1e6,
                commit.details()));
        event.finish(store.directory().toString(), commit.kind() == Commit.Kind.COMPACTION, committedSeq,
                commit.keysWritten(), commit.newSsts(), commit.newBlobs(), deleted, commit.bytesWritten(), duration);
        return new CommitStats(committedSeq, commit.keysWritten(), commit.newSsts(), commit.newBlobs(), deleted,
                commit.bytesWritten(), duration);
    }

    /**
     * Publishes {@code next} applied to the current state, retiring what the old state held that the new one does
     * not, plus {@code alsoRetired} (closed after them). For a cache clear and the store's close.
     *
     * @param next        makes the new state from the current one
     * @param alsoRetired resources to close once no reader of the old state is left, such as cleared caches
     */
    public void publish(UnaryOperator<StoreState> next, List<? extends AutoCloseable> alsoRetired) {
        publishLock.lock();
        try {
            StoreState before = versions.currentState();
            StoreState after = next.apply(before);
            List<AutoCloseable> retired = new ArrayList<>(before.unreachableIn(after));
            retired.addAll(alsoRetired);
            versions.publish(after, retired);
        } finally {
            publishLock.unlock();
        }
    }

    /**
     * Undoes a failed or abandoned write operation: restores {@code CURRENT} to {@code seqBefore} if it no longer
     * says so (the failure may have hit after its rename, e.g. at the directory sync), then deletes every file
     * numbered above it, and frees the write slot. If that fails too, the store refuses writes for good; reads go on.
     *
     * <p>Unlike turbo-persistence, which always rewrites {@code CURRENT}, the number on disk is read first: the
     * rename makes its replacement atomic, so an unchanged {@code CURRENT} needs no write. That lets a rollback
     * succeed on a full disk, where the write that failed the operation would fail again, and deleting the
     * operation's files is exactly what frees the space.
     *
     * @param cause     the failure that ended the operation (the rollback's own failure is added to it), or
     *                  {@code null} for an operation abandoned without one (the rollback's failure is then thrown)
     * @param seqBefore the committed sequence number the operation started from; its files are numbered above it
     * @throws IOException when the rollback fails and {@code cause} is {@code null}; the store then refuses writes
     */
    public void rollback(int seqBefore, Throwable cause) throws IOException {
        try {
            if (currentOnDisk() != seqBefore) {
                CurrentFile.write(store.files(), store.directory(), seqBefore);
            }
            DirectoryScan.deleteAbove(store.files(), store.directory(), seqBefore);
            guard.release();
        } catch (IOException | RuntimeException e) {
            guard.breakForever("rollback to sequence " + seqBefore + " failed: " + e);
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                throw e;
            }
        }
    }

    /**
     * The number in {@code CURRENT}, or -1 when the file is missing (it is then rewritten). A damaged {@code CURRENT}
     * is not ours to overwrite: the commit replaces it by rename, so a rollback never finds it torn, and damage
     * propagates (the store then refuses writes).
     */
    private long currentOnDisk() throws IOException {
        try {
            return CurrentFile.read(store.directory());
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /**
     * Retries the deletions that failed, then deletes nothing more: called by the store's close before it releases
     * its lock. Deletions still waiting for readers are left to the next open's {@code .del} replay.
     */
    public void stopDeleting() {
        synchronized (deletionLock) {
            deleteObsolete(List.of());
            deletionsStopped = true;
        }
    }

    /** The paths of the given obsolete files. */
    private List<Path> obsoletePaths(int[] ssts, int[] metas, int[] blobs) {
        List<Path> paths = new ArrayList<>();
        for (int seq : ssts) {
            paths.add(store.path(StoreFileNames.Kind.SST, seq));
        }
        for (int seq : metas) {
            paths.add(store.path(StoreFileNames.Kind.META, seq));
        }
        for (int seq : blobs) {
            paths.add(store.path(StoreFileNames.Kind.BLOB, seq));
        }
        return paths;
    }

    /**
     * Deletes {@code paths}, and retries the deletions that failed before; a failure is kept for a retry. Returns
     * how many files were deleted.
     */
    private int deleteObsolete(List<Path> paths) {
        List<Path> all = new ArrayList<>(paths);
        for (Path retry; (retry = deferredDeletions.poll()) != null;) {
            all.add(retry);
        }
        int deleted = 0;
        for (Path path : all) {
            try {
                if (store.files().delete(path)) {
                    deleted++;
                }
            } catch (IOException e) {
                deferredDeletions.add(path);
            }
        }
        return deleted;
    }

    private void appendLog(String record) {
        try {
            log.append(record);
        } catch (IOException e) { // the LOG is for humans; the commit stands
            LOG.log(System.Logger.Level.WARNING, "could not append to "
                    + store.directory().resolve(StoreFileNames.LOG), e);
        }
    }

    /**
     * The files one commit made obsolete, retired with the state it replaced: closing it deletes them, which the
     * version tracker does once no reader of that state or an older one is left. After {@link #stopDeleting()} it
     * deletes nothing (the store's lock is gone); the next writable open finishes the job from the {@code .del}.
     */
    private final class ObsoleteFiles implements AutoCloseable {
        private final List<Path> paths;
        private final Path deletionFile;
        private volatile int deleted = -1;

        ObsoleteFiles(List<Path> paths, Path deletionFile) {
            this.paths = paths;
            this.deletionFile = deletionFile;
        }

        @Override
        public void close() {
            synchronized (deletionLock) {
                if (deletionsStopped) {
                    return;
                }
                int failuresBefore = deferredDeletions.size();
                int count = deleteObsolete(paths);
                if (deletionFile != null && deferredDeletions.size() == failuresBefore) {
                    completedDeletionFiles.add(deletionFile); // removed by the next commit, after its sync
                }
                deleted = count;
            }
        }

        /** How many files were deleted if that happened already (no reader held an older state), else 0. */
        int deletedNow() {
            return Math.max(0, deleted);
        }
    }
}
