package io.turbokv;

import io.turbokv.io.StoreDirectory;
import io.turbokv.recovery.StoreOpener;
import io.turbokv.store.StoreCore;
import io.turbokv.write.OpenBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An embedded, persistent key-value store in one directory: immutable SST files, ordered by key hash (or, in a
 * key-ordered family, by key), mapped read-only and committed atomically through the {@code CURRENT} file.
 *
 * <p>One write operation at a time ({@link #writeBatch()}), whose batch many threads fill at once; any number of
 * concurrent readers ({@link #get}, {@link #getMultiple}, {@link #batchGet}), which see every committed batch
 * whole or not at all. Keys live in families, recorded when the store is created: a single-valued family holds
 * one value per key ({@link #get}), a multi-valued one a multiset ({@link #getMultiple}).
 *
 * <pre>{@code
 * try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
 *     try (WriteBatch batch = db.writeBatch()) {
 *         batch.put(0, key, value);
 *         batch.commit();
 *     }
 *     Optional<byte[]> value = db.get(0, key);
 * }
 * }</pre>
 *
 * <p>Thread-safe. A writable open holds an exclusive lock on the directory's {@code .lock} file until
 * {@link #close()}: a second writable open of the same directory, from this JVM or another process, fails at once
 * with {@link StoreLockedException}. A read-only open ({@link #openReadOnly(Path, DbConfig)}) takes no lock.
 *
 * <p>Reads throw {@link IOException} when a file cannot be opened, and {@link CorruptionException} (a subtype)
 * when its bytes are damaged: TurboKV never returns a value it could not verify. Everything but {@link #close()}
 * throws {@link StoreClosedException} once the store is closed.
 */
public final class TurboKV implements AutoCloseable {
    private final DbConfig config;
    private final StoreCore core;

    /** A store over what {@link StoreOpener} opened in {@code location} (null for an in-memory store). */
    private TurboKV(StoreDirectory location, DbConfig config, boolean readOnly, StoreOpener.Opened opened) {
        this.config = config.withFamilies(opened.families());
        this.core = new StoreCore(location, opened.families(), config.settings(), readOnly, opened);
    }

    /**
     * Opens the existing store in {@code directory} for reading and writing, with the families it recorded when it
     * was created and the default cache sizes. See {@link #open(Path, DbConfig)}.
     *
     * @param directory the store's directory
     * @return the open store, which the caller closes
     * @throws NoSuchFileException when there is no store in {@code directory}
     */
    public static TurboKV open(Path directory) throws IOException {
        StoreOpener.requireStore(directory);
        return open(directory, DbConfig.storeDefined());
    }

    /**
     * Opens the store in {@code directory} for reading and writing, creating the directory and an empty store with
     * the families of {@code config} when missing. An existing store is opened with the families it recorded at
     * creation: {@code config} must declare exactly those, or none. Leftovers of a write that never committed are
     * deleted and pending deletions are finished. Only meta files are read; SST files are mapped on first use, so
     * opening a large store is fast.
     *
     * @param directory the store's directory; created, with the store, when it does not exist
     * @param config    the store's families, cache sizes and durability
     * @return the open store, which the caller closes
     * @throws StoreLockedException     when another writer has the store open
     * @throws IllegalArgumentException when {@code config} declares other families than the store recorded (the
     *                                  message names the first difference), or none for a new store
     * @throws CorruptionException      when a meta file, {@code CURRENT}, {@code SCHEMA} or a {@code .del} is damaged
     * @throws UnsupportedFormatVersionException when a file was written in a format this build cannot read
     * @throws IOException              when the directory holds a file TurboKV did not write (the message names it),
     *                                  or I/O fails
     */
    public static TurboKV open(Path directory, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        StoreDirectory store = config.storeDirectory(directory);
        return new TurboKV(store, config, false, StoreOpener.openWritable(store, config.families()));
    }

    /**
     * Opens the store in {@code directory} for reading only, with the families it recorded and the default cache
     * sizes. See {@link #openReadOnly(Path, DbConfig)}.
     *
     * @param directory the store's directory
     * @return the open store, which the caller closes
     * @throws IOException as {@link #openReadOnly(Path, DbConfig)}
     */
    public static TurboKV openReadOnly(Path directory) throws IOException {
        return openReadOnly(directory, DbConfig.storeDefined());
    }

    /**
     * Opens the store in {@code directory} for reading only. Nothing on disk changes: leftovers and pending
     * deletions stay for the next writable open. Takes no lock. The instance serves the store as committed when it
     * was opened, for as long as it is open, even while a writer (in this or another process) commits and
     * compacts: every live SST and blob file is mapped at open and stays mapped until {@link #close()}, and on
     * POSIX systems a mapping outlives the file's deletion. So the open costs one mapping per file (address space,
     * not memory), and the disk space of files the writer deleted meanwhile is freed only when this instance
     * closes. An open racing with a writer's compaction retries when a file vanished under it.
     *
     * @param directory the store's directory
     * @param config    the store's families, as it recorded them at creation, or none, and the cache sizes
     * @return the open store, which the caller closes
     * @throws NoSuchFileException      when the directory or its {@code CURRENT} file does not exist
     * @throws IllegalArgumentException when {@code config} declares other families than the store recorded
     */
    public static TurboKV openReadOnly(Path directory, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        StoreDirectory store = config.storeDirectory(directory);
        return new TurboKV(store, config, true, StoreOpener.openReadOnly(store, config.families()));
    }

    /**
     * An empty, read-only store that never touches the file system: reads find nothing, writes fail. For callers
     * that want "no persistence" behind the same type.
     *
     * @param config the families the empty store has
     * @return a store with no data and no directory
     * @throws IllegalArgumentException when {@code config} declares no families
     */
    public static TurboKV emptyInMemory(DbConfig config) {
        return new TurboKV(null, config, true, StoreOpener.inMemory(config.families()));
    }

    /**
     * Starts a write batch, claiming the store's single write slot until the batch is committed or closed.
     *
     * @return the new batch; commit it, or close it to roll back
     * @throws WriteSlotBusyException when another write batch or a compaction is active (the message says which;
     *                                the cause carries where an active batch was created)
     * @throws IllegalStateException when the store is read-only, or a rollback failed earlier
     * @throws StoreClosedException  when the store is closed
     */
    public WriteBatch writeBatch() {
        return new WriteBatch(core.writer("start a write batch")
                .startBatch(new Throwable("write batch created here")), config);
    }

    /**
     * Starts a write batch as {@link #writeBatch()}, but waits up to {@code timeout} for an active write batch or
     * compaction to finish instead of failing at once. Threads waiting together get the slot in no particular order.
     *
     * @param timeout how long to wait for the write slot at most
     * @return the new batch; commit it, or close it to roll back
     * @throws WriteSlotBusyException when the slot is still held after {@code timeout}
     * @throws IllegalStateException as {@link #writeBatch()}
     * @throws StoreClosedException  when the store is closed, or closes during the wait
     * @throws InterruptedException  when the thread is interrupted while it waits
     */
    public WriteBatch writeBatch(Duration timeout) throws InterruptedException {
        long waitNanos = timeout.toNanos();
        return new WriteBatch(core.writer("start a write batch")
                .startBatch(new Throwable("write batch created here"), waitNanos), config);
    }

    /**
     * Starts a write batch as {@link #writeBatch()} if the write slot is free; empty, without waiting, when another
     * write batch or a compaction (an automatic one included) holds it. For a writer that has something better to do
     * than wait, such as keeping its writes for a later batch.
     *
     * @return the new batch (commit it, or close it to roll back); empty when the slot is held, in which case nothing
     *         was claimed
     * @throws IllegalStateException as {@link #writeBatch()} when the store is read-only, a rollback failed earlier,
     *                               or an automatic compaction failed since the last write operation
     * @throws StoreClosedException  when the store is closed
     */
    public Optional<WriteBatch> tryWriteBatch() {
        // a poll's refusal is no error: no exception, nor the created-here trace, is built for it
        OpenBatch batch = core.writer("start a write batch")
                .tryStartBatch(() -> new Throwable("write batch created here"));
        return batch == null ? Optional.empty() : Optional.of(new WriteBatch(batch, config));
    }

    /**
     * Compacts the store as far as {@code config} allows (see {@link CompactConfig}): per family, overlapping SSTs
     * are merged into new ones without superseded entries, warm SSTs (keys a lookup found since their last
     * compaction) apart from cold ones. Runs as the store's one write operation and commits like a write batch;
     * readers see the old state until the commit, then the new one, with the same answers.
     *
     * @param config which SSTs to merge and how large the results may grow
     * @return whether anything changed
     * @throws IllegalStateException when a write batch or another compaction is active (the message says which),
     *                               the store is read-only or closed, or a rollback failed earlier
     * @throws IOException           when reading or writing fails; the store is then as before and writable again
     *                               (unless the rollback itself failed, see {@link #hasUnrecoverableWriteError()})
     */
    public boolean compact(CompactConfig config) throws IOException {
        return core.writer("compact").compact(Objects.requireNonNull(config, "config"), true);
    }

    /**
     * Compacts everything: afterwards no key is stored twice in a family and SSTs of one temperature no longer
     * overlap. Unlike {@link #compact}, merges warm and cold SSTs together (each output is split again). A family
     * left so by an earlier full compaction, with nothing written since, is not rewritten.
     *
     * @throws IllegalStateException as {@link #compact}
     * @throws IOException           as {@link #compact}
     */
    public void fullCompact() throws IOException {
        core.writer("compact").compact(CompactConfig.full(), false);
    }

    /**
     * The value of {@code key} in single-valued {@code family}, copied to the heap; empty when the key was never
     * written or was deleted.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes
     * @return a copy of the value, or empty
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     * @throws IOException              when a file cannot be read or is damaged
     */
    public Optional<byte[]> get(int family, byte[] key) throws IOException {
        config.checkKind(family, FamilyKind.SINGLE_VALUE, "get");
        return Optional.ofNullable(core.lookups("read").getCopy(family, MemorySegment.ofArray(key)));
    }

    /**
     * {@return the value of {@code key} in the single-valued family {@code family}, as {@link #get(int, byte[])}}
     *
     * @param family the family's handle ({@link #family(String)})
     * @param key    the key's bytes
     * @throws IllegalArgumentException when the handle is not this store's family, or it is multi-valued
     * @throws IOException              when a file cannot be read or is damaged
     */
    public Optional<byte[]> get(Family family, byte[] key) throws IOException {
        return get(config.indexOf(family), key);
    }

    /**
     * Hands the value of {@code key} in single-valued {@code family} to {@code consumer} without copying it: the
     * segment is a view of mapped or cached memory, valid only during the call.
     *
     * @param family   the family's index in the store's configuration
     * @param key      the key's bytes
     * @param consumer receives the value, at most once
     * @return whether the key has a value
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     * @throws IOException              when a file cannot be read or is damaged, or the consumer throws
     */
    public boolean get(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        config.checkKind(family, FamilyKind.SINGLE_VALUE, "get");
        return core.lookups("read").get(family, key, consumer);
    }

    /**
     * Every value of {@code key} in multi-valued {@code family}, copied to the heap, in no particular order; empty
     * when there is none.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes
     * @return copies of the values
     * @throws IllegalArgumentException when the family does not exist or is single-valued
     * @throws IOException              when a file cannot be read or is damaged
     */
    public List<byte[]> getMultiple(int family, byte[] key) throws IOException {
        List<byte[]> values = new ArrayList<>();
        getMultiple(family, MemorySegment.ofArray(key), value -> values.add(value.toArray(ValueLayout.JAVA_BYTE)));
        return values;
    }

    /**
     * {@return every value of {@code key} in the multi-valued family {@code family}, as {@link #getMultiple(int,
     * byte[])}}
     *
     * @param family the family's handle ({@link #family(String)})
     * @param key    the key's bytes
     * @throws IllegalArgumentException when the handle is not this store's family, or it is single-valued
     * @throws IOException              when a file cannot be read or is damaged
     */
    public List<byte[]> getMultiple(Family family, byte[] key) throws IOException {
        return getMultiple(config.indexOf(family), key);
    }

    /**
     * Hands every value of {@code key} in multi-valued {@code family} to {@code consumer} without copying; each
     * segment is valid only during its call.
     *
     * @param family   the family's index in the store's configuration
     * @param key      the key's bytes
     * @param consumer receives each value
     * @return how many values were handed over
     * @throws IllegalArgumentException when the family does not exist or is single-valued
     * @throws IOException              when a file cannot be read or is damaged, or the consumer throws
     */
    public int getMultiple(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        config.checkKind(family, FamilyKind.MULTI_VALUE, "getMultiple");
        return core.lookups("read").getMultiple(family, key, consumer);
    }

    /**
     * The values of many keys of single-valued {@code family} at once, against one consistent state of the store:
     * {@code result[i]} is the value of {@code keys[i]}, or {@code null} when it has none.
     *
     * @param family the family's index in the store's configuration
     * @param keys   the keys to look up
     * @return the values, or nulls, in the order of {@code keys}
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     * @throws NullPointerException     when a key is null (nothing is looked up)
     * @throws IOException              when a file cannot be read or is damaged
     */
    public byte[][] batchGet(int family, byte[][] keys) throws IOException {
        config.checkKind(family, FamilyKind.SINGLE_VALUE, "batchGet");
        return core.lookups("read").batchGet(family, keys);
    }

    /**
     * Opens a zero-copy read scope on the current state of the store; see {@link ReadScope}. Close it promptly.
     *
     * @return the scope, which the caller closes
     * @throws StoreClosedException when the store is closed
     */
    public ReadScope readScope() {
        return new ReadScope(core, config, directory());
    }

    /** {@return the live meta files of the store, newest first, with their live SSTs} */
    public List<MetaFileInfo> metaInfo() {
        return core.metaInfo();
    }

    /**
     * Empties the key- and value-block caches and drops the store's cached SST mappings: each SST is mapped again on
     * its next read. Blocks and mappings are released once the reads still running have finished. A read-only
     * instance keeps its mappings (see {@link #openReadOnly(Path, DbConfig)}).
     */
    public void clearCache() {
        core.clearCache();
    }

    /**
     * Maps every live SST and checks its size, block count and index now rather than on first read, so that the
     * first reads of a service are not slowed by it.
     *
     * @throws IOException when an SST is missing or damaged
     */
    public void prepareAllSstCaches() throws IOException {
        core.prepareAllSstCaches();
    }

    /**
     * Hands every live value of {@code family} to {@code consumer}, against one consistent state of the store: in a
     * single-valued family each key once with its value, in a multi-valued one each key once per value. A
     * key-ordered family ({@link FamilyConfig#ordered}) is walked in ascending unsigned key order, a hash-ordered one
     * in hash order, which is no meaningful order to a caller. The scan reads every SST of the family; a range of a
     * key-ordered family reads only its part ({@link ReadScope#range}).
     *
     * @param family   the family's index in the store's configuration
     * @param consumer receives each key with each of its values
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public void forEach(int family, KeyValueConsumer consumer) throws IOException {
        config.family(family);
        core.forEach(family, consumer);
    }

    /**
     * The store's read statistics since open: both block caches (hit rate, fill, items, size, hits, misses) and
     * lookups by outcome. Cheap: counters are striped and always on; reading them takes no lock readers wait for.
     *
     * @return the statistics now
     */
    public Statistics statistics() {
        return core.statistics();
    }

    /** {@return whether the store holds no committed data} Takes no lock. */
    public boolean isEmpty() {
        return core.isEmpty();
    }

    /** {@return whether a rollback failed, so that the store refuses all further writes (reads go on)} */
    public boolean hasUnrecoverableWriteError() {
        return core.hasUnrecoverableWriteError();
    }

    /**
     * {@return the handle of the family named {@code name}, for the reads and writes that take a {@link Family}}
     *
     * @param name the family's name, as declared when the store was created
     * @throws IllegalArgumentException when the store has no such family (the message lists its families)
     */
    public Family family(String name) {
        return config.handle(name);
    }

    /** {@return the configuration the store was opened with, with the families the store recorded} */
    public DbConfig config() {
        return config;
    }

    /** {@return the store's directory ({@code null} for {@link #emptyInMemory})} */
    public Path directory() {
        return core.directory();
    }

    /** {@return the store's core, for {@link Salvage}, which writes through it} */
    StoreCore core() {
        return core;
    }

    /** {@return whether this instance refuses writes} */
    public boolean isReadOnly() {
        return core.isReadOnly();
    }

    /**
     * Closes the store. A write batch still open is rolled back (its later calls throw
     * {@link StoreClosedException}); a commit or compaction under way finishes first. Then the directory lock is
     * released: nothing of this instance touches the disk again (obsolete files that open read scopes still hold
     * are deleted by the next writable open). Every mapping is released once the reads still running have
     * finished; a read scope whose cursors handed out no view, on whatever thread, counts as finished (see
     * {@link Cursor}: its next step throws {@link StoreClosedException}); a scope that opened no cursor
     * keeps its lease, and the files it reaches mapped, until it is closed. Everything committed is on disk already
     * (durable unless {@link Durability#NO_SYNC}). Later calls
     * on the store, its scopes and batches throw {@link StoreClosedException}. Idempotent.
     *
     * @throws IOException when rolling back the open write batch failed (the store is closed nonetheless; the next
     *                     writable open deletes what the batch left)
     */
    @Override
    public void close() throws IOException {
        core.close();
    }
}
