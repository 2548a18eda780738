package io.turbokv.kafka;

import io.turbokv.CompactionPolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.Task;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.internals.metrics.TaskMetrics;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;

/**
 * What every TurboKV store is to Kafka Streams, whether one TurboKV directory ({@link TurboKvKeyValueStore},
 * {@link TurboKvVersionedStore}) or one per time segment ({@link SegmentedStore}): its name and life cycle flag, the position of the writes it holds, the
 * settings it reads from the application's configuration (IQ consistency vectors, exactly-once, whether writes
 * spill before Streams commits), the changelog offsets it manages and reports, interactive queries v2
 * ({@code StoreQueries}) and the restore callback, which hands each changelog record to the store and commits each
 * batch. Subclasses lock the store ({@code synchronized}) in every method, as these do.
 */
abstract sealed class StreamsStore implements StateStore
        permits TurboKvKeyValueStore, SegmentedStore, TurboKvVersionedStore {
    /** The store's name, also its directory's under the task's state directory. */
    final String name;
    /** The position of the writes the store holds (committed or buffered). */
    Position position = Position.emptyPosition();
    /** The context of {@code init}; null before. */
    StateStoreContext context;
    /** Whether changelog records carry the position of their writes (Streams' IQ consistency vectors). */
    boolean consistencyEnabled;
    /** Whether the application runs exactly-once, so that a spill forgets the committed offsets. */
    boolean exactlyOnce;
    /** Whether Streams commits the store only when closing the task, so that writes are spilled when large. */
    private boolean spills;
    /**
     * Whether Streams commits the store after every transaction ({@code enable.transactional.statestores}), so that
     * the writes not yet committed are those of the transaction under way, which a read-committed query must not see.
     */
    private boolean transactionalStores;
    /** The task's {@code dropped-records} sensor, as Kafka's stores record expired writes in it; null outside Streams. */
    private Sensor droppedRecords;
    /**
     * Holds the background compactions of the store's TurboKV directories while an active task restores it, as
     * Kafka's RocksDB store once held its compactions in bulk-loading mode: each compaction during a restore merges
     * SSTs that the next restore batches make stale again. Kafka Streams 4 tells a store neither a restore's start
     * nor its end (its {@code StateRestoreListener} is the application's, and it commits the store during a restore
     * too), so each restore batch holds them for {@link #restoreCompactionHold}, and the first write of processing
     * ({@link #recordWrite}) ends the hold, as does that time passing without a batch.
     */
    final CompactionPolicy.Hold compactionHold;
    /** Whether a restore batch came since the last write of processing: {@link #compactionHold} may hold. */
    private boolean restoring;
    /**
     * How long a restore batch holds the store's compactions ({@link TurboKvStores#RESTORE_COMPACTION_HOLD_MS_CONFIG});
     * zero for no hold.
     */
    private Duration restoreCompactionHold = Duration.ofMillis(TurboKvStores.DEFAULT_RESTORE_COMPACTION_HOLD_MS);
    /** Between {@code init} and {@code close}; volatile for the threads that read without the lock. */
    volatile boolean open;

    StreamsStore(String name) {
        this(name, new CompactionPolicy.Hold());
    }

    /** A store whose TurboKV compactions {@code compactionHold} holds (its own, or its owner's for a part of one). */
    StreamsStore(String name, CompactionPolicy.Hold compactionHold) {
        this.name = Objects.requireNonNull(name, "name");
        this.compactionHold = Objects.requireNonNull(compactionHold, "compactionHold");
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Takes the store's settings from {@code context}'s application configuration; a store that may spill does
     * when Streams commits it only at the end of the task (no {@code enable.transactional.statestores}).
     */
    final void readSettings(StateStoreContext context, boolean maySpill) {
        Map<String, Object> appConfigs = context.appConfigs();
        consistencyEnabled = Boolean.parseBoolean(String.valueOf(appConfigs
                .get(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED)));
        exactlyOnce = exactlyOnce(appConfigs);
        transactionalStores = transactional(appConfigs);
        spills = maySpill && !transactionalStores;
        restoreCompactionHold = Duration.ofMillis(TurboKvStores.nonNegativeSetting(appConfigs,
                TurboKvStores.RESTORE_COMPACTION_HOLD_MS_CONFIG, TurboKvStores.DEFAULT_RESTORE_COMPACTION_HOLD_MS));
        this.context = context;
        // Kafka's stores take the sensor at init, on the stream thread: its thread tag is that thread's name
        droppedRecords = context.metrics() instanceof StreamsMetricsImpl streamsMetrics
                ? TaskMetrics.droppedRecordsSensor(Thread.currentThread().getName(), context.taskId().toString(),
                        streamsMetrics)
                : null;
    }

    /**
     * Counts a write dropped because it is too old for the store (older than a versioned store's grace period, or of
     * an expired segment) in the task's {@code dropped-records} metric, as Kafka's stores count theirs.
     */
    final void recordDropped() {
        if (droppedRecords != null) {
            droppedRecords.record();
        }
    }

    /**
     * {@return whether an interactive query at {@code config}'s isolation level reads only what the store committed}
     * As Kafka's transactional stores: with {@code enable.transactional.statestores}, a {@code READ_COMMITTED} query
     * leaves out the writes of the transaction under way; without it, writes are never isolated (Kafka's RocksDB
     * store writes straight into RocksDB), so every query sees them all.
     */
    final boolean readsCommittedOnly(QueryConfig config) {
        return transactionalStores && config.getIsolationLevel() == IsolationLevel.READ_COMMITTED;
    }

    /**
     * Records a write of the record being processed (none in a punctuation) in the position; the first after a
     * restore ends the restore's hold on compactions.
     */
    final void recordWrite() {
        if (restoring) {
            restoring = false;
            compactionHold.release();
        }
        context.recordMetadata().filter(r -> r.topic() != null)
                .ifPresent(r -> position.withComponent(r.topic(), r.partition(), r.offset()));
    }

    /** {@return whether writes of {@code uncommittedBytes} must be written before Streams commits the store} */
    final boolean spillDue(long uncommittedBytes) {
        return spills && uncommittedBytes >= TurboKvKeyValueStore.SPILL_BYTES;
    }

    /** {@return the changelog offsets committed with the data} */
    abstract Map<TopicPartition, Long> committedOffsets();

    /**
     * True: the store commits its changelog offsets with its data, so Kafka Streams keeps no checkpoint file for it
     * and asks it for the offsets ({@link #committedOffset}).
     *
     * @deprecated as in {@link StateStore}: Kafka Streams will require every store to manage its offsets
     */
    @Deprecated
    @Override
    public final boolean managesOffsets() {
        return true;
    }

    /** The offset of {@code partition} committed with the data (see {@code commit}), or null. */
    @Override
    public final synchronized Long committedOffset(TopicPartition partition) {
        checkOpen();
        return committedOffsets().get(partition);
    }

    /**
     * Writes what is buffered as {@code commit} does, keeping the committed offsets, and then what commits left in
     * memory: Kafka Streams 4.4 calls {@code commit}; this is kept for callers of the deprecated method. Under
     * exactly-once, buffered writes may belong to a transaction that aborts: written, they forget the committed
     * offsets, as a spill does, so that after a crash Streams rebuilds the store rather than keep them.
     *
     * @deprecated use {@code commit}, as {@link StateStore#flush()} says
     */
    @Deprecated
    @Override
    public final synchronized void flush() {
        checkOpen();
        // otherwise keeps the offsets: an empty map would forget them, and Streams would rebuild the store
        commit(exactlyOnce && approximateNumUncommittedBytes() > 0 ? Map.of() : committedOffsets());
        writeCommittedWrites();
    }

    /** Writes what a commit left in memory to be written later; called by {@link #flush()} after its commit. */
    void writeCommittedWrites() {}

    /** Always true: the data lives on disk and survives restarts. */
    @Override
    public final boolean persistent() {
        return true;
    }

    @Override
    public final boolean isOpen() {
        return open;
    }

    /**
     * Answers an interactive query (IQv2) as Kafka's stores of the same kind answer it (see {@code StoreQueries}),
     * once the store's position has reached {@code positionBound} on its task's input partition (otherwise a
     * {@code NOT_UP_TO_BOUND} failure); the result carries the store's position.
     */
    @Override
    public final synchronized <R> QueryResult<R> query(Query<R> query, PositionBound positionBound,
                                                       QueryConfig config) {
        return StoreQueries.answer(query, positionBound, config, this, queryPosition(config),
                open ? context.taskId().partition() : null);
    }

    /**
     * {@return the position a query at {@code config}'s isolation level is answered at: the store's} A store that
     * answers read-committed queries from its committed data answers them at its committed position.
     */
    Position queryPosition(QueryConfig config) {
        return position;
    }

    /** The changelog offsets whose writes the store holds, per input partition, as Kafka's own stores track it. */
    @Override
    public final synchronized Position getPosition() {
        return position.copy();
    }

    /** @throws InvalidStateStoreException when the store is not open */
    final void checkOpen() {
        if (!open) {
            throw new InvalidStateStoreException("store " + name + " is not open");
        }
    }

    /** {@return the callback that restores the store from its changelog, batch by batch} */
    final RecordBatchingStateRestoreCallback restoreCallback() {
        return new RestoreCallback();
    }

    /**
     * Called before a restore batch, under the store's lock, with the batch: a store segmented by time learns the
     * stream time the batch ends at, as Kafka's stores do before they write a record of it.
     */
    void beforeRestore(Collection<ConsumerRecord<byte[], byte[]>> batch) {}

    /**
     * Writes one changelog record (a null value deletes) to what the restore batch commits.
     *
     * @return false when the store drops the record as Kafka's store of its kind drops it in a restore (older than a
     *         versioned store's grace period, or of a segment expired by the end of the batch): the record then
     *         does not move the position either
     */
    abstract boolean restoreRecord(ConsumerRecord<byte[], byte[]> record);

    /** Commits a restore batch's writes, with the position they carry and the committed offsets unchanged. */
    abstract void commitRestored();

    /** {@return whether the application runs exactly-once} */
    static boolean exactlyOnce(Map<String, Object> appConfigs) {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(String.valueOf(
                appConfigs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)));
    }

    /** {@return whether Streams commits the stores after every commit of the application, exactly-once too} */
    static boolean transactional(Map<String, Object> appConfigs) {
        return Boolean.parseBoolean(String.valueOf(appConfigs.get(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)));
    }

    /**
     * Writes each batch of changelog records, with the position the records carry, and commits it; the committed
     * offsets stay (the records after them are harmless to replay again, as each sets its key's value).
     */
    private final class RestoreCallback implements RecordBatchingStateRestoreCallback {
        @Override
        public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
            synchronized (StreamsStore.this) {
                checkOpen();
                // the task type is read at each batch, not at init: Streams recycles a task between active and
                // standby without a new init. A standby's restore never ends (it applies the changelog as long as
                // it runs), so its batches hold nothing and end a hold left from the task's active life.
                if (!(context instanceof InternalProcessorContext<?, ?> internal
                        && internal.taskType() == Task.TaskType.STANDBY)) {
                    if (restoreCompactionHold.isPositive()) {
                        restoring = true;
                        compactionHold.holdFor(restoreCompactionHold);
                    }
                } else if (restoring) {
                    restoring = false;
                    compactionHold.release();
                }
                beforeRestore(records);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (restoreRecord(record)) {
                        ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(record, consistencyEnabled,
                                position);
                    }
                }
                commitRestored();
            }
        }
    }
}
