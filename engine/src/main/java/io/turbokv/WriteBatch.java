package io.turbokv;

import io.turbokv.sst.SstLimits;
import io.turbokv.write.OpenBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

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
 * successful commit rolls back: every file the batch wrote is deleted and the write slot is freed. Closing the
 * store rolls back a batch still open; its methods then throw {@link StoreClosedException}. A batch that becomes
 * unreachable while open (its owner forgot to close it) is rolled back when the garbage collector finds it, and
 * reported as a warning on the {@code io.turbokv} {@link System.Logger} with the stack where it was created; until
 * then it holds the store's write slot.
 *
 * <pre>{@code
 * try (WriteBatch batch = db.writeBatch()) {
 *     batch.put(0, key, value);          // from any number of threads
 *     batch.commit();
 * }
 * }</pre>
 *
 * <p><b>The same-key rule.</b> In a single-valued family, of the puts and deletes of one key that are ordered by
 * happens-before (made by one thread, or by threads that synchronize with each other), the last one wins, in every
 * read form, after a reopen and after every compaction, however far the batch spilled in between. Writes of one key
 * by threads that do not synchronize race, and either may win. In a multi-valued family, a delete removes the
 * values of earlier batches only: the key is left with exactly the values this batch adds to it, whether they were
 * added before or after the delete.
 */
public final class WriteBatch implements AutoCloseable {
    /** Values longer than this go to a blob file of their own. */
    public static final long MAX_MEDIUM_VALUE_SIZE = SstLimits.MAX_MEDIUM_VALUE_SIZE;
    /** The longest key a batch accepts. */
    public static final long MAX_KEY_SIZE = SstLimits.MAX_KEY_LENGTH;

    /** Runs {@link OpenBatch#abandon()} for batches that became unreachable while open; one daemon thread. */
    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread thread = new Thread(runnable, "turbokv-batch-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private final OpenBatch batch;
    /** The store's families, which check the handles given to {@link #put(Family, byte[], byte[])}. */
    private final DbConfig config;
    private final Cleaner.Cleanable cleanable;

    WriteBatch(OpenBatch batch, DbConfig config) {
        this.batch = batch;
        this.config = config;
        this.cleanable = CLEANER.register(this, batch::abandon);
    }

    /**
     * Puts {@code value} under {@code key} in {@code family}. See {@link #put(int, MemorySegment, MemorySegment)}.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes, copied
     * @param value  the value's bytes, copied
     * @throws IOException when a blob file (values over 64 MiB) cannot be written
     */
    public void put(int family, byte[] key, byte[] value) throws IOException {
        put(family, MemorySegment.ofArray(key), MemorySegment.ofArray(value));
    }

    /**
     * Puts {@code value} under {@code key} in {@code family}: in a single-valued family it replaces the value, in a
     * multi-valued one it adds a value. The bytes are copied before this returns.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes
     * @param value  the value's bytes
     * @throws IllegalArgumentException when the family does not exist or the key is longer than
     *                                  {@link #MAX_KEY_SIZE}
     * @throws IllegalStateException    when the batch was committed or closed ({@link StoreClosedException} when
     *                                  its store was closed)
     * @throws IOException              when a blob file (values over 64 MiB) cannot be written
     */
    public void put(int family, MemorySegment key, MemorySegment value) throws IOException {
        try {
            batch.put(family, key, value);
        } finally {
            Reference.reachabilityFence(this); // not abandoned while a put runs
        }
    }

    /**
     * Deletes {@code key} from {@code family}. See {@link #delete(int, MemorySegment)}.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes, copied
     */
    public void delete(int family, byte[] key) {
        delete(family, MemorySegment.ofArray(key));
    }

    /**
     * Puts {@code value} under {@code key} in the family {@code family} names, as {@link #put(int, byte[], byte[])}.
     *
     * @param family the family's handle ({@link TurboKV#family(String)})
     * @param key    the key's bytes, copied
     * @param value  the value's bytes, copied
     * @throws IllegalArgumentException when the handle does not match the store's family at its index
     * @throws IOException              when a blob file (values over 64 MiB) cannot be written
     */
    public void put(Family family, byte[] key, byte[] value) throws IOException {
        put(config.indexOf(family), key, value);
    }

    /**
     * Deletes {@code key} from the family {@code family} names, as {@link #delete(int, byte[])}.
     *
     * @param family the family's handle ({@link TurboKV#family(String)})
     * @param key    the key's bytes
     * @throws IllegalArgumentException when the handle does not match the store's family at its index
     */
    public void delete(Family family, byte[] key) {
        delete(config.indexOf(family), key);
    }

    /**
     * Deletes {@code key} from {@code family} (every value of it, in a multi-valued family), by writing a tombstone
     * that shadows older values.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes
     * @throws IllegalArgumentException when the family does not exist or the key is too long
     * @throws IllegalStateException    when the batch was committed or closed ({@link StoreClosedException} when
     *                                  its store was closed)
     */
    public void delete(int family, MemorySegment key) {
        try {
            batch.delete(family, key);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * {@return the bytes of native memory this batch holds now} Entries are buffered off the heap in chunks of at
     * most 1 MiB (a larger entry in one of its own size) until their spill has written them; the memory comes from
     * a pool the store keeps for its next batches. A batch holds at most the collectors being spilled (one more
     * than the processors), the one each family is filling (each up to 256 Ki entries or 64 MiB of keys and
     * values), and one chunk per stripe (a few per processor and family), whatever its size. 0 once the batch has
     * ended.
     */
    public long nativeMemoryBytes() {
        return batch.nativeMemoryBytes();
    }

    /** {@return the most bytes of native memory this batch held at once (see {@link #nativeMemoryBytes()})} */
    public long peakNativeMemoryBytes() {
        return batch.peakNativeMemoryBytes();
    }

    /**
     * Makes every entry of this batch durable and visible to readers, atomically.
     *
     * @return what the commit wrote
     * @throws IllegalStateException when the batch was already committed or closed ({@link StoreClosedException}
     *                               when its store was closed)
     * @throws IOException           when writing or syncing fails; the batch is then rolled back, the store is
     *                               unchanged and the write slot is free again (unless the rollback itself failed,
     *                               see {@link TurboKV#hasUnrecoverableWriteError()})
     */
    public CommitStats commit() throws IOException {
        try {
            return batch.commit();
        } finally {
            cleanable.clean(); // the batch has ended (committed or rolled back): nothing left to clean
        }
    }

    /** Rolls the batch back unless it was committed; frees the write slot. Idempotent. */
    @Override
    public void close() throws IOException {
        try {
            batch.close();
        } finally {
            cleanable.clean();
        }
    }
}
