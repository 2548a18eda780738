package io.turbokv;

import io.turbokv.blob.BlobFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.SstLimits;
import io.turbokv.write.BatchCollector;
import io.turbokv.write.SpillRunner;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.collections.IntArrayList;

/**
 * The puts and deletes of one write operation, committed together or not at all.
 *
 * <p>Obtained from {@link TurboKV#writeBatch()}, which claims the store's single write slot. {@link #put} and
 * {@link #delete} may be called from many threads at once; keys written by different threads must not conflict in
 * a single-valued family (if they do, which write wins is unspecified). Entries go to off-heap buffers and, once
 * enough have gathered, to SST files on disk in the background, so a batch can be far larger than the heap; none
 * of it is visible to readers until {@link #commit()} returns. Values over 64 MiB are written to their own blob
 * file by the calling thread.
 *
 * <p>{@link #commit()} must be called after every filler thread has returned. {@link #close()} without a
 * successful commit rolls back: every file the batch wrote is deleted and the write slot is freed.
 *
 * <pre>{@code
 * try (WriteBatch batch = db.writeBatch()) {
 *     batch.put(0, key, value);          // from any number of threads
 *     batch.commit();
 * }
 * }</pre>
 *
 * <p>Within one batch a key's tombstone sorts after its values (DESIGN.md §1.4): in a multi-valued family, a
 * delete removes the values of earlier batches, and the key is left with exactly the values this batch adds to it,
 * whether they were added before or after the delete. In a single-valued family, the later of a put and a delete of
 * the same key by the same thread wins.
 */
public final class WriteBatch implements AutoCloseable {
    /** Values longer than this go to a blob file of their own (DESIGN.md §2.2 MAX_MEDIUM_VALUE_SIZE). */
    public static final long MAX_MEDIUM_VALUE_SIZE = SstLimits.MAX_MEDIUM_VALUE_SIZE;
    /** The longest key a batch accepts. */
    public static final long MAX_KEY_SIZE = SstLimits.MAX_KEY_LENGTH;

    private enum State { OPEN, COMMITTING, ENDED }

    private final TurboKV db;
    private final int seqBefore;
    private final AtomicInteger sequence;
    private final BatchCollector collector;
    private final SpillRunner spills;
    private final IntArrayList blobSeqs = new IntArrayList();
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);

    WriteBatch(TurboKV db, int seqBefore, SpillRunner spills, AtomicInteger sequence, boolean[] multiValued,
               WriteBufferPool buffers) {
        this.db = db;
        this.seqBefore = seqBefore;
        this.sequence = sequence;
        this.spills = spills;
        this.collector = new BatchCollector(multiValued, spills, buffers);
    }

    /** Puts {@code value} under {@code key} in {@code family}. See {@link #put(int, MemorySegment, MemorySegment)}. */
    public void put(int family, byte[] key, byte[] value) throws IOException {
        put(family, MemorySegment.ofArray(key), MemorySegment.ofArray(value));
    }

    /**
     * Puts {@code value} under {@code key} in {@code family}: in a single-valued family it replaces the value, in a
     * multi-valued one it adds a value. The bytes are copied before this returns.
     *
     * @throws IllegalArgumentException when the family does not exist or the key is longer than
     *                                  {@link #MAX_KEY_SIZE}
     * @throws IllegalStateException    when the batch was committed or closed
     * @throws IOException              when a blob file (values over 64 MiB) cannot be written
     */
    public void put(int family, MemorySegment key, MemorySegment value) throws IOException {
        checkWritable(family, key);
        long hash = KeyHash.hash(key);
        if (value.byteSize() > MAX_MEDIUM_VALUE_SIZE) {
            collector.addBlob(family, hash, key, writeBlob(value));
        } else {
            collector.addValue(family, hash, key, value);
        }
    }

    /** Deletes {@code key} from {@code family}. See {@link #delete(int, MemorySegment)}. */
    public void delete(int family, byte[] key) {
        delete(family, MemorySegment.ofArray(key));
    }

    /**
     * Deletes {@code key} from {@code family} (every value of it, in a multi-valued family), by writing a tombstone
     * that shadows older values.
     *
     * @throws IllegalArgumentException when the family does not exist or the key is too long
     * @throws IllegalStateException    when the batch was committed or closed
     */
    public void delete(int family, MemorySegment key) {
        checkWritable(family, key);
        collector.addTombstone(family, KeyHash.hash(key), key);
    }

    /**
     * Makes every entry of this batch durable and visible to readers, atomically.
     *
     * @return what the commit wrote
     * @throws IllegalStateException when the batch was already committed or closed
     * @throws IOException           when writing or syncing fails; the batch is then rolled back, the store is
     *                               unchanged and the write slot is free again (unless the rollback itself failed,
     *                               see {@link TurboKV#hasUnrecoverableWriteError()})
     */
    public CommitStats commit() throws IOException {
        if (!state.compareAndSet(State.OPEN, State.COMMITTING)) {
            throw new IllegalStateException("this write batch was already committed or closed");
        }
        try {
            collector.flush();
            CommitStats stats = db.commitBatch(spills.awaitAll(), blobSeqs.toIntArray(), sequence,
                    collector.entryCount());
            state.set(State.ENDED);
            collector.close();
            return stats;
        } catch (IOException | RuntimeException | Error e) {
            state.set(State.ENDED);
            rollback(e);
            throw e;
        }
    }

    /** Rolls the batch back unless it was committed; frees the write slot. Idempotent. */
    @Override
    public void close() throws IOException {
        if (state.compareAndSet(State.OPEN, State.ENDED)) {
            rollback(null);
        }
    }

    private void rollback(Throwable cause) throws IOException {
        try {
            spills.awaitAll(); // a spill still writing would recreate a file after the deletion
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        } finally {
            collector.close();
        }
        db.rollback(seqBefore, cause);
    }

    private void checkWritable(int family, MemorySegment key) {
        db.config().family(family);
        if (key.byteSize() > MAX_KEY_SIZE) {
            throw new IllegalArgumentException("key of " + key.byteSize() + " bytes (expected: <= " + MAX_KEY_SIZE
                    + ")");
        }
        if (state.get() != State.OPEN) {
            throw new IllegalStateException("this write batch was already committed or closed");
        }
    }

    private int writeBlob(MemorySegment value) throws IOException {
        int seq = sequence.incrementAndGet();
        Path path = StoreFileNames.path(db.directory(), StoreFileNames.Kind.BLOB, seq);
        FileLayer files = db.config().fileLayer();
        try (WritableFile out = files.create(path)) {
            BlobFile.write(out, value);
            out.sync();
        }
        synchronized (blobSeqs) {
            blobSeqs.addInt(seq);
        }
        return seq;
    }
}
