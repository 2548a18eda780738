package io.turbokv.write;

import io.turbokv.CommitStats;
import io.turbokv.StoreClosedException;
import io.turbokv.blob.BlobFile;
import io.turbokv.commit.Commit;
import io.turbokv.commit.CommitProtocol;
import io.turbokv.commit.WriteOperationGuard;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.KeyHash;
import io.turbokv.io.SequenceAllocator;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLog;
import io.turbokv.io.WritableFile;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import io.turbokv.meta.MetaFileWriter;
import io.turbokv.read.AccessedKeys;
import io.turbokv.sst.SstLimits;
import io.turbokv.sst.SstOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.agrona.collections.IntArrayList;

/**
 * The state of one write batch, apart from the {@code WriteBatch} its owner holds: the store's write slot refers to
 * this (the store's close rolls the batch back) and the batch's cleaner runs {@link #abandon()} on it, neither of
 * which may keep the {@code WriteBatch} itself reachable, or an abandoned batch could never be detected.
 *
 * <p>Life: {@code OPEN} (fillers put and delete) then either {@code COMMITTING} (one thread commits) then
 * {@code ENDED}, or straight to {@code ENDED} by {@link #close()}, by the store's close or by the cleaner; the
 * transitions happen under {@link #lock}, so exactly one of them rolls back or commits. Rolling back runs while the
 * batch still holds the store's write slot (and so the store its directory lock): an ended batch never touches
 * the disk again.
 */
public final class OpenBatch implements WriteOperationGuard.Holder {
    private static final System.Logger LOG = System.getLogger("io.turbokv");

    /** Why an ended batch ended, for the exception a late caller gets. */
    enum End {
        COMMITTED, ROLLED_BACK, STORE_CLOSED, ABANDONED
    }

    private enum State {
        OPEN, COMMITTING, ENDED
    }

    private final StoreDirectory store;
    private final CommitProtocol protocol;
    private final AccessedKeys[] accessedKeys;
    private final int familyCount;
    private final SequenceAllocator sequence;
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

    /**
     * A batch of a store whose committed sequence number is {@code seqBefore}; the caller holds the write slot.
     *
     * @param multiValued  per family, whether it is multi-valued
     * @param keyOrdered   per family, whether it is key-ordered
     * @param accessedKeys per family, the keys read since the last commit (drained into the new meta files)
     * @param spillThreads where spills run
     * @param buffers      where the batch's off-heap buffers come from
     * @param sstOptions   the spilled SSTs' block budgets, compression and key filter width
     * @param spillLimits  where a family buffer of the batch is cut and spilled
     * @param createdAt    where the batch was created, reported if it is abandoned
     * @param store        the store's directory, where the batch's files go, and the layer they are written through
     * @param protocol     commits or rolls back the batch and frees the write slot
     * @param seqBefore    the committed sequence number when the batch started; its files are numbered above it
     */
    public OpenBatch(StoreDirectory store, CommitProtocol protocol, int seqBefore, boolean[] multiValued,
                     boolean[] keyOrdered, AccessedKeys[] accessedKeys, Executor spillThreads, WriteBufferPool buffers,
                     SstOptions sstOptions, SpillLimits spillLimits, Throwable createdAt) {
        this.store = store;
        this.protocol = protocol;
        this.accessedKeys = accessedKeys;
        this.familyCount = multiValued.length;
        this.sequence = new SequenceAllocator(seqBefore);
        this.spills = new SpillRunner(store, sequence, spillThreads,
                Runtime.getRuntime().availableProcessors() + 1, buffers, sstOptions);
        this.collector = new BatchCollector(multiValued, keyOrdered, spills, spillLimits, buffers);
        this.createdAt = createdAt;
    }

    /** {@return where the batch was created, as a throwable whose stack trace is reported if the batch is abandoned} */
    @Override
    public Throwable createdAt() {
        return createdAt;
    }

    /**
     * Puts {@code value} under {@code key} in {@code family}, as {@code WriteBatch.put} describes: a value over the
     * medium limit goes to a blob file of its own at once.
     *
     * @param family the family's index
     * @param key    the key's bytes, copied
     * @param value  the value's bytes, copied
     * @throws IOException when the blob file of a large value cannot be written
     */
    public void put(int family, MemorySegment key, MemorySegment value) throws IOException {
        checkWritable(family, key);
        long hash = KeyHash.hash(key);
        if (value.byteSize() > SstLimits.MAX_MEDIUM_VALUE_SIZE) {
            collector.addBlob(family, hash, key, writeBlob(value));
        } else {
            collector.addValue(family, hash, key, value);
        }
    }

    /**
     * Deletes {@code key} from {@code family} by adding a tombstone, as {@code WriteBatch.delete} describes.
     *
     * @param family the family's index
     * @param key    the key's bytes, copied
     */
    public void delete(int family, MemorySegment key) {
        checkWritable(family, key);
        collector.addTombstone(family, KeyHash.hash(key), key);
    }

    /** {@return the bytes of native memory the batch holds now: its chunks, filling or spilling} */
    public long nativeMemoryBytes() {
        return collector.heldBytes();
    }

    /** {@return the most bytes of native memory the batch held at once} */
    public long peakNativeMemoryBytes() {
        return collector.peakHeldBytes();
    }

    /**
     * Commits the batch, as {@code WriteBatch.commit} describes; on failure it rolls back and rethrows.
     *
     * @return the committed sequence number and the counts and bytes the commit wrote
     * @throws IOException when a spill, a blob or the commit fails; the batch is then rolled back
     */
    public CommitStats commit() throws IOException {
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
            List<SpilledSst> ssts = SpillOrder.tombstonesFirst(store, spills.awaitAll(),
                    sequence);
            int[] blobs;
            synchronized (blobSeqs) {
                blobs = blobSeqs.toIntArray();
            }
            CommitStats stats = commit(ssts, blobs, collector.entryCount());
            collector.close();
            endAs(End.COMMITTED);
            return stats;
        } catch (IOException | RuntimeException | Error e) {
            endAs(End.ROLLED_BACK);
            rollback(e);
            throw e;
        }
    }

    /**
     * Rolls back unless the batch was committed or already ended.
     *
     * @throws IOException when the rollback cannot delete the batch's files
     */
    public void close() throws IOException {
        if (endIfOpen(End.ROLLED_BACK)) {
            rollback(null);
        }
    }

    /**
     * Called by the store's close, with its lock still held: rolls back a batch still open.
     *
     * @throws IOException when the rollback cannot delete the batch's files
     */
    public void endForStoreClose() throws IOException {
        if (endIfOpen(End.STORE_CLOSED)) {
            rollback(null);
        }
    }

    /**
     * The cleaner's action, when the {@code WriteBatch} became unreachable: a batch still open was abandoned by its
     * owner; it is rolled back, so the store can write again, and reported with where it was created.
     */
    public void abandon() {
        if (!endIfOpen(End.ABANDONED)) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING,
                "a write batch of " + store.directory() + " was neither committed nor closed"
                        + " and is no longer reachable: rolled back; it was created at",
                createdAt);
        try {
            rollback(null);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR,
                    "rolling back an abandoned write batch of " + store.directory() + " failed",
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
        collector.close(); // sealed first: a filler still adding can no longer cut and submit a spill
        try {
            spills.awaitAll(); // a spill still writing would recreate a file after the deletion
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
        protocol.rollback(sequence.committed(), cause);
    }

    /**
     * Writes one meta file per family that got new SSTs (entries flagged fresh, with the key filters the spills
     * built, and the family's used-key filter drained from {@link AccessedKeys}), opens them, and commits.
     */
    private CommitStats commit(List<SpilledSst> ssts, int[] blobs, long keysWritten) throws IOException {
        long start = System.nanoTime();
        if (ssts.isEmpty() && blobs.length == 0) {
            return protocol.commitNothing(keysWritten, start);
        }
        TreeMap<Integer, List<SpilledSst>> byFamily = new TreeMap<>();
        for (SpilledSst sst : ssts) {
            byFamily.computeIfAbsent(sst.family(), f -> new ArrayList<>()).add(sst);
        }
        List<MetaFile> newMetas = new ArrayList<>();
        long bytesWritten = 0;
        StringBuilder record = new StringBuilder();
        try {
            for (var family : byFamily.entrySet()) {
                MetaFile meta = writeMeta(family.getKey(), family.getValue(), sequence.next());
                newMetas.add(meta);
                bytesWritten += meta.byteSize();
            }
            for (SpilledSst sst : ssts) {
                bytesWritten += sst.summary().fileSize();
                record.append(String.format(Locale.ROOT, "  family %d sst %08d %s %d bytes %d entries FRESH%n",
                        sst.family(), Integer.toUnsignedLong(sst.seq()),
                        StoreLog.hashRangeMap(sst.summary().minHash(), sst.summary().maxHash()),
                        sst.summary().fileSize(), sst.summary().entryCount()));
            }
            for (int blob : blobs) {
                bytesWritten += Files.size(store.path(StoreFileNames.Kind.BLOB, blob));
                record.append(String.format(Locale.ROOT, "  new blob %08d%n", Integer.toUnsignedLong(blob)));
            }
        } catch (IOException | RuntimeException | Error e) {
            newMetas.forEach(MetaFile::close);
            throw e;
        }
        return protocol.commit(new Commit(Commit.Kind.BATCH, newMetas, new int[0], new int[0], sequence, keysWritten,
                ssts.size(), blobs.length, bytesWritten, record.toString(), start));
    }

    /** Creates the meta file of one family's new SSTs. */
    private MetaFile writeMeta(int family, List<SpilledSst> ssts, int metaSeq) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            List<MetaEntry> entries = new ArrayList<>();
            for (SpilledSst sst : ssts) {
                // The spill built each SST's key filter (SstWriter.finish); it only needs writing here.
                entries.add(new MetaEntry(sst.seq(), sst.summary().blockCount(), sst.summary().minHash(),
                        sst.summary().maxHash(), sst.summary().fileSize(), MetaEntry.FRESH,
                        sst.summary().entryCount(), sst.summary().keyFilter(), MetaEntry.KeyRange.of(
                                sst.summary().minKey(), sst.summary().maxKey())));
            }
            long[] used = accessedKeys[family].drain();
            return MetaFileWriter.create(store, metaSeq, family, new int[0], entries,
                    UsedKeyFilter.build(used, used.length, arena));
        }
    }

    private void checkWritable(int family, MemorySegment key) {
        if (family < 0 || family >= familyCount) {
            throw new IllegalArgumentException("family " + family + " does not exist (families: 0.."
                    + (familyCount - 1) + ")");
        }
        if (key.byteSize() > SstLimits.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key of " + key.byteSize() + " bytes (expected: <= "
                    + SstLimits.MAX_KEY_LENGTH + ")");
        }
        if (state != State.OPEN) {
            throw ended("write to it");
        }
    }

    private IllegalStateException ended(String what) {
        if (end == End.STORE_CLOSED) {
            return new StoreClosedException(store.directory(), what + " (the write batch was rolled back when the store"
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
            int seq = sequence.next();
            Path path = store.path(StoreFileNames.Kind.BLOB, seq);
            try (WritableFile out = store.files().create(path)) {
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
