package io.turbokv;

import io.turbokv.blob.BlobFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.write.BatchCollector;
import io.turbokv.write.SpillOrder;
import io.turbokv.write.SpillRunner;
import io.turbokv.write.SpilledSst;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.agrona.collections.IntArrayList;

/**
 * The state of one write batch, apart from the {@link WriteBatch} its owner holds: the store keeps a reference to
 * this (to roll the batch back when it closes) and the batch's cleaner runs {@link #abandon()} on it, neither of
 * which may keep the {@code WriteBatch} itself reachable, or an abandoned batch could never be detected.
 *
 * <p>Life: {@code OPEN} (fillers put and delete) then either {@code COMMITTING} (one thread commits) then
 * {@code ENDED}, or straight to {@code ENDED} by {@link #close()}, by the store's close or by the cleaner; the
 * transitions happen under {@link #lock}, so exactly one of them rolls back or commits. Rolling back runs while the
 * batch still holds the store's write slot (and so the store its directory lock): an ended batch never touches
 * the disk again.
 */
final class OpenBatch {
    private static final System.Logger LOG = System.getLogger("io.turbokv");

    /** Why an ended batch ended, for the exception a late caller gets. */
    enum End { COMMITTED, ROLLED_BACK, STORE_CLOSED, ABANDONED }

    private enum State { OPEN, COMMITTING, ENDED }

    private final TurboKV db;
    private final Path directory;
    private final FileLayer files;
    private final int familyCount;
    private final int seqBefore;
    private final AtomicInteger sequence;
    private final BatchCollector collector;
    private final SpillRunner spills;
    private final IntArrayList blobSeqs = new IntArrayList();
    /** Where the batch was created: what the report of an abandoned batch points at. */
    private final Throwable createdAt;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantReadWriteLock blobWrites = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}; read without it by fillers' fast checks. */
    private volatile State state = State.OPEN;
    private volatile End end;

    OpenBatch(TurboKV db, int seqBefore, AtomicInteger sequence, SpillRunner spills, BatchCollector collector,
              Throwable createdAt) {
        this.db = db;
        this.directory = db.directory();
        this.files = db.config().fileLayer();
        this.familyCount = db.config().families().size();
        this.seqBefore = seqBefore;
        this.sequence = sequence;
        this.spills = spills;
        this.collector = collector;
        this.createdAt = createdAt;
    }

    Throwable createdAt() {
        return createdAt;
    }

    void put(int family, MemorySegment key, MemorySegment value) throws IOException {
        checkWritable(family, key);
        long hash = KeyHash.hash(key);
        if (value.byteSize() > WriteBatch.MAX_MEDIUM_VALUE_SIZE) {
            collector.addBlob(family, hash, key, writeBlob(value));
        } else {
            collector.addValue(family, hash, key, value);
        }
    }

    void delete(int family, MemorySegment key) {
        checkWritable(family, key);
        collector.addTombstone(family, KeyHash.hash(key), key);
    }

    CommitStats commit() throws IOException {
        lock.lock();
        try {
            if (state != State.OPEN) {
                throw ended("commit");
            }
            state = State.COMMITTING;
        } finally {
            lock.unlock();
        }
        try {
            awaitBlobWrites(); // the contract says every filler has returned; a late blob is not committed half
            collector.flush();
            List<SpilledSst> ssts = SpillOrder.tombstonesFirst(files, directory, spills.awaitAll(),
                    sequence::incrementAndGet);
            int[] blobs;
            synchronized (blobSeqs) {
                blobs = blobSeqs.toIntArray();
            }
            CommitStats stats = db.commitBatch(ssts, blobs, sequence, collector.entryCount());
            collector.close();
            endAs(End.COMMITTED);
            return stats;
        } catch (IOException | RuntimeException | Error e) {
            endAs(End.ROLLED_BACK);
            rollback(e);
            throw e;
        }
    }

    /** Rolls back unless the batch was committed or already ended. */
    void close() throws IOException {
        if (endIfOpen(End.ROLLED_BACK)) {
            rollback(null);
        }
    }

    /** Called by the store's close, with its lock still held: rolls back a batch still open. */
    void endForStoreClose() throws IOException {
        if (endIfOpen(End.STORE_CLOSED)) {
            rollback(null);
        }
    }

    /**
     * The cleaner's action, when the {@link WriteBatch} became unreachable: a batch still open was abandoned by its
     * owner; it is rolled back, so the store can write again, and reported with where it was created.
     */
    void abandon() {
        if (!endIfOpen(End.ABANDONED)) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "a write batch of " + directory + " was neither committed nor closed"
                + " and is no longer reachable: rolled back; it was created at", createdAt);
        try {
            rollback(null);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "rolling back an abandoned write batch of " + directory + " failed",
                    e);
        }
    }

    private boolean endIfOpen(End reason) {
        lock.lock();
        try {
            if (state != State.OPEN) {
                return false;
            }
            end = reason;
            state = State.ENDED;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void endAs(End reason) {
        lock.lock();
        try {
            end = reason;
            state = State.ENDED;
        } finally {
            lock.unlock();
        }
    }

    private void rollback(Throwable cause) throws IOException {
        awaitBlobWrites();
        try {
            spills.awaitAll(); // a spill still writing would recreate a file after the deletion
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        } finally {
            collector.close();
        }
        db.rollback(seqBefore, cause, this);
    }

    private void checkWritable(int family, MemorySegment key) {
        if (family < 0 || family >= familyCount) {
            db.config().family(family); // throws, naming the valid range
        }
        if (key.byteSize() > WriteBatch.MAX_KEY_SIZE) {
            throw new IllegalArgumentException("key of " + key.byteSize() + " bytes (expected: <= "
                    + WriteBatch.MAX_KEY_SIZE + ")");
        }
        if (state != State.OPEN) {
            throw ended("write to it");
        }
    }

    private IllegalStateException ended(String what) {
        if (end == End.STORE_CLOSED) {
            return new StoreClosedException(directory, what + " (the write batch was rolled back when the store"
                    + " closed)");
        }
        return new IllegalStateException("this write batch was already "
                + (end == End.COMMITTED ? "committed" : state == State.COMMITTING ? "committing" : "closed")
                + ": cannot " + what);
    }

    /**
     * Writes a blob file under the read side of {@link #blobWrites}, having checked that the batch is still open:
     * an ending batch takes the write side before it deletes its files, so no blob is created after that.
     */
    private int writeBlob(MemorySegment value) throws IOException {
        blobWrites.readLock().lock();
        try {
            if (state != State.OPEN) {
                throw ended("write to it");
            }
            int seq = sequence.incrementAndGet();
            Path path = StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, seq);
            try (WritableFile out = files.create(path)) {
                BlobFile.write(out, value);
                out.sync();
            }
            synchronized (blobSeqs) {
                blobSeqs.addInt(seq);
            }
            return seq;
        } finally {
            blobWrites.readLock().unlock();
        }
    }

    /** Waits for blob writes in flight; later ones see the batch ended and write nothing. */
    private void awaitBlobWrites() {
        blobWrites.writeLock().lock();
        blobWrites.writeLock().unlock();
    }
}
