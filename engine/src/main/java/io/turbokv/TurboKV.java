package io.turbokv;

import io.turbokv.cache.BlockCaches;
import io.turbokv.checkpoint.Checkpoint;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLock;
import io.turbokv.read.AccessedKeys;
import io.turbokv.read.BlobFiles;
import io.turbokv.read.FamilyScan;
import io.turbokv.read.Lookups;
import io.turbokv.read.StoreReports;
import io.turbokv.recovery.StoreOpener;
import io.turbokv.salvage.StoreSalvage;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import io.turbokv.write.StoreWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An embedded, persistent key-value store in one directory: hash-ordered, immutable SST files that are mapped
 * read-only, committed atomically through the {@code CURRENT} file.
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
 * with {@link StoreLockedException}. A read-only open takes no lock and changes nothing on disk; it sees the store
 * as committed when it was opened, for as long as it is open.
 *
 * <p>Reads throw {@link IOException} when a file cannot be opened, and {@link CorruptionException} (a subtype)
 * when its bytes are damaged: TurboKV never returns a value it could not verify. Everything but {@link #close()}
 * throws {@link StoreClosedException} once the store is closed.
 */
public final class TurboKV implements AutoCloseable {
    private final Path directory;
    private final DbConfig config;
    private final boolean readOnly;
    private final StoreLock lock;
    private final VersionTracker<StoreState> versions;
    /** Write batches and compactions; null for a read-only or in-memory store, which never changes. */
    private final StoreWriter writer;
    private final boolean[] multiValued;
    private final Lookups lookups;
    private final BlobFiles blobs;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A store over what {@link StoreOpener} opened.
     *
     * @param location the store's directory and file operations, or null for an in-memory store
     * @param readOnly whether the instance refuses writes
     */
    private TurboKV(StoreDirectory location, DbConfig config, boolean readOnly, StoreOpener.Opened opened) {
        this.directory = location == null ? null : location.directory();
        this.config = config;
        this.readOnly = readOnly;
        this.lock = opened.lock();
        this.versions = new VersionTracker<>(opened.state(), e -> System.getLogger("io.turbokv").log(
                System.Logger.Level.WARNING, "closing a mapping of " + directory + " failed", e));
        int families = config.families().size();
        AccessedKeys[] accessedKeys = new AccessedKeys[families];
        this.multiValued = new boolean[families];
        for (int i = 0; i < families; i++) {
            accessedKeys[i] = new AccessedKeys();
            multiValued[i] = config.family(i).kind() == FamilyKind.MULTI_VALUE;
        }
        this.writer = readOnly ? null : new StoreWriter(location, versions, multiValued, accessedKeys);
        this.blobs = opened.blobs();
        this.lookups = new Lookups(versions, blobs, accessedKeys,
                new BlockCaches(config.keyBlockCacheBytes(), config.valueBlockCacheBytes()));
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
        if (!Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            throw new NoSuchFileException(directory.toString(), null, "no TurboKV store here (create one with"
                    + " TurboKV.open(dir, config), declaring its families)");
        }
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
     * @throws StoreLockedException              when another writer has the store open
     * @throws IllegalArgumentException          when {@code config} declares other families than the store recorded
     *                                           (the message names the first difference), or none for a new store
     * @throws CorruptionException               when a meta file, {@code CURRENT}, {@code SCHEMA} or a {@code .del} is
     *                                           damaged
     * @throws UnsupportedFormatVersionException when a file was written in a format this build cannot read
     * @throws IOException                       when the directory holds a file TurboKV did not write (the message
     *                                           names it), or I/O fails
     */
    public static TurboKV open(Path directory, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        StoreDirectory store = new StoreDirectory(directory, config.storeLayer());
        StoreOpener.Opened opened = StoreOpener.openWritable(store, config.families());
        return new TurboKV(store, config.withFamilies(opened.families()), false, opened);
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
     * <p>{@code config} declares the store's families, as it recorded them at creation, or none.
     *
     * @param directory the store's directory
     * @param config    the store's families, as recorded, or none, and the cache sizes
     * @return the open store, which the caller closes
     * @throws NoSuchFileException      when the directory or its {@code CURRENT} file does not exist
     * @throws IllegalArgumentException when {@code config} declares other families than the store recorded
     */
    public static TurboKV openReadOnly(Path directory, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        StoreDirectory store = new StoreDirectory(directory, config.storeLayer());
        StoreOpener.Opened opened = StoreOpener.openReadOnly(store, config.families());
        return new TurboKV(store, config.withFamilies(opened.families()), true, opened);
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
        if (config.families().isEmpty()) {
            throw new IllegalArgumentException("an in-memory store needs its families declared");
        }
        return new TurboKV(null, config, true, new StoreOpener.Opened(config.families(), null, StoreState.EMPTY,
                BlobFiles.byName(null)));
    }

    /**
     * Starts a write batch, claiming the store's single write slot until the batch is committed or closed.
     *
     * @return the new batch; commit it, or close it to roll back
     * @throws IllegalStateException when another write batch or a compaction is active (the message says which; the
     *                               cause carries where an active batch was created), the store is read-only, or
     *                               a rollback failed earlier
     * @throws StoreClosedException  when the store is closed
     */
    public WriteBatch writeBatch() {
        checkWritable("start a write batch");
        return new WriteBatch(writer.startBatch(new Throwable("write batch created here")));
    }

    private void checkWritable(String operation) {
        checkOpen(operation);
        if (readOnly) {
            throw new IllegalStateException("Cannot perform write operations on a read-only database");
        }
    }

    /**
     * Compacts the store: per family, merges SSTs whose hash ranges overlap, as far as {@code config} allows, into
     * new SSTs without superseded entries, split into warm SSTs (keys a lookup found since they were last compacted)
     * and cold ones; the two are never merged together. Runs as the store's one write operation and commits like a
     * write batch; readers go on meanwhile and see the old state until the commit, then the new one. Every answer
     * stays the same.
     *
     * @param config which SSTs to merge and how large the results may grow
     * @return whether anything changed
     * @throws IllegalStateException when a write batch or another compaction is active (the message says which),
     *                               the store is read-only or closed, or a rollback failed earlier
     * @throws IOException           when reading or writing fails; the store is then as before and writable again
     *                               (unless the rollback itself failed, see {@link #hasUnrecoverableWriteError()})
     */
    public boolean compact(CompactConfig config) throws IOException {
        return compact(Objects.requireNonNull(config, "config"), true);
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
        compact(CompactConfig.full(), false);
    }

    private boolean compact(CompactConfig limits, boolean separateCategories) throws IOException {
        checkWritable("compact");
        return writer.compact(limits, separateCategories);
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
        checkOpen("read");
        return Optional.ofNullable(lookups.getCopy(family, MemorySegment.ofArray(key)));
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
        checkOpen("read");
        return lookups.get(family, key, consumer);
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
        checkOpen("read");
        return lookups.getMultiple(family, key, consumer);
    }

    /**
     * The values of many keys of single-valued {@code family} at once, against one consistent state of the store:
     * {@code result[i]} is the value of {@code keys[i]}, or {@code null} when it has none.
     *
     * @param family the family's index in the store's configuration
     * @param keys   the keys to look up
     * @return the values, or nulls, in the order of {@code keys}
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     * @throws IOException              when a file cannot be read or is damaged
     */
    public byte[][] batchGet(int family, byte[][] keys) throws IOException {
        config.checkKind(family, FamilyKind.SINGLE_VALUE, "batchGet");
        checkOpen("read");
        return lookups.batchGet(family, keys);
    }

    /**
     * Opens a zero-copy read scope on the current state of the store; see {@link ReadScope}. Close it promptly.
     *
     * @return the scope, which the caller closes
     * @throws StoreClosedException when the store is closed
     */
    public ReadScope readScope() {
        return new ReadScope(lookups, config, closed, directory, acquire());
    }

    /**
     * Writes a checkpoint: a consistent copy of the store as committed now, in {@code destination}, which opens as a
     * store of its own. The store's files are immutable, so the checkpoint hard-links them where the file system
     * allows (taking no space until the store deletes its names, at a later compaction) and copies them where it
     * does not (another file system); then it writes {@code SCHEMA} and, last, {@code CURRENT}, all synced. Writes
     * and compactions go on meanwhile: the checkpoint holds the state it copies, so compaction deletes none of its
     * files until it is done.
     *
     * <p>A read-only instance copies the state it opened, which a writer of another process does not know about:
     * if that writer deleted one of its files (a compaction) before the checkpoint opened it, this fails with
     * {@link NoSuchFileException}, and opening the store again gives a newer state to copy.
     *
     * @param destination a directory that does not exist yet (it is created, with its parents) or is empty, not
     *                    inside the store's directory
     * @return the committed sequence number copied, and how many files were linked and copied
     * @throws java.nio.file.FileAlreadyExistsException when {@code destination} exists and is not an empty
     *                                                  directory
     * @throws IllegalArgumentException                 when {@code destination} is inside the store's directory
     * @throws IllegalStateException                    for an in-memory store, which has no files
     * @throws IOException                              when reading or writing fails; the destination is then
     *                                                  left as it was
     */
    public CheckpointStats checkpoint(Path destination) throws IOException {
        Objects.requireNonNull(destination, "destination");
        checkOpen("checkpoint");
        if (directory == null) {
            throw new IllegalStateException("an in-memory store has no files to checkpoint");
        }
        StoreDirectory source = new StoreDirectory(directory, config.fileLayer());
        return onCurrentState(state -> Checkpoint.write(source, state, destination, !readOnly));
    }

    /**
     * Copies every entry that still verifies out of the damaged store in {@code source} into a new store in
     * {@code destination}, and reports what it could not read. Unlike {@link #open}, which refuses a store with a
     * damaged file, it reads what is left file by file and block by block, each block's checksum verified before
     * it is decoded: a damaged meta file loses its SSTs, a damaged SST block its entries, a damaged blob its value,
     * and every loss is a line of the report. Each SST is written to the new store as a batch of its own, oldest
     * first, so the copy answers reads as the source did, except that a lost newer entry lets an older value of its
     * key show again (the report says where that can happen). The new store is fully compacted at the end.
     *
     * <p>The source is only read, without its lock: nothing may write it meanwhile.
     *
     * @param source      the damaged store's directory
     * @param destination a directory that does not exist yet or is empty, for the new store
     * @param config      the families to create the new store with when the source's {@code SCHEMA} is damaged or
     *                    missing; {@link DbConfig#storeDefined()} to take the source's (declared ones must match a
     *                    readable {@code SCHEMA}); also the new store's cache sizes
     * @return how many entries were copied and lost, and one line per loss
     * @throws NoSuchFileException                      when {@code source} holds no {@code CURRENT}
     * @throws java.nio.file.FileAlreadyExistsException when {@code destination} exists and is not an empty
     *                                                  directory
     * @throws IllegalArgumentException                 when the source's {@code SCHEMA} cannot be read and
     *                                                  {@code config} declares no families, or declares others
     * @throws IOException                              when reading fails for another reason than damage, or
     *                                                  writing the new store fails
     */
    public static SalvageReport salvage(Path source, Path destination, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        if (!Files.exists(source.resolve(StoreFileNames.CURRENT))) {
            throw new NoSuchFileException(source.toString(), null, "no TurboKV store here (no CURRENT)");
        }
        if (Files.exists(destination)) {
            try (var entries = Files.list(destination)) {
                if (entries.findAny().isPresent()) {
                    throw new java.nio.file.FileAlreadyExistsException(destination.toString(), null,
                            "not empty: a salvage writes a new store");
                }
            }
        }
        List<FamilyConfig> families = StoreSalvage.families(source, config.families());
        try (TurboKV copy = open(destination, config.withFamilies(families))) {
            WriteBatch[] batch = new WriteBatch[1];
            int[] family = new int[1];
            SalvageReport report = StoreSalvage.copy(source, families, new StoreSalvage.Sink() {
                @Override
                public void beginSst(int index) {
                    batch[0] = copy.writeBatch();
                    family[0] = index;
                }

                @Override
                public void put(MemorySegment key, MemorySegment value) throws IOException {
                    batch[0].put(family[0], key, value);
                }

                @Override
                public void delete(MemorySegment key) {
                    batch[0].delete(family[0], key);
                }

                @Override
                public void endSst() throws IOException {
                    try (WriteBatch done = batch[0]) {
                        done.commit();
                    }
                }
            });
            copy.fullCompact();
            return report;
        }
    }

    /** {@return the live meta files of the store, newest first, with their live SSTs} */
    public List<MetaFileInfo> metaInfo() {
        return onCurrentState(StoreReports::metaInfo);
    }

    /**
     * Empties the key- and value-block caches and drops the store's cached SST mappings: each SST is mapped again on
     * its next read. Blocks and mappings are released once the reads still running have finished. A read-only
     * instance keeps its mappings (see {@link #openReadOnly(Path, DbConfig)}).
     */
    public void clearCache() {
        checkOpen("clear the caches");
        lookups.caches().clear();
        if (writer != null) {
            writer.remapSsts();
        }
    }

    /**
     * Maps every live SST and checks its size, block count and index now rather than on first read, so that the
     * first reads of a service are not slowed by it.
     *
     * @throws IOException when an SST is missing or damaged
     */
    public void prepareAllSstCaches() throws IOException {
        onCurrentState(state -> {
            state.mapAllSsts();
            return null;
        });
    }

    /**
     * Hands every live value of {@code family} to {@code consumer}, against one consistent state of the store: in a
     * single-valued family each key once with its value, in a multi-valued one each key once per value. The order
     * is the store's hash order, which is no meaningful order to a caller: TurboKV has no key-ordered scans. The
     * scan reads every SST of the family.
     *
     * @param family   the family's index in the store's configuration
     * @param consumer receives each key with each of its values
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public void forEach(int family, KeyValueConsumer consumer) throws IOException {
        config.family(family);
        onCurrentState(state -> {
            try (FamilyScan scan = new FamilyScan(blobs, state, family, multiValued[family])) {
                scan.run(consumer);
            }
            return null;
        });
    }

    /**
     * The store's read statistics since open: both block caches (hit rate, fill, items, size, hits, misses) and
     * lookups by outcome. Cheap: counters are striped and always on; reading them takes no lock readers wait for.
     *
     * @return the statistics now
     */
    public Statistics statistics() {
        return onCurrentState(state -> StoreReports.statistics(state, lookups));
    }

    /** {@return whether the store holds no committed data} Takes no lock. */
    public boolean isEmpty() {
        return versions.currentState().isEmpty();
    }

    /** {@return whether a rollback failed, so that the store refuses all further writes (reads go on)} */
    public boolean hasUnrecoverableWriteError() {
        return writer != null && writer.isBroken();
    }

    /** {@return the configuration the store was opened with, with the families the store recorded} */
    public DbConfig config() {
        return config;
    }

    /** {@return the store's directory ({@code null} for {@link #emptyInMemory})} */
    public Path directory() {
        return directory;
    }

    /** {@return whether this instance refuses writes} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * Closes the store. A write batch still open is rolled back (its later calls throw
     * {@link StoreClosedException}); a commit or compaction under way finishes first. Then the directory lock is
     * released: nothing of this instance touches the disk again (obsolete files that open read scopes still hold
     * are deleted by the next writable open). Every mapping is released once the reads still running have
     * finished. Everything committed is already durable. Later calls on the store, its scopes and batches throw
     * {@link StoreClosedException}. Idempotent.
     *
     * @throws IOException when rolling back the open write batch failed (the store is closed nonetheless; the next
     *                     writable open deletes what the batch left)
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<AutoCloseable> retired = List.of(lookups.caches(), blobs); // after the last lookup of an older state
        IOException failure = null;
        if (writer != null) {
            failure = writer.close(retired);
        } else {
            versions.publish(StoreState.EMPTY, withUnreachable(retired));
        }
        lookups.close();
        if (lock != null) {
            lock.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private List<AutoCloseable> withUnreachable(List<AutoCloseable> retired) {
        List<AutoCloseable> all = new ArrayList<>(versions.currentState().unreachableIn(StoreState.EMPTY));
        all.addAll(retired);
        return all;
    }

    private VersionTracker.Version<StoreState> acquire() {
        checkOpen("read");
        return versions.acquire();
    }

    /** A computation on a leased state, which may fail as an I/O operation does ({@code E}). */
    @FunctionalInterface
    private interface StateFunction<T, E extends Exception> {
        T apply(StoreState state) throws E;
    }

    /** Applies {@code function} to the current state, leased for the call. */
    private <T, E extends Exception> T onCurrentState(StateFunction<T, E> function) throws E {
        VersionTracker.Version<StoreState> version = acquire();
        try {
            return function.apply(version.state());
        } finally {
            version.release();
        }
    }

    /** @throws StoreClosedException when the store was closed */
    private void checkOpen(String operation) {
        if (closed.get()) {
            throw new StoreClosedException(directory, operation);
        }
    }
}
