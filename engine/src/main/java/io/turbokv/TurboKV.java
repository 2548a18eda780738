package io.turbokv;

import io.turbokv.cache.BlockCaches;
import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.DirectoryScan;
import io.turbokv.io.FileLayer;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLock;
import io.turbokv.io.StoreLog;
import io.turbokv.io.StoreSchema;
import io.turbokv.io.WritableFile;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import io.turbokv.meta.MetaFileWriter;
import io.turbokv.read.AccessedKeys;
import io.turbokv.read.BlobFiles;
import io.turbokv.read.FamilyScan;
import io.turbokv.read.LookupCounters;
import io.turbokv.read.Lookups;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstFilter;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import io.turbokv.write.BatchCollector;
import io.turbokv.write.SpillRunner;
import io.turbokv.write.SpilledSst;
import io.turbokv.write.WriteOperationGuard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntHashSet;

/**
 * An embedded, persistent key-value store in one directory: hash-ordered, immutable SST files that are mapped
 * read-only, committed atomically through the {@code CURRENT} file.
 *
 * <p>One write operation at a time ({@link #writeBatch()}), whose batch many threads fill at once; any number of
 * concurrent readers ({@link #get}, {@link #getMultiple}, {@link #batchGet}), which see every committed batch
 * whole or not at all. Keys live in families, fixed at open by {@link DbConfig}: a single-valued family holds one
 * value per key ({@link #get}), a multi-valued one a multiset ({@link #getMultiple}).
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
 * with {@link io.turbokv.io.StoreLock.StoreLockedException}. A read-only open takes no lock and changes nothing on
 * disk; it sees the store as committed when it was opened.
 *
 * <p>Reads throw {@link IOException} when a file cannot be opened, and {@link CorruptionException} (a subtype)
 * when its bytes are damaged: TurboKV never returns a value it could not verify.
 */
public final class TurboKV implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.turbokv");
    private static final String WRITE_BATCH = "write batch";
    private static final String COMPACTION = "compaction";
    /** How often a read-only open retries when the writer deleted a file of the commit it was reading. */
    private static final int READ_ONLY_OPEN_ATTEMPTS = 10;

    private final Path directory;
    private final DbConfig config;
    private final boolean readOnly;
    private final StoreLock lock;
    private final WriteOperationGuard guard = new WriteOperationGuard();
    private final VersionTracker<StoreState> versions;
    private final AccessedKeys[] accessedKeys;
    private final boolean[] multiValued;
    private final StoreLog log;
    private final ExecutorService spillExecutor;
    /** The write path's off-heap buffers, reused from batch to batch; freed at {@link #close()}. */
    private final WriteBufferPool writeBuffers = new WriteBufferPool();
    private final Lookups lookups;
    private final BlobFiles blobs;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Serialises state transitions: a commit's read of the current state through its publication, cache clears. */
    private final ReentrantLock publishLock = new ReentrantLock();
    /**
     * {@code .del} files whose listed files were all deleted; each is removed by the next commit, once that commit's
     * directory sync has made the deletions durable (removed earlier, a crash could keep a deleted meta file's name
     * but lose the record that it must go).
     */
    private final Queue<Path> completedDeletionFiles = new ConcurrentLinkedQueue<>();
    private final Queue<Path> deferredDeletions = new ConcurrentLinkedQueue<>();
    /** Serialises deletions of obsolete files with {@link #close()}, which ends them before the lock goes. */
    private final Object deletionLock = new Object();
    /** Set by {@link #close()} under {@link #deletionLock}: no file may be deleted any more. */
    private boolean lockReleased;
    private volatile boolean empty;
    /** The write batch holding the write slot, if any: the store's close rolls it back. */
    private volatile OpenBatch activeBatch;

    private TurboKV(Path directory, DbConfig config, boolean readOnly, StoreLock lock, StoreState state,
                    BlobFiles blobs) {
        this.directory = directory;
        this.config = config;
        this.readOnly = readOnly;
        this.lock = lock;
        this.versions = new VersionTracker<>(state, e -> LOG.log(System.Logger.Level.WARNING,
                "closing a mapping of " + directory + " failed", e));
        int families = config.families().size();
        this.accessedKeys = new AccessedKeys[families];
        this.multiValued = new boolean[families];
        for (int i = 0; i < families; i++) {
            accessedKeys[i] = new AccessedKeys();
            multiValued[i] = config.family(i).kind() == FamilyKind.MULTI_VALUE;
        }
        this.log = directory == null || readOnly ? null : new StoreLog(directory);
        this.spillExecutor = directory == null || readOnly ? null : newSpillExecutor();
        this.blobs = blobs;
        this.lookups = new Lookups(blobs, accessedKeys,
                new BlockCaches(config.keyBlockCacheBytes(), config.valueBlockCacheBytes()));
        this.empty = state.isEmpty();
    }

    /**
     * Opens the existing store in {@code directory} for reading and writing, with the families it recorded when it
     * was created and the default cache sizes. See {@link #open(Path, DbConfig)}.
     *
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
     * @throws io.turbokv.io.StoreLock.StoreLockedException when another writer has the store open
     * @throws IllegalArgumentException when {@code config} declares other families than the store recorded (the
     *                                  message names the first difference), or none for a new store
     * @throws CorruptionException when a meta file, {@code CURRENT}, {@code SCHEMA} or a {@code .del} is damaged
     * @throws UnsupportedFormatVersionException when a file was written in a format this build cannot read
     * @throws IOException when the directory holds a file TurboKV did not write (the message names it), or I/O fails
     */
    public static TurboKV open(Path directory, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        Files.createDirectories(directory);
        boolean create = !Files.exists(directory.resolve(StoreFileNames.CURRENT));
        if (create) {
            if (config.families().isEmpty()) {
                throw new IllegalArgumentException("no store in " + directory + " to open, and the DbConfig"
                        + " declares no families to create one with");
            }
            refuseForeignFiles(directory); // before the lock file, so a refused directory is left as it was
        }
        StoreLock lock = StoreLock.acquire(directory);
        try {
            FileLayer files = config.fileLayer();
            if (create && !Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
                // SCHEMA first: a store is one once CURRENT exists, and then its schema must be there
                SchemaFile.write(files, directory, StoreSchemas.of(config.families()));
                CurrentFile.write(files, directory, 0);
            }
            int committed = CurrentFile.read(directory);
            DbConfig effective = StoreSchemas.reconcile(directory, readSchema(directory), config);
            DirectoryScan scan = DirectoryScan.scan(files, directory, committed, false);
            StoreState state = load(directory, effective, scan.metaSeqs(), committed);
            return new TurboKV(directory, effective, false, lock, state, BlobFiles.byName(directory));
        } catch (IOException | RuntimeException | Error e) {
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The store's schema; a store without one (it has {@code CURRENT}) is damaged. */
    private static StoreSchema readSchema(Path directory) throws IOException {
        try {
            return SchemaFile.read(directory);
        } catch (NoSuchFileException e) {
            throw new CorruptionException("the store has CURRENT but no SCHEMA: its families are unknown",
                    directory.resolve(StoreFileNames.SCHEMA), CorruptionException.NO_OFFSET, e);
        }
    }

    /**
     * Opens the store in {@code directory} for reading only, with the families it recorded and the default cache
     * sizes. See {@link #openReadOnly(Path, DbConfig)}.
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
     * <p>{@code config} declares the store's families, as it recorded them at creation, or none (the store's own
     * are used: {@link #openReadOnly(Path)}).
     *
     * @throws NoSuchFileException when the directory or its {@code CURRENT} file does not exist
     * @throws IllegalArgumentException when {@code config} declares other families than the store recorded
     */
    public static TurboKV openReadOnly(Path directory, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "no TurboKV store here");
        }
        if (!Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            throw new NoSuchFileException(directory.resolve(StoreFileNames.CURRENT).toString(), null,
                    "not a TurboKV store (no CURRENT)");
        }
        for (int attempt = 1; ; attempt++) {
            int committed = CurrentFile.read(directory);
            try {
                return openReadOnlyAt(directory, config, committed);
            } catch (NoSuchFileException e) {
                // a writer deleted a file of that commit meanwhile: a newer commit replaced it, so read that one
                if (attempt >= READ_ONLY_OPEN_ATTEMPTS || CurrentFile.read(directory) == committed) {
                    throw e;
                }
            }
        }
    }

    private static TurboKV openReadOnlyAt(Path directory, DbConfig declared, int committed) throws IOException {
        DbConfig config = StoreSchemas.reconcile(directory, readSchema(directory), declared);
        DirectoryScan scan = DirectoryScan.scan(config.fileLayer(), directory, committed, true);
        StoreState state = load(directory, config, scan.metaSeqs(), committed);
        BlobFiles blobs = null;
        try {
            for (LiveMeta meta : state.metas()) {
                for (SstSlot slot : meta.ssts()) {
                    slot.reader(); // mapped now, so that a compaction of the writer cannot take it away
                }
            }
            blobs = BlobFiles.pinned(directory, scan.blobSeqs());
            return new TurboKV(directory, config, true, null, state, blobs);
        } catch (IOException | RuntimeException | Error e) {
            state.unreachableIn(StoreState.EMPTY).forEach(TurboKV::closeQuietly);
            if (blobs != null) {
                blobs.close();
            }
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            // the open failed already; this mapping is gone either way
        }
    }

    /**
     * An empty, read-only store that never touches the file system: reads find nothing, writes fail. For callers
     * that want "no persistence" behind the same type.
     */
    public static TurboKV emptyInMemory(DbConfig config) {
        if (config.families().isEmpty()) {
            throw new IllegalArgumentException("an in-memory store needs its families declared");
        }
        return new TurboKV(null, Objects.requireNonNull(config, "config"), true, null, StoreState.EMPTY,
                BlobFiles.byName(null));
    }

    /**
     * A new store goes only into a directory that holds nothing but dot-files and a {@code LOG}: numbered data files
     * without {@code CURRENT} would all be deleted as uncommitted leftovers of sequence 0, and any other file means
     * the directory belongs to something else.
     */
    private static void refuseForeignFiles(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            // a SCHEMA without CURRENT is a creation that crashed before its end: it is written again
            Optional<String> foreign = entries.map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".") && !name.equals(StoreFileNames.LOG)
                            && !name.equals(StoreFileNames.SCHEMA)).sorted().findFirst();
            if (foreign.isPresent() && foreign.get().matches("\\d+\\.(sst|meta|blob|del)")) {
                throw new CorruptionException("store has data files (e.g. " + foreign.get()
                        + ") but no CURRENT: refusing to initialise over them",
                        directory.resolve(StoreFileNames.CURRENT), CorruptionException.NO_OFFSET);
            }
            if (foreign.isPresent()) {
                throw new IOException("Cannot create a store in " + directory + ": it holds " + foreign.get()
                        + ", which TurboKV did not write (use an empty directory)");
            }
        }
    }

    /** Opens the committed meta files (in parallel) and decides which SSTs are live, newest first. */
    private static StoreState load(Path directory, DbConfig config, int[] metaSeqs, int committed)
            throws IOException {
        List<MetaFile> opened = new ArrayList<>();
        try {
            List<MetaFile> files = openAll(directory, metaSeqs);
            opened.addAll(files);
            for (MetaFile file : files) {
                if (file.family() < 0 || file.family() >= config.families().size()) {
                    throw new IOException(String.format(Locale.ROOT,
                            "%s belongs to family %d, but the store was opened with %d families", file.path(),
                            file.family(), config.families().size()));
                }
            }
            files.sort(Comparator.comparingLong((MetaFile f) -> Integer.toUnsignedLong(f.seq())).reversed());
            SstFilter filter = new SstFilter();
            List<LiveMeta> live = new ArrayList<>();
            for (MetaFile file : files) {
                live.add(narrow(new LiveMeta(file, slotsOf(directory, file)), filter));
            }
            return new StoreState(live, committed);
        } catch (IOException | RuntimeException | Error e) {
            opened.forEach(MetaFile::close);
            throw e;
        }
    }

    /**
     * Opens the meta files in parallel (each is mapped and its checksum verified). When one fails, every one already
     * opened is closed before the first failure is thrown, the others added to it as suppressed.
     */
    private static List<MetaFile> openAll(Path directory, int[] metaSeqs) throws IOException {
        MetaFile[] opened = new MetaFile[metaSeqs.length];
        Throwable[] failures = new Throwable[metaSeqs.length];
        IntStream.range(0, metaSeqs.length).parallel().forEach(i -> {
            try {
                opened[i] = MetaFile.open(StoreFileNames.path(directory, StoreFileNames.Kind.META, metaSeqs[i]),
                        metaSeqs[i]);
            } catch (IOException | RuntimeException | Error e) {
                failures[i] = e;
            }
        });
        Throwable first = null;
        for (Throwable failure : failures) {
            if (failure != null && first == null) {
                first = failure;
            } else if (failure != null) {
                first.addSuppressed(failure);
            }
        }
        if (first == null) {
            return new ArrayList<>(Arrays.asList(opened));
        }
        for (MetaFile file : opened) {
            if (file != null) {
                file.close();
            }
        }
        if (first instanceof IOException e) {
            throw e;
        } else if (first instanceof RuntimeException e) {
            throw e;
        }
        throw (Error) first;
    }

    private static ExecutorService newSpillExecutor() {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), task -> {
            Thread thread = new Thread(task, "turbokv-spill-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    // ---------------------------------------------------------------------------------------------- writes

    /**
     * Starts a write batch, claiming the store's single write slot until the batch is committed or closed.
     *
     * @throws IllegalStateException when another write batch or a compaction is active (the message says which),
     *                               the store is read-only or closed, or a rollback failed earlier
     */
    public WriteBatch writeBatch() {
        checkOpen("start a write batch");
        if (readOnly) {
            throw new IllegalStateException("Cannot perform write operations on a read-only database");
        }
        Throwable createdAt = new Throwable("write batch created here");
        claimWriteSlot(WRITE_BATCH);
        try {
            int seqBefore = versions.currentState().committedSeq();
            AtomicInteger sequence = new AtomicInteger(seqBefore);
            SpillRunner spills = new SpillRunner(config.fileLayer(), directory, sequence, spillExecutor,
                    Runtime.getRuntime().availableProcessors() + 1, writeBuffers);
            OpenBatch batch = new OpenBatch(this, seqBefore, sequence, spills,
                    new BatchCollector(multiValued, spills, writeBuffers), createdAt);
            activeBatch = batch;
            return new WriteBatch(batch);
        } catch (RuntimeException | Error e) {
            guard.release();
            throw e;
        }
    }

    /** Claims the write slot; when a write batch holds it, the message says where that batch was created. */
    private void claimWriteSlot(String operation) {
        try {
            guard.claim(operation);
        } catch (IllegalStateException e) {
            if (closed.get()) {
                throw new StoreClosedException(directory, "start a " + operation);
            }
            OpenBatch active = activeBatch;
            if (active != null) {
                e.initCause(active.createdAt());
            }
            throw e;
        }
    }

    /** Commits a write batch's spilled SSTs and blobs; called by {@link WriteBatch#commit()}. */
    CommitStats commitBatch(List<SpilledSst> ssts, int[] blobs, AtomicInteger sequence, long keysWritten)
            throws IOException {
        long start = System.nanoTime();
        if (ssts.isEmpty() && blobs.length == 0) {
            guard.release();
            return new CommitStats(versions.currentState().committedSeq(), keysWritten, 0, 0, 0, 0,
                    System.nanoTime() - start);
        }
        TreeMap<Integer, List<SpilledSst>> byFamily = new TreeMap<>();
        for (SpilledSst sst : ssts) {
            byFamily.computeIfAbsent(sst.family(), f -> new ArrayList<>()).add(sst);
        }
        FileLayer files = config.fileLayer();
        List<MetaFile> newMetas = new ArrayList<>();
        long bytesWritten = 0;
        try {
            for (var family : byFamily.entrySet()) {
                int metaSeq = sequence.incrementAndGet();
                bytesWritten += writeMeta(files, family.getKey(), family.getValue(), metaSeq);
                newMetas.add(MetaFile.open(StoreFileNames.path(directory, StoreFileNames.Kind.META, metaSeq),
                        metaSeq));
            }
            for (SpilledSst sst : ssts) {
                bytesWritten += sst.summary().fileSize();
            }
            for (int blob : blobs) {
                bytesWritten += Files.size(StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, blob));
            }
        } catch (IOException | RuntimeException | Error e) {
            newMetas.forEach(MetaFile::close);
            throw e;
        }
        StringBuilder record = new StringBuilder();
        for (SpilledSst sst : ssts) {
            record.append(String.format(Locale.ROOT, "  family %d sst %08d %s %d bytes %d entries FRESH%n",
                    sst.family(), Integer.toUnsignedLong(sst.seq()),
                    StoreLog.hashRangeMap(sst.summary().minHash(), sst.summary().maxHash()),
                    sst.summary().fileSize(), sst.summary().entryCount()));
        }
        for (int blob : blobs) {
            record.append(String.format(Locale.ROOT, "  new blob %08d%n", Integer.toUnsignedLong(blob)));
        }
        Commit commit = new Commit(newMetas, new int[0], new int[0], keysWritten, "Commit", record.toString());
        return commit(commit, sequence, start, ssts.size(), blobs.length, bytesWritten);
    }

    /**
     * What a write operation hands to {@link #commit}: its new meta files, already written, synced and opened
     * (their SST and blob files synced too), and the files it makes obsolete.
     *
     * @param newMetas      the new meta files
     * @param sstsToDelete  SSTs no meta file will list any more (compaction inputs)
     * @param blobsToDelete blobs whose values were dropped
     * @param keysWritten   entries written, for the statistics and the LOG
     * @param kind          "Commit" or "Compaction", for the LOG
     * @param details       LOG lines about the new files
     */
    record Commit(List<MetaFile> newMetas, int[] sstsToDelete, int[] blobsToDelete, long keysWritten, String kind,
                  String details) {}

    /**
     * The commit path shared by write batches and compaction: decide what becomes obsolete without touching memory,
     * write {@code .del}, make every new name durable with one directory sync, then write {@code CURRENT} (the
     * commit point), then publish to readers. Superseded files are deleted only once no reader of an older state is
     * left (a lease may still map them, or map them on first use): the deletion is retired with the replaced state
     * ({@link VersionTracker}). A failure before {@code CURRENT} is durable leaves memory untouched and propagates,
     * so the caller rolls back; after it, nothing may roll back: the LOG and deletions only warn (failed deletions
     * are retried at the next commit and at close, and at the next open via the {@code .del} file).
     */
    CommitStats commit(Commit commit, AtomicInteger sequence, long start, int newSsts, int newBlobs,
                       long bytesWritten) throws IOException {
        publishLock.lock();
        try {
            return commitLocked(commit, sequence, start, newSsts, newBlobs, bytesWritten);
        } finally {
            publishLock.unlock();
        }
    }

    private CommitStats commitLocked(Commit commit, AtomicInteger sequence, long start, int newSsts, int newBlobs,
                                     long bytesWritten) throws IOException {
        FileLayer files = config.fileLayer();
        StoreState before = versions.currentState();
        List<MetaFile> newMetas = new ArrayList<>(commit.newMetas());
        newMetas.sort(Comparator.comparingLong((MetaFile f) -> Integer.toUnsignedLong(f.seq())).reversed());
        List<LiveMeta> next;
        int[] metasToDelete;
        int committedSeq;
        boolean appendOnly;
        Path deletionFile = null;
        // .del files whose deletions this commit's directory sync makes durable: removable once it committed
        List<Path> completedBefore = new ArrayList<>();
        for (Path done; (done = completedDeletionFiles.poll()) != null; ) {
            completedBefore.add(done);
        }
        try {
            // Phase A: decide, newest first, which entries stay live and which meta files can go
            List<LiveMeta> all = new ArrayList<>();
            boolean obsoletesAnything = false;
            for (MetaFile meta : newMetas) {
                all.add(new LiveMeta(meta, slotsOf(directory, meta)));
                obsoletesAnything |= meta.obsoleteSsts().length > 0;
            }
            appendOnly = !obsoletesAnything && commit.sstsToDelete().length == 0
                    && commit.blobsToDelete().length == 0;
            if (appendOnly) {
                // A write batch's new SSTs are new numbers and it marks nothing obsolete: the existing meta files
                // keep exactly the entries they have, so the walk over them (linear in the store) is skipped.
                next = new ArrayList<>(all);
                next.addAll(before.metas());
                metasToDelete = new int[0];
            } else {
                all.addAll(before.metas());
                next = new ArrayList<>(all.size());
                metasToDelete = narrowAll(all, next);
            }
            if (commit.sstsToDelete().length + metasToDelete.length + commit.blobsToDelete().length > 0) {
                deletionFile = StoreFileNames.path(directory, StoreFileNames.Kind.DEL, sequence.incrementAndGet());
                DeletionFile.write(files, deletionFile, commit.sstsToDelete(), metasToDelete,
                        commit.blobsToDelete());
            }
            files.syncDirectory(directory); // every new name, the .del's too, is durable before CURRENT names them
            committedSeq = sequence.get();
            CurrentFile.write(files, directory, committedSeq); // the commit point
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
        empty = published.isEmpty();
        activeBatch = null;
        guard.release();
        // this commit's directory sync made the deletions listed by the earlier completed .del files durable
        int deleted = obsolete.deletedNow() + deleteObsolete(completedBefore);
        long duration = System.nanoTime() - start;
        appendLog(String.format(Locale.ROOT, "%s %s %08d %d keys in %.3f ms%n%s", Instant.now(), commit.kind(),
                Integer.toUnsignedLong(committedSeq), commit.keysWritten(), duration / 1e6, commit.details()));
        return new CommitStats(committedSeq, commit.keysWritten(), newSsts, newBlobs, deleted, bytesWritten,
                duration);
    }

    /**
     * Narrows every meta file of {@code all} (newest first) to its live entries, adds those that stay to
     * {@code next}, and returns the numbers of those that can be deleted.
     */
    private static int[] narrowAll(List<LiveMeta> all, List<LiveMeta> next) {
        SstFilter filter = new SstFilter();
        List<LiveMeta> narrowed = new ArrayList<>(all.size());
        for (LiveMeta meta : all) {
            narrowed.add(narrow(meta, filter));
        }
        int[][] entrySeqs = new int[narrowed.size()][];
        int[][] obsolete = new int[narrowed.size()][];
        boolean[] hasLiveEntries = new boolean[narrowed.size()];
        IntHashSet live = new IntHashSet();
        for (int i = 0; i < entrySeqs.length; i++) {
            LiveMeta meta = narrowed.get(i);
            entrySeqs[i] = entrySeqs(meta.file());
            obsolete[i] = meta.file().obsoleteSsts();
            hasLiveEntries[i] = meta.ssts().length > 0;
            for (SstSlot slot : meta.ssts()) {
                live.add(slot.seq());
            }
        }
        boolean[] removable = SstFilter.removable(entrySeqs, obsolete, hasLiveEntries, live);
        IntArrayList deletable = new IntArrayList();
        for (int i = 0; i < removable.length; i++) {
            if (removable[i]) {
                deletable.addInt(narrowed.get(i).seq());
            } else {
                next.add(narrowed.get(i));
            }
        }
        return deletable.toIntArray();
    }

    /**
     * The files one commit made obsolete, retired with the state it replaced: closing it deletes them, which the
     * version tracker does once no reader of that state or an older one is left. A store that closed first deletes
     * nothing more (its lock is gone); the next writable open finishes the job from the {@code .del} file.
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
                if (lockReleased) {
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

    /** The slots of a new meta file's entries (each SST is new, so each gets a new slot). */
    private static SstSlot[] slotsOf(Path directory, MetaFile meta) throws CorruptionException {
        // the meta file's checksum covers the filters; these checks make a query's bounds safe whatever the bytes
        UsedKeyFilter.check(meta.usedKeyFilter(), meta.path(), CorruptionException.NO_OFFSET);
        SstSlot[] slots = new SstSlot[meta.entryCount()];
        for (int i = 0; i < slots.length; i++) {
            MetaEntry entry = meta.entry(i);
            KeyFilter.check(entry.filter(), meta.path(), CorruptionException.NO_OFFSET);
            slots[i] = new SstSlot(directory, entry);
        }
        return slots;
    }

    /**
     * {@code meta} with only the entries the filter keeps (the same object when all stay). The filter sees every
     * entry the meta file lists on disk, not only those still live: an entry dropped by an earlier commit must keep
     * the obsolete mark that dropped it "needed", or the meta file holding the mark would be deleted and the next
     * open, which reads the full lists, would bring the deleted SST back.
     */
    private static LiveMeta narrow(LiveMeta meta, SstFilter filter) {
        SstSlot[] slots = meta.ssts();
        MetaFile file = meta.file();
        int[] seqs = entrySeqs(file);
        boolean[] live = filter.apply(seqs, file.obsoleteSsts());
        IntHashSet liveSeqs = new IntHashSet();
        for (int i = 0; i < seqs.length; i++) {
            if (live[i]) {
                liveSeqs.add(seqs[i]);
            }
        }
        List<SstSlot> kept = new ArrayList<>(slots.length);
        for (SstSlot slot : slots) {
            if (liveSeqs.contains(slot.seq())) {
                kept.add(slot);
            }
        }
        return kept.size() == slots.length ? meta : new LiveMeta(file, kept.toArray(SstSlot[]::new));
    }

    /** The SST numbers of every entry {@code file} lists, live or not. */
    private static int[] entrySeqs(MetaFile file) {
        int[] seqs = new int[file.entryCount()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = file.entry(i).sstSeq();
        }
        return seqs;
    }

    /** The paths of the given obsolete files, with the failed deletions of earlier commits to retry. */
    private List<Path> obsoletePaths(int[] ssts, int[] metas, int[] blobs) {
        List<Path> paths = new ArrayList<>();
        for (int seq : ssts) {
            paths.add(StoreFileNames.path(directory, StoreFileNames.Kind.SST, seq));
        }
        for (int seq : metas) {
            paths.add(StoreFileNames.path(directory, StoreFileNames.Kind.META, seq));
        }
        for (int seq : blobs) {
            paths.add(StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, seq));
        }
        return paths;
    }

    /**
     * Deletes {@code paths}, and retries the deletions that failed before; a failure is kept for a retry (Windows
     * keeps mapped files). Returns how many files were deleted.
     */
    private int deleteObsolete(List<Path> paths) {
        List<Path> all = new ArrayList<>(paths);
        for (Path retry; (retry = deferredDeletions.poll()) != null; ) {
            all.add(retry);
        }
        int deleted = 0;
        for (Path path : all) {
            try {
                if (config.fileLayer().delete(path)) {
                    deleted++;
                }
            } catch (IOException e) {
                deferredDeletions.add(path);
            }
        }
        return deleted;
    }

    /** Writes and syncs the meta file of one family's new SSTs; returns its size. */
    private long writeMeta(FileLayer files, int family, List<SpilledSst> ssts, int metaSeq) throws IOException {
        Path path = StoreFileNames.path(directory, StoreFileNames.Kind.META, metaSeq);
        try (Arena arena = Arena.ofConfined(); WritableFile out = files.create(path)) {
            List<MetaEntry> entries = new ArrayList<>();
            for (SpilledSst sst : ssts) {
                // The spill built each SST's key filter (SstWriter.finish); it only needs writing here.
                entries.add(new MetaEntry(sst.seq(), sst.summary().blockCount(), sst.summary().minHash(),
                        sst.summary().maxHash(), sst.summary().fileSize(), MetaEntry.FRESH,
                        sst.summary().entryCount(), sst.summary().keyFilter()));
            }
            long[] used = accessedKeys[family].drain();
            MetaFileWriter.write(out, family, new int[0], entries, UsedKeyFilter.build(used, used.length, arena));
            out.sync();
            return out.position();
        }
    }

    /**
     * Undoes a failed or abandoned write operation: restores {@code CURRENT} to
     * {@code seqBefore} if it no longer says so (the failure may have hit after its rename, e.g. at the directory
     * sync), then deletes every file numbered above it. If that fails too, the store refuses writes for good;
     * reads go on.
     *
     * <p>Unlike turbo-persistence, which always rewrites {@code CURRENT}, the number on disk is read first: the
     * rename makes its replacement atomic, so an unchanged {@code CURRENT} needs no write. That lets a rollback
     * succeed on a full disk, where the write that failed the operation would fail again, and deleting the
     * operation's files is exactly what frees the space.
     */
    void rollback(int seqBefore, Throwable cause, OpenBatch batch) throws IOException {
        try {
            if (currentOnDisk() != seqBefore) {
                CurrentFile.write(config.fileLayer(), directory, seqBefore);
            }
            DirectoryScan.deleteAbove(config.fileLayer(), directory, seqBefore);
            if (batch != null) {
                activeBatch = null;
            }
            guard.release();
        } catch (IOException | RuntimeException e) {
            if (batch != null) {
                activeBatch = null;
            }
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
            return CurrentFile.read(directory);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    private void appendLog(String record) {
        try {
            log.append(record);
        } catch (IOException e) { // the LOG is for humans; the commit stands
            LOG.log(System.Logger.Level.WARNING, "could not append to " + directory.resolve(StoreFileNames.LOG), e);
        }
    }

    // ------------------------------------------------------------------------------------------ compaction

    /**
     * Compacts the store: per family, merges SSTs whose hash ranges overlap, as far as
     * {@code config} allows, into new SSTs without superseded entries, split into warm SSTs (keys a lookup found
     * since they were last compacted) and cold ones; the two are never merged together. Runs as the store's one
     * write operation and commits like a write batch; readers go on meanwhile and see the old state until the
     * commit, then the new one. Every answer stays the same.
     *
     * @return whether anything changed
     * @throws IllegalStateException when a write batch or another compaction is active (the message says which),
     *                               the store is read-only or closed, or a rollback failed earlier
     * @throws IOException           when reading or writing fails; the store is then as before and writable again
     *                               (unless the rollback itself failed, see {@link #hasUnrecoverableWriteError()})
     */
    public boolean compact(CompactConfig config) throws IOException {
        return compact(config, true);
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

    private boolean compact(CompactConfig config, boolean separateCategories) throws IOException {
        Objects.requireNonNull(config, "config");
        checkOpen("compact");
        if (readOnly) {
            throw new IllegalStateException("Cannot perform write operations on a read-only database");
        }
        claimWriteSlot(COMPACTION);
        long start = System.nanoTime();
        VersionTracker.Version<StoreState> version = versions.acquire(); // keeps the input meta files mapped
        int seqBefore = version.state().committedSeq();
        AtomicInteger sequence = new AtomicInteger(seqBefore);
        try {
            List<io.turbokv.compaction.Compactor.FamilyInput> families = new ArrayList<>();
            for (int family = 0; family < config().families().size(); family++) {
                List<MetaEntry> ssts = new ArrayList<>();
                List<MemorySegment> usedKeys = new ArrayList<>();
                List<LiveMeta> metas = version.state().metas();
                IntHashSet listed = new IntHashSet();
                for (int m = metas.size() - 1; m >= 0; m--) { // oldest first: the reverse of the read order
                    LiveMeta meta = metas.get(m);
                    if (meta.family() == family) {
                        for (int i = meta.ssts().length - 1; i >= 0; i--) {
                            ssts.add(meta.ssts()[i].entry());
                        }
                        usedKeys.add(meta.file().usedKeyFilter());
                        for (int seq : entrySeqs(meta.file())) {
                            listed.add(seq);
                        }
                    }
                }
                IntArrayList carried = new IntArrayList();
                for (LiveMeta meta : metas) {
                    if (meta.family() == family && meta.ssts().length == 0) {
                        for (int seq : meta.file().obsoleteSsts()) {
                            if (listed.contains(seq)) { // else no meta file lists it any more: the mark is done
                                carried.addInt(seq);
                            }
                        }
                    }
                }
                families.add(new io.turbokv.compaction.Compactor.FamilyInput(family, multiValued[family], ssts,
                        usedKeys, carried.toIntArray()));
            }
            io.turbokv.compaction.Compactor.Result result = io.turbokv.compaction.Compactor.compact(directory,
                    this.config.fileLayer(), families, config.limits(), separateCategories, sequence, spillExecutor,
                    writeBuffers);
            if (result.isEmpty()) {
                guard.release();
                return false;
            }
            commit(new Commit(result.newMetas(), result.sstsToDelete(), result.blobsToDelete(), result.keysWritten(),
                    "Compaction", result.details()), sequence, start, result.newSsts(), 0, result.bytesWritten());
            return true;
        } catch (IOException | RuntimeException | Error e) {
            rollback(seqBefore, e, null);
            throw e;
        } finally {
            version.release();
        }
    }

    // ----------------------------------------------------------------------------------------------- reads

    /**
     * The value of {@code key} in single-valued {@code family}, copied to the heap; empty when the key was never
     * written or was deleted.
     *
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     */
    public Optional<byte[]> get(int family, byte[] key) throws IOException {
        checkKind(family, FamilyKind.SINGLE_VALUE, "get");
        MemorySegment keySegment = MemorySegment.ofArray(key);
        VersionTracker.Version<StoreState> version = acquire();
        try {
            return Optional.ofNullable(lookups.getCopy(version.state(), family, keySegment));
        } finally {
            version.release();
        }
    }

    /**
     * Hands the value of {@code key} in single-valued {@code family} to {@code consumer} without copying it: the
     * segment is a view of mapped or cached memory, valid only during the call.
     *
     * @return whether the key has a value
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     */
    public boolean get(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        checkKind(family, FamilyKind.SINGLE_VALUE, "get");
        VersionTracker.Version<StoreState> version = acquire();
        try {
            return lookups.get(version.state(), family, key, consumer);
        } finally {
            version.release();
        }
    }

    /**
     * Every value of {@code key} in multi-valued {@code family}, copied to the heap, in no particular order; empty
     * when there is none.
     *
     * @throws IllegalArgumentException when the family does not exist or is single-valued
     */
    public List<byte[]> getMultiple(int family, byte[] key) throws IOException {
        List<byte[]> values = new ArrayList<>();
        getMultiple(family, MemorySegment.ofArray(key), value -> values.add(value.toArray(
                java.lang.foreign.ValueLayout.JAVA_BYTE)));
        return values;
    }

    /**
     * Hands every value of {@code key} in multi-valued {@code family} to {@code consumer} without copying; each
     * segment is valid only during its call.
     *
     * @return how many values were handed over
     * @throws IllegalArgumentException when the family does not exist or is single-valued
     */
    public int getMultiple(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        checkKind(family, FamilyKind.MULTI_VALUE, "getMultiple");
        VersionTracker.Version<StoreState> version = acquire();
        try {
            return lookups.getMultiple(version.state(), family, key, consumer);
        } finally {
            version.release();
        }
    }

    /**
     * The values of many keys of single-valued {@code family} at once, against one consistent state of the store:
     * {@code result[i]} is the value of {@code keys[i]}, or {@code null} when it has none.
     *
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     */
    public byte[][] batchGet(int family, byte[][] keys) throws IOException {
        checkKind(family, FamilyKind.SINGLE_VALUE, "batchGet");
        VersionTracker.Version<StoreState> version = acquire();
        try {
            return lookups.batchGet(version.state(), family, keys);
        } finally {
            version.release();
        }
    }

    /**
     * Opens a zero-copy read scope on the current state of the store; see {@link ReadScope}. Close it promptly.
     *
     * @throws IllegalStateException when the store is closed
     */
    public ReadScope readScope() {
        return new ReadScope(this, acquire());
    }

    Lookups lookups() {
        return lookups;
    }

    /** The live meta files of the store, newest first, with their live SSTs. */
    public List<MetaFileInfo> metaInfo() {
        VersionTracker.Version<StoreState> version = acquire();
        try {
            List<MetaFileInfo> infos = new ArrayList<>();
            for (LiveMeta meta : version.state().metas()) {
                List<SstInfo> ssts = new ArrayList<>();
                for (SstSlot slot : meta.ssts()) {
                    MetaEntry e = slot.entry();
                    ssts.add(new SstInfo(e.sstSeq(), e.minHash(), e.maxHash(), e.filter().byteSize(), e.entryCount(),
                            e.sstSize(), e.blockCount(), e.cold(), e.fresh()));
                }
                List<Integer> obsolete = java.util.Arrays.stream(meta.file().obsoleteSsts()).boxed().toList();
                infos.add(new MetaFileInfo(meta.seq(), meta.family(), obsolete,
                        meta.file().usedKeyFilter().byteSize(), ssts));
            }
            return infos;
        } finally {
            version.release();
        }
    }

    /**
     * Empties the key- and value-block caches and drops the store's cached SST mappings: each SST is mapped again on
     * its next read. Blocks and mappings are released once the reads still running have finished.
     */
    public void clearCache() {
        checkOpen("clear the caches");
        lookups.caches().clear();
        if (readOnly) {
            return; // its SSTs stay mapped from open: another process may have deleted the files (see openReadOnly)
        }
        publishLock.lock();
        try {
            StoreState before = versions.currentState();
            List<LiveMeta> fresh = new ArrayList<>();
            for (LiveMeta meta : before.metas()) {
                SstSlot[] slots = new SstSlot[meta.ssts().length];
                for (int i = 0; i < slots.length; i++) {
                    slots[i] = new SstSlot(directory, meta.ssts()[i].entry());
                }
                fresh.add(new LiveMeta(meta.file(), slots));
            }
            StoreState next = new StoreState(fresh, before.committedSeq());
            versions.publish(next, before.unreachableIn(next));
        } finally {
            publishLock.unlock();
        }
    }

    /**
     * Maps every live SST and checks its size, block count and index now rather than on first read, so that the
     * first reads of a service are not slowed by it.
     *
     * @throws IOException when an SST is missing or damaged
     */
    public void prepareAllSstCaches() throws IOException {
        VersionTracker.Version<StoreState> version = acquire();
        try {
            for (LiveMeta meta : version.state().metas()) {
                for (SstSlot slot : meta.ssts()) {
                    slot.reader();
                }
            }
        } finally {
            version.release();
        }
    }

    /**
     * Hands every live value of {@code family} to {@code consumer}, against one consistent state of the store: in a
     * single-valued family each key once with its value, in a multi-valued one each key once per value. The order
     * is the store's hash order, which is no meaningful order to a caller: TurboKV has no key-ordered scans. The
     * scan reads every SST of the family.
     *
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public void forEach(int family, KeyValueConsumer consumer) throws IOException {
        FamilyConfig familyConfig = config.family(family);
        VersionTracker.Version<StoreState> version = acquire();
        try (FamilyScan scan = new FamilyScan(blobs, version.state(), family,
                familyConfig.kind() == FamilyKind.MULTI_VALUE)) {
            scan.run(consumer);
        } finally {
            version.release();
        }
    }

    /**
     * The store's read statistics since open: both block caches (hit rate, fill, items, size, hits, misses) and
     * lookups by outcome. Cheap: counters are striped and always on; reading them takes no lock readers wait for.
     */
    public Statistics statistics() {
        VersionTracker.Version<StoreState> version = acquire();
        try {
            int ssts = 0;
            for (LiveMeta meta : version.state().metas()) {
                ssts += meta.ssts().length;
            }
            LookupCounters counters = lookups.counters();
            long hits = counters.valueHits() + counters.blobHits() + counters.deletedHits();
            return new Statistics(version.state().metas().size(), ssts, lookups.caches().keyBlocks().statistics(),
                    lookups.caches().valueBlocks().statistics(), hits, counters.misses(), counters.familyMisses(),
                    counters.rangeMisses(), counters.filterMisses(), counters.keyMisses(), counters.deletedHits(),
                    counters.valueHits(), counters.blobHits());
        } finally {
            version.release();
        }
    }

    /** Whether the store holds no committed data. Takes no lock. */
    public boolean isEmpty() {
        return empty;
    }

    /** Whether a rollback failed, so that the store refuses all further writes (reads go on). */
    public boolean hasUnrecoverableWriteError() {
        return guard.isBroken();
    }

    /** The configuration the store was opened with. */
    public DbConfig config() {
        return config;
    }

    /** The store's directory ({@code null} for {@link #emptyInMemory}). */
    public Path directory() {
        return directory;
    }

    /** Whether this instance refuses writes. */
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
        IOException failure = null;
        OpenBatch batch = activeBatch;
        if (batch != null) {
            try {
                batch.endForStoreClose(); // rolls it back while this store still holds the lock
            } catch (IOException e) {
                failure = e;
            }
        }
        guard.closeAndAwaitIdle(); // a commit or compaction under way finishes first
        publishLock.lock();
        try {
            StoreState last = versions.currentState();
            List<AutoCloseable> unreachable = new ArrayList<>(last.unreachableIn(StoreState.EMPTY));
            unreachable.add(lookups.caches()); // unmapped once no lookup of an older state is left
            unreachable.add(blobs);
            versions.publish(StoreState.EMPTY, unreachable);
        } finally {
            publishLock.unlock();
        }
        empty = true;
        lookups.close();
        synchronized (deletionLock) {
            if (!readOnly && directory != null) {
                deleteObsolete(List.of());
            }
            lockReleased = true; // deletions still waiting for readers are left to the next open
        }
        if (spillExecutor != null) {
            spillExecutor.shutdown();
        }
        writeBuffers.close(); // a batch left open returns its buffers later; they are freed then
        if (lock != null) {
            lock.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private VersionTracker.Version<StoreState> acquire() {
        checkOpen("read");
        return versions.acquire();
    }

    /** @throws StoreClosedException when the store was closed */
    void checkOpen(String operation) {
        if (closed.get()) {
            throw new StoreClosedException(directory, operation);
        }
    }

    void checkKind(int family, FamilyKind expected, String operation) {
        FamilyConfig config = this.config.family(family);
        if (config.kind() != expected) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s on family %d '%s', which is %s (use %s)", operation, family, config.name(), config.kind(),
                    expected == FamilyKind.SINGLE_VALUE ? "getMultiple" : "get"));
        }
    }
}
