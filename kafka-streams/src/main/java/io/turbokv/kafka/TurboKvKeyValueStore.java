package io.turbokv.kafka;

import io.turbokv.CompactionPolicy;
import io.turbokv.Cursor;
import io.turbokv.DbConfig;
import io.turbokv.Durability;
import io.turbokv.MetaFileInfo;
import io.turbokv.ReadScope;
import io.turbokv.SstInfo;
import io.turbokv.StoreClosedException;
import io.turbokv.StoreLockedException;
import io.turbokv.TurboKV;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.PositionSerde;

/**
 * A Kafka Streams {@link KeyValueStore} in one TurboKV directory; obtained through
 * {@link TurboKvStores#persistentKeyValueStore(String)}. Its subclass {@link TurboKvTimestampedKeyValueStore} holds
 * values with their timestamps, for the DSL.
 *
 * <p><b>Writes.</b> {@link #put}, {@link #putIfAbsent}, {@link #putAll} and {@link #delete} go to an in-memory
 * write buffer, newest value per key, a delete kept as a tombstone; every read consults it first, so a write is
 * visible to the task's next read at once. {@link #approximateNumUncommittedBytes()} reports the buffer's size so
 * that Streams can commit early when it grows. {@link #close()} drops the buffer: Streams commits before a clean
 * close, and after an unclean one it restores from the changelog.
 *
 * <p><b>Commits.</b> A store without a changelog writes the buffer as one TurboKV write batch at every Streams
 * commit ({@link #commit(Map)}) and returns once it is committed. A store with a changelog defers, as Kafka's RocksDB
 * store does with its write-ahead log off: a Streams commit moves the buffer's entries, the position and the
 * changelog offsets into an in-memory layer of committed writes below the buffer and returns without touching the
 * disk. Reads, ordered reads and interactive queries see the layer; {@link #approximateNumUncommittedBytes()} no
 * longer counts it. The layer is written, data, position and offsets in one write batch, once it holds
 * {@link TurboKvStores#COMMIT_BUFFER_BYTES_CONFIG} bytes (16 MiB by default, RocksDB's write buffer) or is older than
 * {@link TurboKvStores#COMMIT_BUFFER_MAX_AGE_MS_CONFIG} (checked at commits and restore batches), at {@link #flush()}
 * and at {@link #close()}. After a crash the layer is lost with its offsets: the reopened store reports the offsets
 * of the data on disk, never past it, and Streams restores the rest from the changelog.
 *
 * <p><b>Compaction</b> runs in the background, on the engine's shared compaction threads
 * ({@link TurboKvStores#COMPACTION_POLICY}), never on the stream thread. It holds the store's single write slot while
 * it merges: a write of the committed writes in memory that finds it so stays in memory until a later commit (up to
 * twice the layer's bound), so that a Streams commit of a store with a changelog waits for a compaction only when
 * its writes in memory have grown past twice the bound meanwhile; a store without a changelog, {@link #flush()} and
 * {@link #close()} wait for it, each up to {@link #slotWait(Map)}.
 *
 * <p><b>Position and changelog offsets.</b> The store tracks its {@link Position} (the input offsets whose writes it
 * holds) as Kafka's stores do, and manages its changelog offsets itself ({@link #managesOffsets()}), as Kafka's
 * RocksDB store does: every write batch carries, in family {@link #POSITION_FAMILY}, the position under
 * {@link #POSITION_KEY} (in Kafka's changelog position-header encoding) and the changelog offsets of the commit
 * under {@link #OFFSETS_KEY} ({@link ChangelogOffsets}). Data, position and offsets are committed together, so a store
 * reopened on its local state, after a crash too, reports the offsets and position of exactly the data it holds, and
 * Kafka Streams restores only the changelog records after them.
 *
 * <p><b>Exactly-once.</b> With {@code enable.transactional.statestores}, Kafka Streams commits the store after each
 * changelog transaction, and the write buffer holds exactly the writes of the transaction under way: a crash loses
 * them with the transaction, and the restarted store resumes from its offsets. Without it, Streams commits the store
 * only when it closes the task; a buffer that grows past {@link #SPILL_BYTES} is then written without waiting (as
 * Kafka's RocksDB store writes straight into RocksDB), and under exactly-once that write forgets the committed offsets,
 * so that after a crash Streams finds none and rebuilds the store from the changelog rather than trust writes of a
 * transaction that may have aborted.
 *
 * <p><b>Restoration.</b> The store registers a {@link RecordBatchingStateRestoreCallback}: each batch of changelog
 * records is written as one TurboKV write batch (a null value deletes; a store with a changelog adds them to its
 * committed writes in memory, written as its commits are), with the position those records carry in
 * their headers when the application enables IQ consistency vectors (otherwise the records carry none and the
 * position is left as it was, as in Kafka's stores). A restore batch keeps the committed offsets: replaying records
 * after them again is harmless, as each record sets its key's value.
 *
 * <p><b>Ordered reads stream.</b> The data family is key-ordered ({@code FamilyConfig.ordered}: unsigned bytes of
 * the serialized key, Kafka's order), so {@link #range}, {@link #reverseRange}, {@link #all}, {@link #reverseAll} and
 * {@link #prefixScan} open an engine {@link Cursor} on a read scope of their own and merge it with a copy of the
 * write buffer's entries in their range ({@link CursorIterator}): {@code O(log n + m)} block reads for m entries,
 * nothing read before the first step, one entry at a time on the heap. The iterator is a snapshot, as a RocksDB
 * iterator is: commits and writes after the call do not show in it. It takes no lock of the store's, so the stream
 * thread writes and commits while an interactive query iterates. It belongs to the thread that opened it (as the
 * engine's cursors do); {@link #close()} ends every iterator still open: the next step throws
 * {@link InvalidStateStoreException}, as with Kafka's stores. Close iterators promptly: an open one keeps the files
 * of its snapshot mapped.
 *
 * <p><b>Interactive queries.</b> v1 (through {@code KafkaStreams#store}) reads through the store's methods; v2
 * ({@link #query}) answers key and range queries, and through Kafka Streams' typed layers their timestamped forms,
 * with position bounds and isolation levels, as Kafka's own stores do: with {@code enable.transactional.statestores} a
 * {@code READ_COMMITTED} query reads only what the store committed, the write buffer left out.
 *
 * <p>Thread-safe: every method locks the store briefly; an ordered read iterates without the lock.
 */
public sealed class TurboKvKeyValueStore extends StreamsStore implements KeyValueStore<Bytes, byte[]>
        permits TurboKvTimestampedKeyValueStore {
    /** The family that holds the data. */
    static final int FAMILY = 0;
    /** The family that holds the store's own records: its position, under {@link #POSITION_KEY}. */
    static final int POSITION_FAMILY = 1;
    /** The key of the position in {@link #POSITION_FAMILY}. */
    static final byte[] POSITION_KEY = "position".getBytes(StandardCharsets.UTF_8);
    /** The key of the committed changelog offsets in {@link #POSITION_FAMILY} ({@link ChangelogOffsets}). */
    static final byte[] OFFSETS_KEY = "changelog-offsets".getBytes(StandardCharsets.UTF_8);
    /**
     * When Kafka Streams does not commit the store after every transaction (no {@code enable.transactional.statestores}),
     * the write buffer is written once it holds this many bytes, so that it does not grow until the task closes.
     */
    static final long SPILL_BYTES = 16L << 20;

    /** The consumer's default {@code max.poll.interval.ms}, which Kafka Streams keeps: five minutes. */
    static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
    private static final System.Logger LOGGER = System.getLogger(TurboKvKeyValueStore.class.getName());
    private final ConfigChoice configChoice;
    /**
     * How long a write that cannot stay in memory (a store without a changelog, {@link #flush()}, {@link #close()})
     * waits for the store's background compaction to free the write slot before it fails ({@link #slotWait(Map)}).
     */
    private Duration slotWait = slotWait(Map.of());
    /** The writes since the last Streams commit. */
    private final WriteBuffer buffer = new WriteBuffer();
    /**
     * The writes Streams committed that are not on disk yet, below {@link #buffer}; only a store that defers its
     * commits keeps any between calls (see the class comment).
     */
    private final WriteBuffer unwritten = new WriteBuffer();
    /** The position that {@link #unwritten} is written with; null when nothing committed awaits writing. */
    private Position unwrittenPosition;
    /** Whether Streams commits go to {@link #unwritten} rather than to disk: a store with a changelog. */
    private boolean defersCommits;
    /** When {@link #unwritten} is written, for a store that defers its commits. */
    private CommitBuffer commitBuffer;
    /** A segment of a window or session store: its owner writes the metadata and decides when to commit. */
    private final boolean segment;
    /**
     * The position of what Streams committed (written or awaiting its write in {@link #unwritten}): that of a
     * read-committed query ({@link #readsCommittedOnly}).
     */
    private Position committedPosition = Position.emptyPosition();
    /**
     * The changelog offsets of the store's data, committed or awaiting its write in {@link #unwritten}, as
     * {@link #committedOffset} reports them.
     */
    private Map<TopicPartition, Long> committedOffsets = Map.of();
    /** Volatile for the metrics' reporter threads, which read the statistics without the store's lock. */
    private volatile TurboKV db;
    /** The TurboKV commits of the store's writes (its owner's, for a segment). */
    private final StoreMetrics.Commits commits;
    /** The store's Streams metrics; none registered for a segment (its owner registers the sums). */
    private StoreMetrics metrics;
    /** The ordered reads not closed yet, which {@link #close()} ends; they remove themselves without the lock. */
    private final Set<CursorIterator> openIterators = ConcurrentHashMap.newKeySet();

    TurboKvKeyValueStore(String name, ConfigChoice configChoice) {
        this(name, configChoice, false, new StoreMetrics.Commits(), new CompactionPolicy.Hold());
    }

    /**
     * A store, or with {@code segment} a segment of a {@link SegmentedStore} (which writes its metadata and
     * registers its metrics), counting its commits in {@code commits}, its compactions held by
     * {@code compactionHold} (its own, or its owner's).
     */
    TurboKvKeyValueStore(String name, ConfigChoice configChoice, boolean segment, StoreMetrics.Commits commits,
                         CompactionPolicy.Hold compactionHold) {
        super(name, compactionHold);
        this.configChoice = Objects.requireNonNull(configChoice, "configChoice");
        this.segment = segment;
        this.commits = Objects.requireNonNull(commits, "commits");
    }

    /**
     * Opens (or creates) the TurboKV store in {@code <task state dir>/<store name>}, reads its committed position and
     * changelog offsets and registers the batching restore callback.
     *
     * @throws ProcessorStateException when the directory cannot be opened, for example because another writer holds it
     */
    @Override
    public synchronized void init(StateStoreContext context, StateStore root) {
        Path directory = context.stateDir().toPath().resolve(name);
        boolean hasChangelog = hasChangelog(context);
        DbConfig config = configChoice.configFor(name, hasChangelog, context.appConfigs());
        if (config.compactionPolicy().isAutomatic()) { // held while the store (or its owner) restores
            config = config.withCompactionPolicy(config.compactionPolicy().withHold(compactionHold));
        }
        try {
            db = openOrRebuild(directory, config, hasChangelog);
        } catch (IOException e) {
            throw new ProcessorStateException("store " + name + ": cannot open TurboKV in " + directory, e);
        }
        if (!segment) {
            try {
                position = decodePosition(db.get(POSITION_FAMILY, POSITION_KEY).orElse(null), name);
                committedOffsets = ChangelogOffsets.decode(db.get(POSITION_FAMILY, OFFSETS_KEY).orElse(null), name);
                committedPosition = position.copy();
            } catch (IOException | RuntimeException e) {
                // released before the failure propagates, so that a retry or a wipe of the directory can proceed
                TurboKV opened = db;
                db = null;
                closeAfterFailure(opened, e);
                throw e instanceof ProcessorStateException stateFailure ? stateFailure
                        : new ProcessorStateException("store " + name + ": cannot read its metadata in " + directory,
                                e);
            }
        }
        readSettings(context, !segment);
        slotWait = slotWait(context.appConfigs());
        Map<String, Object> appConfigs = context.appConfigs();
        defersCommits = !segment && hasChangelog;
        commitBuffer = CommitBuffer.of(appConfigs);
        open = true;
        if (!segment) {
            metrics = StoreMetrics.register(context, name, this::metricsSnapshot);
        }
        context.register(root, restoreCallback());
    }

    /**
     * {@return the position {@code encoded} holds ({@code PositionSerde}), empty when it is null}
     *
     * @throws ProcessorStateException when the bytes are not an encoded position (named after {@code store})
     */
    static Position decodePosition(byte[] encoded, String store) {
        if (encoded == null) {
            return Position.emptyPosition();
        }
        try {
            return PositionSerde.deserialize(ByteBuffer.wrap(encoded));
        } catch (RuntimeException e) {
            throw new ProcessorStateException("store " + store + ": position of " + encoded.length
                    + " bytes does not decode (expected: Kafka's position encoding)", e);
        }
    }

    /** Closes {@code db} after {@code failure}, to which a failure of the close is added. */
    private static void closeAfterFailure(TurboKV db, Exception failure) {
        try {
            db.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Opens the store in {@code directory}; when it cannot be opened because its files are damaged or incomplete, and
     * it commits without fsync and has a changelog, deletes it and opens an empty store instead. Such a store is
     * expected to be damaged by a power cut or an OS crash (its commits never waited for the disk); empty, it reports
     * no changelog offsets, so Kafka Streams restores it from the changelog, as it rebuilds a RocksDB store that lost
     * its unsynced writes. A store with a changelog in an older format than this build reads (an earlier build's,
     * before a format change) is rebuilt from the changelog in the same way. A store that another writer holds, or
     * that a newer build wrote, is never deleted.
     */
    private TurboKV openOrRebuild(Path directory, DbConfig config, boolean hasChangelog) throws IOException {
        try {
            return TurboKV.open(directory, config);
        } catch (StoreLockedException keep) {
            throw keep;
        } catch (UnsupportedFormatVersionException foreign) {
            boolean older = foreign.supportedVersions().stream().allMatch(v -> foreign.foundVersion() < v);
            if (!older || !hasChangelog) {
                throw foreign; // a newer build's store, or no other copy of the data
            }
            LOGGER.log(System.Logger.Level.WARNING, "store " + name + ": " + directory + " is in an older format ("
                    + foreign.getMessage() + "); it has a changelog: deleted, to be restored from the changelog");
            Directories.deleteRecursively(directory);
            return TurboKV.open(directory, config);
        } catch (IOException damaged) {
            if (config.durability() != Durability.NO_SYNC || !hasChangelog) {
                throw damaged; // no other copy of the data: an operator must look at it
            }
            LOGGER.log(System.Logger.Level.WARNING, "store " + name + ": cannot open " + directory + " (" + damaged
                    + "); it commits without fsync and has a changelog: deleted, to be restored from the changelog");
            Directories.deleteRecursively(directory);
            return TurboKV.open(directory, config);
        }
    }

    @Override
    public synchronized void put(Bytes key, byte[] value) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        buffer.put(key, value);
        recordWrite();
        if (spillDue(buffer.approximateBytes())) {
            spill();
        }
    }

    /**
     * Writes the buffer (and the committed writes below it) before Streams commits the store (see the class comment);
     * under exactly-once the batch forgets the committed offsets, as the data it writes may belong to a transaction
     * that will abort.
     */
    private void spill() {
        if (exactlyOnce) {
            committedOffsets = Map.of();
        }
        writeBuffer(storeMetadata());
    }

    @Override
    public synchronized byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public synchronized void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> entry : entries) {
            put(entry.key, entry.value);
        }
    }

    @Override
    public synchronized byte[] delete(Bytes key) {
        byte[] current = get(key);
        put(key, null);
        return current;
    }

    @Override
    public synchronized byte[] get(Bytes key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        byte[] buffered = buffer.get(key);
        if (buffered == null) {
            buffered = unwritten.get(key);
        }
        if (buffered != null) {
            return buffered == WriteBuffer.TOMBSTONE ? null : buffered;
        }
        try {
            return db.get(FAMILY, key.get()).orElse(null);
        } catch (IOException e) {
            throw failure("get", e);
        }
    }

    /** A read-committed query is answered at the position committed with the data, as Kafka's store answers it. */
    @Override
    Position queryPosition(QueryConfig config) {
        return readsCommittedOnly(config) ? committedPosition : position;
    }

    /**
     * {@return the committed value of {@code key}, the write buffer left out: the committed writes in memory over
     * the disk's} A read-committed interactive query of a transactional store reads so ({@link #readsCommittedOnly}).
     */
    synchronized byte[] committedGet(Bytes key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        byte[] unwrittenValue = unwritten.get(key);
        if (unwrittenValue != null) {
            return unwrittenValue == WriteBuffer.TOMBSTONE ? null : unwrittenValue;
        }
        try {
            return db.get(FAMILY, key.get()).orElse(null);
        } catch (IOException e) {
            throw failure("get", e);
        }
    }

    /**
     * {@return the committed entries from {@code from} to {@code to}, the write buffer left out (the committed writes
     * in memory over the disk's), as {@link #range} (reversed as {@link #reverseRange} when {@code reverse}) returns
     * them} A read-committed interactive query of a transactional store reads so ({@link #readsCommittedOnly}).
     */
    synchronized KeyValueIterator<Bytes, byte[]> committedRange(Bytes from, Bytes to, boolean reverse) {
        checkOpen();
        if (KeyBounds.inverted(from, to)) {
            return new ListIterator<>(List.of());
        }
        byte[] lower = from == null ? null : from.get();
        byte[] upper = to == null ? null : to.get();
        return openIterator(unwritten.entries(from, true, to, true, reverse), reverse,
                scope -> reverse ? scope.rangeReverse(FAMILY, lower, true, upper, true)
                        : scope.range(FAMILY, lower, true, upper, true));
    }

    /**
     * Keys from {@code from} to {@code to}, both inclusive, in ascending {@link Bytes} order (unsigned bytes); a null
     * bound is open, {@code from > to} gives nothing. Streams through an engine cursor (see the class comment).
     */
    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return ordered(from, to, false);
    }

    /** As {@link #range}, in descending order. */
    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        return ordered(from, to, true);
    }

    /** Every entry in ascending {@link Bytes} order, streamed (see the class comment). */
    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> all() {
        return ordered(null, null, false);
    }

    /** Every entry in descending {@link Bytes} order, streamed (see the class comment). */
    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> reverseAll() {
        return ordered(null, null, true);
    }

    /**
     * The keys from the serialized {@code prefix} up to, excluding, the prefix incremented as an unsigned number of
     * its length (as Kafka's {@code Bytes.increment}; no upper bound when that overflows), in ascending {@link Bytes} order,
     * streamed through an engine cursor (see the class comment). That is what Kafka's RocksDB store and its record
     * cache return: the keys that start with the prefix and, when the prefix ends in {@code 0xFF} bytes, the shorter
     * keys that sort below its increment (for prefix {@code 7f 00 7f ff}, the key {@code 7f 00 80} too).
     */
    @Override
    public synchronized <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix,
                                                                                                 PS prefixKeySerializer) {
        Bytes from = Bytes.wrap(Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer")
                .serialize(null, prefix));
        checkOpen();
        Bytes to = incrementWithoutOverflow(from);
        byte[] upper = to == null ? null : to.get();
        return openIterator(inMemory(from, to, false, false), false,
                scope -> scope.range(FAMILY, from.get(), true, upper, false));
    }

    /**
     * An estimate that is never below the true count: the entry counts of the committed SSTs (as their meta files
     * record them) plus the puts in memory (buffered, or committed and not yet written). Overwritten values and tombstones in older SSTs are counted until a
     * compaction drops them, a buffered put of a committed key is counted twice, and a buffered delete takes
     * nothing off. Costs no I/O.
     */
    @Override
    public synchronized long approximateNumEntries() {
        checkOpen();
        long entries = buffer.puts() + unwritten.puts();
        for (MetaFileInfo meta : db.metaInfo()) {
            if (meta.family() == FAMILY) {
                for (SstInfo sst : meta.ssts()) {
                    entries += sst.entryCount();
                }
            }
        }
        return entries;
    }

    /**
     * The estimated heap held by the write buffer, so that Streams can commit before it grows too large; not the
     * committed writes awaiting their write, which the store bounds itself ({@link #commit(Map)}).
     */
    @Override
    public synchronized long approximateNumUncommittedBytes() {
        return open ? buffer.approximateBytes() : 0;
    }

    /**
     * Commits the write buffer with the store's position and {@code changelogOffsets}; Kafka Streams calls this after
     * it committed the changelog up to those offsets. A store without a changelog writes them as one TurboKV write
     * batch and returns when it is committed (and on disk when the configuration fsyncs commits: see
     * {@link TurboKvStores}); a store with a changelog moves them into its committed writes in memory, and writes
     * those only when they pass their size or age bound (see the class comment). The offsets are applied as Kafka's
     * stores apply them: an empty map forgets every offset, a null offset forgets its partition. Does nothing when
     * neither the buffer nor the offsets change.
     *
     * @throws ProcessorStateException when the write or the commit fails; the writes are kept, so a retry writes them
     */
    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        checkOpen();
        Map<TopicPartition, Long> offsets = ChangelogOffsets.apply(committedOffsets, changelogOffsets);
        // a store that writes every commit keeps a failed write's entries in unwritten: its retry must write them
        if (buffer.isEmpty() && offsets.equals(committedOffsets) && (defersCommits || unwritten.isEmpty())) {
            return;
        }
        if (defersCommits) {
            unwritten.absorb(buffer);
            committedOffsets = offsets;
            committedPosition = position.copy();
            keepUnwritten();
            return;
        }
        Map<TopicPartition, Long> before = committedOffsets;
        committedOffsets = offsets;
        try {
            writeBuffer(storeMetadata());
        } catch (RuntimeException e) {
            committedOffsets = before;
            throw e;
        }
        committedPosition = position.copy();
    }

    /**
     * Records that {@link #unwritten} holds the writes up to now, at the store's position, and writes them when
     * they pass their size or age bound.
     */
    private void keepUnwritten() {
        unwrittenPosition = position.copy();
        long bytes = unwritten.approximateBytes();
        commitBuffer.kept(bytes);
        if (commitBuffer.due(bytes)) {
            writeBatch(storeMetadata(unwrittenPosition, committedOffsets), commitBuffer.mayDefer(bytes));
        }
    }

    /** Writes the committed writes in memory, with their position and offsets, when there are any. */
    private void writeUnwritten() {
        if (unwrittenPosition != null) {
            writeBatch(storeMetadata(unwrittenPosition, committedOffsets), false);
        }
    }

    /** Writes what Streams committed and the store holds in memory, as {@link #flush()} asks. */
    @Override
    void writeCommittedWrites() {
        writeUnwritten();
    }

    @Override
    Map<TopicPartition, Long> committedOffsets() {
        return committedOffsets;
    }

    /**
     * {@return the entries in memory from {@code from} (inclusive) to {@code to} (inclusive when said), the write
     * buffer's over the committed writes', ascending or, with {@code reverse}, descending; tombstones included}
     */
    private List<KeyValue<Bytes, byte[]>> inMemory(Bytes from, Bytes to, boolean toInclusive, boolean reverse) {
        return WriteBuffer.overlay(buffer.entries(from, true, to, toInclusive, reverse),
                unwritten.entries(from, true, to, toInclusive, reverse), reverse);
    }

    /** The metadata a store's batch carries: its position and its committed offsets. */
    private Map<byte[], byte[]> storeMetadata() {
        return storeMetadata(position, committedOffsets);
    }

    /**
     * {@return the metadata of a batch that commits {@code position} and {@code offsets}, under {@link #POSITION_KEY}
     * and {@link #OFFSETS_KEY}}
     */
    static Map<byte[], byte[]> storeMetadata(Position position, Map<TopicPartition, Long> offsets) {
        ByteBuffer encoded = PositionSerde.serialize(position);
        byte[] positionBytes = new byte[encoded.remaining()];
        encoded.get(positionBytes);
        return Map.of(POSITION_KEY, positionBytes, OFFSETS_KEY, ChangelogOffsets.encode(offsets));
    }

    /**
     * Writes the write buffer, the committed writes still in memory below it and {@code metadata} (keys and values in
     * {@link #POSITION_FAMILY}) as one TurboKV write batch and commits it; a segment's owner calls this with its
     * commit record. Also when the buffer is empty.
     *
     * @throws ProcessorStateException when the write or the commit fails; the writes are kept, so a retry writes them
     */
    void writeBuffer(Map<byte[], byte[]> metadata) {
        checkOpen();
        unwritten.absorb(buffer);
        writeBatch(metadata, false);
    }

    /**
     * Writes {@link #unwritten} and {@code metadata} as one TurboKV write batch, commits it and empties
     * {@link #unwritten}. The store compacts on the engine's compaction threads ({@link TurboKvStores#COMPACTION_POLICY}),
     * which holds the store's single write slot while it runs: with {@code mayDefer}, a write that finds the slot so
     * held writes nothing and returns false, its writes kept in memory for a later try (the caller passes it below
     * twice the bound only, {@link CommitBuffer#mayDefer}); without it, the write waits up to {@link #slotWait(Map)}.
     *
     * @return whether the batch was written
     * @throws ProcessorStateException when the write or the commit fails; the writes are kept, so a retry writes them
     */
    private boolean writeBatch(Map<byte[], byte[]> metadata, boolean mayDefer) {
        checkOpen();
        WriteBatch claimed = claimWriteSlot(mayDefer);
        if (claimed == null) {
            return false;
        }
        writeIn(claimed, metadata);
        return true;
    }

    /**
     * Writes {@link #unwritten} and {@code metadata} in {@code claimed}, a batch that holds the write slot, commits
     * it and empties {@link #unwritten}; the batch is closed (rolled back when it did not commit).
     *
     * @throws ProcessorStateException when the write or the commit fails; the writes are kept, so a retry writes them
     */
    private void writeIn(WriteBatch claimed, Map<byte[], byte[]> metadata) {
        try (WriteBatch batch = claimed) {
            IOException[] failure = new IOException[1];
            unwritten.forEach((key, value) -> {
                if (failure[0] != null) {
                    return;
                }
                try {
                    if (value == WriteBuffer.TOMBSTONE) {
                        batch.delete(FAMILY, key.get());
                    } else {
                        batch.put(FAMILY, key.get(), value);
                    }
                } catch (IOException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            for (Map.Entry<byte[], byte[]> entry : metadata.entrySet()) {
                batch.put(POSITION_FAMILY, entry.getKey(), entry.getValue());
            }
            commits.add(batch.commit());
        } catch (IOException e) {
            throw failure("write of " + unwritten.size() + " entries", e);
        }
        unwritten.clear();
        unwrittenPosition = null;
        commitBuffer.written();
    }

    /**
     * Moves the write buffer's entries into the committed writes in memory, for an owner (a window or session store's
     * segment, a versioned store's entries) that defers its commits and writes them later with its own metadata
     * ({@link #claimWrite}, {@link #writeClaimed}).
     */
    void keepCommitted() {
        checkOpen();
        unwritten.absorb(buffer);
    }

    /**
     * Appends a restored write straight to the committed writes in memory, unordered, as the store's own restore does
     * ({@link #restoreRecord}), for an owner that defers its commits (a window or session store's segment): the
     * owner has moved the write buffer below it first ({@link #keepCommitted}), so nothing newer hides the write.
     */
    void appendCommitted(Bytes key, byte[] value) {
        checkOpen();
        unwritten.append(key, value);
    }

    /** Drops the write buffer, for an owner that closes without writing what Streams did not commit. */
    void dropBuffered() {
        buffer.clear();
    }

    /** {@return the estimated heap held by the committed writes in memory ({@link #keepCommitted})} */
    long unwrittenBytes() {
        return unwritten.approximateBytes();
    }

    /** {@return whether the store holds writes not on disk, buffered or committed} */
    boolean holdsWrites() {
        return !buffer.isEmpty() || !unwritten.isEmpty();
    }

    /**
     * {@return a batch that holds the store's write slot, for {@link #writeClaimed}; null when {@code mayDefer} and
     * the store's compaction holds the slot} An owner that writes several stores as one commit claims them all before
     * it writes any. Close a batch not passed to {@link #writeClaimed}.
     *
     * @throws ProcessorStateException as {@link #claimWriteSlot}
     */
    WriteBatch claimWrite(boolean mayDefer) {
        checkOpen();
        return claimWriteSlot(mayDefer);
    }

    /**
     * Writes the write buffer, the committed writes in memory below it and {@code metadata} (keys and values in
     * {@link #POSITION_FAMILY}) in {@code claimed} ({@link #claimWrite}) and commits it.
     *
     * @throws ProcessorStateException when the write or the commit fails; the writes are kept, so a retry writes them
     */
    void writeClaimed(WriteBatch claimed, Map<byte[], byte[]> metadata) {
        unwritten.absorb(buffer);
        writeIn(claimed, metadata);
    }

    /**
     * {@return a write batch holding the store's write slot, or null when {@code mayDefer} and another write operation
     * holds the slot} The store writes only under its lock, so that other holder is one of the engine's compaction threads,
     * which the engine reports by {@link TurboKV#tryWriteBatch()}'s empty answer (with a wait,
     * {@link io.turbokv.WriteSlotBusyException}); every other refusal (the store cannot write any more, a background
     * compaction failed, the store closed) is an error, never a reason to defer.
     *
     * @throws ProcessorStateException when the slot cannot be had: the store cannot write any more, a background
     *                                 compaction failed (rolled back; the next write tries again), or
     *                                 {@link #slotWait(Map)} passed
     */
    private WriteBatch claimWriteSlot(boolean mayDefer) {
        try {
            return mayDefer ? db.tryWriteBatch().orElse(null) : db.writeBatch(slotWait);
        } catch (IllegalStateException e) {
            throw new ProcessorStateException("store " + name + ": cannot start a write in " + db.directory(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // Kafka Streams interrupts a thread it shuts down: let it see so
            throw new ProcessorStateException("store " + name + ": interrupted while its write waited for a"
                    + " compaction in " + db.directory(), e);
        }
    }

    /**
     * Writes the committed writes still in memory, then closes TurboKV and drops the write buffer (see the class
     * comment). Idempotent.
     *
     * @throws ProcessorStateException when the write fails (the store is closed all the same: after a crash Streams
     *                                 restores the writes lost from the changelog)
     */
    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        ProcessorStateException writeFailure = null;
        try {
            writeUnwritten();
        } catch (ProcessorStateException e) {
            writeFailure = e;
        }
        unwritten.clear();
        unwrittenPosition = null;
        commitBuffer.written(); // written or, after a failure, dropped: no longer held
        open = false;
        for (CursorIterator iterator : List.copyOf(openIterators)) {
            iterator.storeClosed();
        }
        openIterators.clear();
        if (metrics != null) {
            metrics.remove();
            metrics = null;
        }
        buffer.clear();
        try {
            db.close();
        } catch (IOException e) {
            ProcessorStateException closing = failure("close", e);
            if (writeFailure != null) {
                closing.addSuppressed(writeFailure);
            }
            throw closing;
        }
        if (writeFailure != null) {
            throw writeFailure;
        }
    }

    private KeyValueIterator<Bytes, byte[]> ordered(Bytes from, Bytes to, boolean reverse) {
        checkOpen();
        if (KeyBounds.inverted(from, to)) {
            return new ListIterator<>(List.of()); // as Kafka's stores: nothing, not an error
        }
        byte[] lower = from == null ? null : from.get();
        byte[] upper = to == null ? null : to.get();
        return openIterator(inMemory(from, to, true, reverse), reverse,
                scope -> reverse ? scope.rangeReverse(FAMILY, lower, true, upper, true)
                        : scope.range(FAMILY, lower, true, upper, true));
    }

    /**
     * An iterator over {@code buffered} (the entries in memory) merged with the entries of the cursor {@code opener} opens on a
     * new read scope, registered so that {@link #close()} ends it.
     */
    private KeyValueIterator<Bytes, byte[]> openIterator(List<KeyValue<Bytes, byte[]>> buffered, boolean reverse,
                                                         CursorOpener opener) {
        ReadScope scope = db.readScope();
        try {
            Cursor cursor = opener.open(scope);
            CursorIterator[] self = new CursorIterator[1];
            self[0] = new CursorIterator(name, scope, cursor, buffered, reverse, () -> openIterators.remove(self[0]));
            openIterators.add(self[0]);
            return self[0];
        } catch (IOException | RuntimeException e) {
            scope.close();
            if (e instanceof IOException io) {
                throw failure("ordered read", io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * {@return {@code prefix} plus one as an unsigned big-endian number of the same length, as Kafka's stores
     * increment a prefix for a prefix scan ({@code Bytes.increment}, deprecated), or null when it overflows (every
     * byte {@code 0xFF}, or none)}
     */
    static Bytes incrementWithoutOverflow(Bytes prefix) {
        byte[] incremented = prefix.get().clone();
        for (int i = incremented.length - 1; i >= 0; i--) {
            if (++incremented[i] != 0) { // no carry
                return Bytes.wrap(incremented);
            }
        }
        return null;
    }

    private ProcessorStateException failure(String operation, IOException cause) {
        return new ProcessorStateException("store " + name + ": " + operation + " failed in "
                + (db == null ? "(not open)" : db.directory()), cause);
    }

    /**
     * Whether Kafka Streams keeps a changelog of this store: it knows which stores have one before it initialises
     * them, and says so through its internal context (a context from elsewhere, such as a test's, says no); a store
     * kept inside another (a segment, a versioned store's entries) has its owner's answer in its context.
     */
    private boolean hasChangelog(StateStoreContext context) {
        if (context instanceof SegmentContext owned) {
            return owned.hasChangelog();
        }
        return context instanceof InternalProcessorContext<?, ?> internal && internal.changelogFor(name) != null;
    }

    /**
     * {@return the committed value of {@code key} in {@link #POSITION_FAMILY}, or null} A segment's owner reads its
     * commit record so.
     */
    byte[] metadata(byte[] key) {
        checkOpen();
        try {
            return db.get(POSITION_FAMILY, key).orElse(null);
        } catch (IOException e) {
            throw failure("read of the store's metadata", e);
        }
    }

    /**
     * {@return the store's figures for its Streams metrics, nothing once closed} Takes no lock: a metrics reporter
     * calls it on its own thread while the stream thread works.
     */
    StoreMetrics.Snapshot metricsSnapshot() {
        TurboKV current = db;
        if (!open || current == null) {
            return StoreMetrics.Snapshot.NONE;
        }
        try {
            return StoreMetrics.Snapshot.of(current.statistics(), commits);
        } catch (StoreClosedException e) {
            return StoreMetrics.Snapshot.NONE; // closed since the check
        }
    }

    /**
     * {@return how long a write that must reach disk waits for a background compaction holding the write slot:
     * half the application's {@code max.poll.interval.ms} (its main consumer's, as Streams resolves the prefixes;
     * {@value #DEFAULT_MAX_POLL_INTERVAL_MS} ms by default), at least a millisecond} The write runs on the stream
     * thread, which must poll again within that interval or be dropped from the group; failing after half of it
     * leaves the thread the other half to report the failure (Streams then closes the task and reopens it). A
     * compaction merges 500 MiB of input at most ({@link TurboKvStores#COMPACTION_POLICY}).
     *
     * @throws ConfigException when the setting is not a non-negative whole number
     */
    static Duration slotWait(Map<String, Object> appConfigs) {
        String setting = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG;
        String name = appConfigs.containsKey(StreamsConfig.mainConsumerPrefix(setting))
                ? StreamsConfig.mainConsumerPrefix(setting)
                : appConfigs.containsKey(StreamsConfig.consumerPrefix(setting)) ? StreamsConfig.consumerPrefix(setting)
                : setting;
        long interval = TurboKvStores.nonNegativeSetting(appConfigs, name, DEFAULT_MAX_POLL_INTERVAL_MS);
        return Duration.ofMillis(Math.max(1, interval / 2));
    }

    /** {@return how long this store's writes that must reach disk wait for the write slot ({@link #slotWait(Map)})} */
    Duration slotWait() {
        return slotWait;
    }

    /** {@return the configuration the store was opened with} */
    DbConfig openedConfig() {
        checkOpen();
        return db.config();
    }

    /** Chooses the configuration a store opens with, knowing its name, its changelog and the application's config. */
    @FunctionalInterface
    interface ConfigChoice {
        /** {@return the configuration to open the store named {@code storeName} with} */
        DbConfig configFor(String storeName, boolean hasChangelog, Map<String, Object> appConfigs);
    }

    /** Opens an engine cursor on a read scope. */
    @FunctionalInterface
    private interface CursorOpener {
        Cursor open(ReadScope scope) throws IOException;
    }

    /** Writes what is buffered first: nothing is while restoring, but the order would be kept if something were. */
    @Override
    void beforeRestore(Collection<ConsumerRecord<byte[], byte[]>> batch) {
        if (!buffer.isEmpty()) {
            writeBuffer(storeMetadata());
        }
    }

    /**
     * A store that defers its commits appends the record straight to its committed writes in memory, unordered (see
     * {@link WriteBuffer}): neither into the write buffer first nor into the committed writes' tree, the two steps
     * that were most of a restore's CPU. The write buffer is empty ({@link #beforeRestore}), so nothing newer hides
     * the record.
     */
    @Override
    boolean restoreRecord(ConsumerRecord<byte[], byte[]> record) {
        if (defersCommits) {
            unwritten.append(Bytes.wrap(record.key()), record.value());
        } else {
            buffer.put(Bytes.wrap(record.key()), record.value());
        }
        return true;
    }

    /**
     * Writes the batch's records as one TurboKV write batch; a store that defers its commits keeps them with its
     * committed writes instead (the offsets do not move, so a crash only makes Streams restore them again).
     */
    @Override
    void commitRestored() {
        if (defersCommits) {
            keepUnwritten();
        } else {
            writeBuffer(storeMetadata());
        }
        committedPosition = position.copy();
    }
}
