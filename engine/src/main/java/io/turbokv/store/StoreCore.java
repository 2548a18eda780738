package io.turbokv.store;

import io.turbokv.CheckpointStats;
import io.turbokv.CompactionPolicy;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.KeyValueConsumer;
import io.turbokv.MetaFileInfo;
import io.turbokv.Statistics;
import io.turbokv.StoreClosedException;
import io.turbokv.cache.BlockCaches;
import io.turbokv.cache.SharedCaches;
import io.turbokv.checkpoint.Checkpoint;
import io.turbokv.io.FileLayer;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreLock;
import io.turbokv.io.StoreLog;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.jfr.SlowGets;
import io.turbokv.read.AccessedKeys;
import io.turbokv.read.BlobFiles;
import io.turbokv.read.FamilyScan;
import io.turbokv.read.Lookups;
import io.turbokv.read.StoreReports;
import io.turbokv.recovery.StoreOpener;
import io.turbokv.sst.SstOptions;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import io.turbokv.write.SpillLimits;
import io.turbokv.write.StoreWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an open store holds from its open to its close: the lock, the published states, the read side (lookups,
 * caches, blob files), the write side of a writable store, and the closed flag every operation checks. Builds them
 * over what {@link StoreOpener} found, runs the operations that work on one leased state (scans, reports, cache
 * preparation, checkpoints), and closes the parts in order. Thread-safe.
 */
public final class StoreCore {
    private static final System.Logger LOG = System.getLogger("io.turbokv");

    private final Path directory;
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
     * What the store's close ends on the closing thread, whatever thread opened it: the read scopes with cursors
     * ({@code io.turbokv.ReadScope}), which give their leases back there unless they handed out views.
     */
    private final Set<Runnable> closeHooks = ConcurrentHashMap.newKeySet();
    /** The automatic compactions of a writable store whose policy has them, or null. */
    private final BackgroundCompaction compactions;
    /** The registered MXBean, or null. */
    private final StoreBean bean;

    /**
     * The sizes and limits of an open store's parts, as its configuration sets them.
     *
     * @param keyBlockCacheBytes   the capacity of the key-block cache of the store's own
     * @param valueBlockCacheBytes the capacity of the value-block cache of the store's own
     * @param sharedCaches         the caches the store shares with others instead, or null
     * @param logFileBytes         the size past which the {@code LOG} is rotated
     * @param jmx                  whether the store registers its {@link io.turbokv.StoreMXBean} while open
     * @param slowGetNanos         the duration from which a point read emits a slow-get JFR event
     * @param compaction           whether and when a writable store compacts by itself
     * @param writeThreads         the threads of a writable store's spill and merge pool
     * @param sstOptions           the block budgets, compression and key filter width of the SSTs it writes
     * @param spillLimits          where a write batch's family buffer is cut and spilled
     * @param writeBufferReserve   the native write buffers a writable store shares with others, or null
     */
    public record Settings(long keyBlockCacheBytes, long valueBlockCacheBytes, SharedCaches sharedCaches,
                           long logFileBytes, boolean jmx, long slowGetNanos, CompactionPolicy compaction,
                           int writeThreads, SstOptions sstOptions, SpillLimits spillLimits,
                           WriteBufferPool.Reserve writeBufferReserve) {}

    /**
     * The parts of a store over what {@link StoreOpener} opened.
     *
     * @param location the store's directory and file operations, or null for an in-memory store
     * @param families the store's families
     * @param settings the sizes and limits of the parts
     * @param readOnly whether the store refuses writes (it then has no write side)
     * @param opened   the store as its open found it
     * @throws IllegalStateException when the shared caches of {@code settings} are closed (what {@code opened} holds
     *                               is released)
     */
    public StoreCore(StoreDirectory location, List<FamilyConfig> families, Settings settings, boolean readOnly,
                     StoreOpener.Opened opened) {
        BlockCaches caches = caches(settings, opened);
        this.directory = location == null ? null : location.directory();
        this.readOnly = readOnly;
        this.lock = opened.lock();
        this.versions = new VersionTracker<>(opened.state(), e -> LOG.log(System.Logger.Level.WARNING,
                "closing a mapping of " + directory + " failed", e));
        AccessedKeys[] accessedKeys = new AccessedKeys[families.size()];
        this.multiValued = new boolean[families.size()];
        boolean[] keyOrdered = new boolean[families.size()];
        for (int i = 0; i < multiValued.length; i++) {
            accessedKeys[i] = new AccessedKeys();
            multiValued[i] = families.get(i).kind() == FamilyKind.MULTI_VALUE;
            keyOrdered[i] = families.get(i).keyOrdered();
        }
        this.writer = readOnly ? null : new StoreWriter(location, versions, multiValued, keyOrdered, accessedKeys,
                new StoreLog(location.directory(), settings.logFileBytes()), settings.writeThreads(),
                settings.sstOptions(), settings.spillLimits(), settings.writeBufferReserve());
        this.blobs = opened.blobs();
        this.lookups = new Lookups(versions, blobs, accessedKeys,
                caches,
                new SlowGets(directory == null ? null : directory.toString(), settings.slowGetNanos()));
        this.bean = settings.jmx() ? StoreBean.register(this, directory) : null; // it reads the parts; never throws
        // last: from here on a thread works on the store, which the caller can close only once this returns
        this.compactions = writer != null && settings.compaction().isAutomatic()
                ? new BackgroundCompaction(writer, versions, settings.compaction(), directory)
                : null;
    }

    /** The store's block caches: its own, or its views of shared ones; on failure, releases what was opened. */
    private static BlockCaches caches(Settings settings, StoreOpener.Opened opened) {
        if (settings.sharedCaches() == null) {
            return new BlockCaches(settings.keyBlockCacheBytes(), settings.valueBlockCacheBytes());
        }
        try {
            return settings.sharedCaches().join();
        } catch (IllegalStateException e) {
            for (AutoCloseable part : opened.state().unreachableIn(StoreState.EMPTY)) {
                closeQuietly(part, e);
            }
            closeQuietly(opened.blobs(), e);
            if (opened.lock() != null) {
                closeQuietly(opened.lock(), e);
            }
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable part, Exception failure) {
        try {
            part.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Fails when the store was closed.
     *
     * @param operation what the caller is about to do, for the message
     * @throws StoreClosedException when the store was closed
     */
    public void checkOpen(String operation) {
        if (closed.get()) {
            throw new StoreClosedException(directory, operation);
        }
    }

    /**
     * {@return the write side, for {@code operation}}
     *
     * @param operation what the caller is about to do, for the message
     * @throws StoreClosedException  when the store was closed
     * @throws IllegalStateException when the store is read-only, or an automatic compaction failed since the last
     *                               write operation (its failure is the cause; reported once)
     */
    public StoreWriter writer(String operation) {
        checkOpen(operation);
        if (readOnly) {
            throw new IllegalStateException("Cannot perform write operations on a read-only database");
        }
        Exception failure = compactions == null ? null : compactions.takeFailure();
        if (failure != null) {
            throw new IllegalStateException("a background compaction of " + directory
                    + " failed and was rolled back; " + operation + " was not started", failure);
        }
        return writer;
    }

    /** {@return automatic compactions run so far (0 without an automatic policy)} */
    public long backgroundCompactions() {
        return compactions == null ? 0 : compactions.runs();
    }

    /**
     * {@return the point reads, for {@code operation}}
     *
     * @param operation what the caller is about to do, for the message
     * @throws StoreClosedException when the store was closed
     */
    public Lookups lookups(String operation) {
        checkOpen(operation);
        return lookups;
    }

    /**
     * Has {@code hook} run by {@link #close()}, on the closing thread, unless {@link #forgetAtClose} comes first.
     * Call it before checking {@link #closedFlag()}: a hook registered once the close has run its hooks finds the
     * flag set.
     *
     * @param hook what to run at close; it must be quick and thread-safe
     */
    public void runAtClose(Runnable hook) {
        closeHooks.add(hook);
    }

    /**
     * Drops a hook given to {@link #runAtClose}.
     *
     * @param hook the hook
     */
    public void forgetAtClose(Runnable hook) {
        closeHooks.remove(hook);
    }

    /** {@return the flag set once the store is closed, which read scopes check} */
    public AtomicBoolean closedFlag() {
        return closed;
    }

    /**
     * {@return a lease on the current state, which the caller releases}
     *
     * @throws StoreClosedException when the store was closed
     */
    public VersionTracker.Version<StoreState> acquire() {
        checkOpen("read");
        return versions.acquire();
    }

    /**
     * A computation on a leased state, which may fail as an I/O operation does ({@code E}).
     *
     * @param <T> the result
     * @param <E> the failure
     */
    @FunctionalInterface
    public interface StateFunction<T, E extends Exception> {
        /**
         * {@return the result for {@code state}}
         *
         * @param state the leased state
         * @throws E when the computation fails
         */
        T apply(StoreState state) throws E;
    }

    /**
     * {@return {@code function} applied to the current state, leased for the call}
     *
     * @param function the computation
     * @param <T>      its result
     * @param <E>      its failure
     * @throws E                    when {@code function} fails
     * @throws StoreClosedException when the store was closed
     */
    public <T, E extends Exception> T onCurrentState(StateFunction<T, E> function) throws E {
        VersionTracker.Version<StoreState> version = acquire();
        try {
            return function.apply(version.state());
        } finally {
            version.release();
        }
    }

    /**
     * Hands every live value of {@code family} to {@code consumer}, against one leased state.
     *
     * @param family   the family's index, checked by the caller
     * @param consumer receives each key with each of its values
     * @throws IOException when a file cannot be read or is damaged, or the consumer throws
     */
    public void forEach(int family, KeyValueConsumer consumer) throws IOException {
        onCurrentState(state -> {
            try (FamilyScan scan = new FamilyScan(blobs, state, family, multiValued[family])) {
                scan.run(consumer);
            }
            return null;
        });
    }

    /** {@return the read statistics now} */
    public Statistics statistics() {
        long poolBytes = writer == null ? 0 : writer.pooledBufferBytes();
        long reserveBytes = writer == null ? 0 : writer.reserveBytes();
        return onCurrentState(state -> StoreReports.statistics(state, lookups, poolBytes, reserveBytes));
    }

    /** {@return the live meta files, newest first, with their live SSTs} */
    public List<MetaFileInfo> metaInfo() {
        return onCurrentState(StoreReports::metaInfo);
    }

    /** Empties both block caches and, for a writable store, drops its SST mappings. */
    public void clearCache() {
        checkOpen("clear the caches");
        lookups.caches().clear();
        if (writer != null) {
            writer.remapSsts();
        }
    }

    /**
     * Maps and checks every live SST now.
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
     * Writes a checkpoint of the current state into {@code destination}.
     *
     * @param layer       the layer the checkpoint's files are written through
     * @param destination a directory that does not exist yet or is empty
     * @return what was linked and copied
     * @throws IllegalStateException for an in-memory store
     * @throws IOException           as {@link Checkpoint#write}
     */
    public CheckpointStats checkpoint(FileLayer layer, Path destination) throws IOException {
        checkOpen("checkpoint");
        if (directory == null) {
            throw new IllegalStateException("an in-memory store has no files to checkpoint");
        }
        StoreDirectory source = new StoreDirectory(directory, layer);
        return onCurrentState(state -> Checkpoint.write(source, state, destination, !readOnly));
    }

    /** {@return the store's directory, {@code null} for an in-memory store} */
    public Path directory() {
        return directory;
    }

    /** {@return whether the store refuses writes} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return the sequence number of the last commit, unsigned} Takes no lock. */
    public long committedSequence() {
        return Integer.toUnsignedLong(versions.currentState().committedSeq());
    }

    /** {@return whether the store holds no committed data} Takes no lock. */
    public boolean isEmpty() {
        return versions.currentState().isEmpty();
    }

    /** {@return whether a rollback failed, so that the store refuses all further writes} */
    public boolean hasUnrecoverableWriteError() {
        return writer != null && writer.isBroken();
    }

    /**
     * Closes the store, as {@code TurboKV.close} describes: the write side first (rolling back an open batch,
     * waiting for a commit under way), then the read side once its last reader is done, then the lock. Idempotent.
     *
     * @throws IOException when rolling back the open write batch failed; the store is closed nonetheless
     */
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (bean != null) {
            bean.unregister();
        }
        if (compactions != null) {
            compactions.stop(); // lets a compaction under way finish: the write side's close would wait for it too
        }
        List<AutoCloseable> retired = List.of(lookups.caches(), blobs); // after the last lookup of an older state
        IOException failure = null;
        if (writer != null) {
            failure = writer.close(retired);
        } else {
            List<AutoCloseable> all = new ArrayList<>(versions.currentState().unreachableIn(StoreState.EMPTY));
            all.addAll(retired);
            versions.publish(StoreState.EMPTY, all);
        }
        // after the publication: a scope's lease given back here may be the last one of the files it reaches
        closeHooks.forEach(Runnable::run);
        lookups.close();
        if (lock != null) {
            lock.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
