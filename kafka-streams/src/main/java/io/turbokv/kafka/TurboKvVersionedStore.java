package io.turbokv.kafka;

import io.turbokv.WriteBatch;
import io.turbokv.kafka.VersionLayout.Version;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;

/**
 * A Kafka Streams {@link VersionedKeyValueStore} in one TurboKV directory, with Kafka's semantics (those of its
 * RocksDB versioned store); obtained through {@link TurboKvStores#persistentVersionedKeyValueStore}.
 *
 * <p><b>Versions.</b> Each key has a latest version (unless deleted) and older versions, each valid from its
 * timestamp (validFrom) to the next version's or deletion's (validTo). They are entries of one key-ordered family
 * ({@link VersionLayout}): the latest version under the key, every older version and tombstone under the key and its
 * validFrom, so that one key's history is one contiguous range and the version valid at a time is the first entry of
 * a reverse range from it. {@link #put} returns the validTo of the version it writes
 * ({@link #PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it is the latest), an out-of-order put splits the version it falls
 * into, and {@link #delete} writes a tombstone and returns the version it ends.
 *
 * <p><b>History retention and grace period.</b> Stream time is the largest timestamp written (not kept across a
 * restart, as in Kafka's store). A put or delete older than stream time minus the history retention (which is also the
 * grace period, as in Kafka) is dropped with a warning and returns {@link #PUT_RETURN_CODE_NOT_PUT} (null for a
 * delete); {@link #get(Bytes, long)} older than that returns only a latest version valid then. Older versions expire
 * by time segments of validTo as in Kafka's store (segment interval as given, segment ids {@code validTo / interval}):
 * once the segment of stream time minus the retention is reached, the versions whose validTo lies in an older segment
 * are deleted (through the expiry index, a range scan of the expired prefix), so that a query over the whole history
 * sees the same versions as on Kafka's store.
 *
 * <p><b>Writes, commits, restore</b> go through a {@link TurboKvKeyValueStore} of the entries, as for the key-value
 * store: an in-memory write buffer that reads consult, one TurboKV write batch per Streams commit with the store's
 * position and changelog offsets; a store with a changelog keeps its commits in memory below the buffer, where reads
 * see them, and writes them as one such batch without fsync past the bounds of {@link CommitBuffer}, at
 * {@link #flush()} and at {@link #close()} (a crash loses them with their offsets, and Streams restores them from the
 * changelog). Restoration applies each changelog record
 * as a put of its timestamp (a null value deletes), dropping records older than the grace period, and, as Kafka's
 * store, expires versions by the stream time the batch ends at, so that it writes none a later record of the batch
 * would expire.
 *
 * <p><b>Interactive queries</b> (IQv2): {@code VersionedKeyQuery} and {@code MultiVersionedKeyQuery}, with position
 * bounds, as Kafka's store answers them ({@code StoreQueries}). With {@code enable.transactional.statestores}, a
 * {@code READ_COMMITTED} query reads only what the store committed (the write buffer left out) and is answered at the
 * committed position, as the key-value, window and session stores answer theirs; whether a version is older than the
 * history retention is then judged by the stream time of the committed writes, so that an uncommitted write far ahead
 * in stream time (which may abort) hides no committed version. Other queries judge it by the stream time of every
 * write seen, committed or not, as Kafka's store judges it.
 * A {@code MultiVersionedKeyQuery} returns every version
 * valid at some time of its range; Kafka's store also skips those whose validTo lies in a segment after the one of the
 * range's end.
 *
 * <p>Thread-safe: every method locks the store.
 */
public final class TurboKvVersionedStore extends StreamsStore implements VersionedKeyValueStore<Bytes, byte[]> {
    private static final System.Logger LOGGER = System.getLogger(TurboKvVersionedStore.class.getName());
    /** Stream time before any write, as Kafka's stores have it. */
    private static final long NO_TIMESTAMP = ConsumerRecord.NO_TIMESTAMP;
    /**
     * No version after a time: not {@link Long#MAX_VALUE}, which is a version's validFrom like any other (a put at
     * that time), but the smallest long, which no validFrom after a time can be.
     */
    private static final long NO_NEXT = Long.MIN_VALUE;

    private final long historyRetention;
    private final long segmentInterval;
    private final TurboKvKeyValueStore.ConfigChoice configChoice;
    /** The TurboKV commits of the store. */
    private final StoreMetrics.Commits commits = new StoreMetrics.Commits();
    /** The entries ({@link VersionLayout}); its position family holds this store's position and offsets. */
    private TurboKvKeyValueStore entries;
    private Map<TopicPartition, Long> committedOffsets = Map.of();
    /**
     * The position the last TurboKV write batch carried: a put dropped as expired moves the position without
     * buffering anything, and the next commit must write it all the same.
     */
    private Position writtenPosition = Position.emptyPosition();
    /** The position of what Streams committed, written or kept in memory. */
    private Position committedPosition = Position.emptyPosition();
    /** Whether Streams commits are kept in memory rather than written: a store with a changelog. */
    private boolean defersCommits;
    /**
     * Set, under the store's lock, while a read-committed interactive query reads ({@link #readingCommitted}): the
     * reads then leave the write buffer out.
     */
    private boolean committedReads;
    /** When the commits kept in memory are written. */
    private CommitBuffer commitBuffer;
    private long observedStreamTime = NO_TIMESTAMP;
    /**
     * The stream time of what Streams committed (set with {@link #committedPosition}): a read-committed query judges
     * history retention by it, so that an uncommitted write far ahead in stream time (which may abort) hides no
     * committed version.
     */
    private long committedStreamTime = NO_TIMESTAMP;
    /** The oldest segment not expired at the last expiry; versions whose validTo is in an older one are deleted. */
    private long minLiveSegment = Long.MIN_VALUE;
    /**
     * The stream time a restore batch ends at, as Kafka's store computes it before the batch: the writes of the
     * batch expire versions by it, so that none is written to a segment expired by the end of the batch.
     */
    private long endOfRestoreBatch = NO_TIMESTAMP;
    private StoreMetrics metrics;

    TurboKvVersionedStore(String name, long historyRetention, long segmentInterval,
                          TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name);
        this.historyRetention = historyRetention;
        this.segmentInterval = segmentInterval;
        this.configChoice = Objects.requireNonNull(configChoice, "configChoice");
    }

    /**
     * Opens (or creates) the store in {@code <task state dir>/<store name>}, reads its committed position and changelog
     * offsets and registers the batching restore callback.
     *
     * @throws org.apache.kafka.streams.errors.ProcessorStateException when the directory cannot be opened, or its
     *                                                                 position or offsets do not decode (the
     *                                                                 directory is released first)
     */
    @Override
    public synchronized void init(StateStoreContext context, StateStore root) {
        boolean hasChangelog = context instanceof InternalProcessorContext<?, ?> internal
                && internal.changelogFor(name) != null;
        entries = new TurboKvKeyValueStore(name, configChoice, true, commits, compactionHold);
        entries.init(new SegmentContext(context, context.stateDir().toPath(), hasChangelog), entries);
        try {
            position = TurboKvKeyValueStore.decodePosition(entries.metadata(TurboKvKeyValueStore.POSITION_KEY), name);
            committedOffsets = ChangelogOffsets.decode(entries.metadata(TurboKvKeyValueStore.OFFSETS_KEY), name);
            writtenPosition = position.copy();
            committedPosition = position.copy();
        } catch (RuntimeException e) {
            // released before the failure propagates, so that a retry or a wipe of the directory can proceed
            try {
                entries.close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        readSettings(context, true);
        defersCommits = hasChangelog;
        commitBuffer = CommitBuffer.of(context.appConfigs());
        open = true;
        metrics = StoreMetrics.register(context, name, entries::metricsSnapshot);
        context.register(root, restoreCallback());
    }

    /**
     * Writes {@code value} (null: a tombstone) as {@code key}'s version from {@code timestamp}.
     *
     * @return the validTo of the version written; {@link #PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it is the latest,
     *         {@link #PUT_RETURN_CODE_NOT_PUT} when {@code timestamp} is older than the grace period
     */
    @Override
    public synchronized long put(Bytes key, byte[] value, long timestamp) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        if (expired(timestamp)) {
            LOGGER.log(System.Logger.Level.WARNING, "store " + name + ": skipping record for expired put");
            recordDropped();
            recordWrite(); // Kafka's store moves its position for a dropped put (not for a dropped delete)
            return PUT_RETURN_CODE_NOT_PUT;
        }
        observedStreamTime = Math.max(observedStreamTime, timestamp);
        long validTo = write(key, value, timestamp, observedStreamTime);
        afterWrite();
        return validTo;
    }

    /**
     * Writes a tombstone for {@code key} at {@code timestamp}.
     *
     * @return the version valid at {@code timestamp} before the delete, or null (also when {@code timestamp} is older
     *         than the grace period, and nothing is written)
     */
    @Override
    public synchronized VersionedRecord<byte[]> delete(Bytes key, long timestamp) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        if (expired(timestamp)) {
            LOGGER.log(System.Logger.Level.WARNING, "store " + name + ": skipping record for expired delete");
            recordDropped();
            return null;
        }
        VersionedRecord<byte[]> ended = get(key, timestamp);
        observedStreamTime = Math.max(observedStreamTime, timestamp);
        write(key, null, timestamp, observedStreamTime);
        afterWrite();
        return ended;
    }

    /** {@return {@code key}'s latest version, or null when it has none (never written, or deleted last)} */
    @Override
    public synchronized VersionedRecord<byte[]> get(Bytes key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        Version latest = latest(key);
        return latest == null ? null : new VersionedRecord<>(latest.value(), latest.validFrom());
    }

    /**
     * {@return {@code key}'s version valid at {@code asOfTimestamp}, with its validTo unless it is the latest, or null}
     * Older than the history retention only a latest version valid then is returned.
     */
    @Override
    public synchronized VersionedRecord<byte[]> get(Bytes key, long asOfTimestamp) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        Version latest = latest(key);
        if (latest != null && latest.validFrom() <= asOfTimestamp) {
            return new VersionedRecord<>(latest.value(), latest.validFrom());
        }
        if (asOfTimestamp < readStreamTime() - historyRetention) {
            LOGGER.log(System.Logger.Level.WARNING, "store " + name + ": returning null for expired get");
            return null;
        }
        Version older = floor(key, asOfTimestamp);
        if (older == null || !older.validAt(asOfTimestamp) || older.value() == null) {
            return null;
        }
        return new VersionedRecord<>(older.value(), older.validFrom(), older.validTo());
    }

    /**
     * {@return {@code key}'s versions (tombstones left out) valid at some time from {@code fromTime} to
     * {@code toTime}, in ascending order of validFrom when {@code order} asks for it, else descending} The answer to a {@code MultiVersionedKeyQuery}; when
     * {@code toTime} is older than the history retention, only a latest version valid at {@code toTime}.
     */
    synchronized VersionedRecordIterator<byte[]> versions(Bytes key, long fromTime, long toTime, ResultOrder order) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        List<VersionedRecord<byte[]>> found = new ArrayList<>();
        if (toTime >= readStreamTime() - historyRetention) {
            try (KeyValueIterator<Bytes, byte[]> history = read(VersionLayout.historyKey(key, Long.MIN_VALUE),
                    VersionLayout.historyKey(key, toTime), false)) {
                while (history.hasNext()) {
                    KeyValue<Bytes, byte[]> entry = history.next();
                    Version version = VersionLayout.history(entry.key.get(), entry.value);
                    if (version.value() != null && version.validTo() > fromTime) {
                        found.add(new VersionedRecord<>(version.value(), version.validFrom(), version.validTo()));
                    }
                }
            }
        }
        Version latest = latest(key);
        if (latest != null && latest.validFrom() <= toTime) {
            found.add(new VersionedRecord<>(latest.value(), latest.validFrom()));
        }
        if (order != ResultOrder.ASCENDING) {
            Collections.reverse(found); // newest first, as Kafka's store answers unless asked for ascending order
        }
        Iterator<VersionedRecord<byte[]>> iterator = found.iterator();
        return new VersionedRecordIterator<>() {
            @Override
            public boolean hasNext() {
                return iterator.hasNext();
            }

            @Override
            public VersionedRecord<byte[]> next() {
                return iterator.next();
            }

            @Override
            public void close() {}
        };
    }

    /** {@return the stream time reads judge history retention by: the committed one while {@link #committedReads}} */
    private long readStreamTime() {
        return committedReads ? committedStreamTime : observedStreamTime;
    }

    private boolean expired(long timestamp) {
        return timestamp < observedStreamTime - historyRetention; // the grace period is the history retention
    }

    /**
     * Writes {@code key}'s version from {@code timestamp}, {@code value} or a tombstone, after deleting the versions
     * that expired by {@code streamTime}; see the class comment. A version or tombstone that would be kept in a
     * segment expired by then is not written, as in Kafka's store: that happens only in a restore, whose stream time
     * is the end of the batch (a put is not older than the grace period, which is the history retention).
     *
     * @return the validTo of the version written, or {@link #PUT_RETURN_CODE_VALID_TO_UNDEFINED}
     */
    private long write(Bytes key, byte[] value, long timestamp, long streamTime) {
        expire(streamTime);
        Version latest = latest(key);
        if (latest != null && timestamp >= latest.validFrom()) {
            if (timestamp > latest.validFrom()) {
                writeHistory(key, new Version(latest.validFrom(), timestamp, latest.value()), streamTime);
            }
            // a tombstone at the latest version's own timestamp removes it: as in Kafka's store, only an older
            // version's validTo still records that deletion
            entries.put(VersionLayout.latestKey(key),
                    value == null ? null : VersionLayout.latestValue(timestamp, value));
            return PUT_RETURN_CODE_VALID_TO_UNDEFINED;
        }
        Version floor = floor(key, timestamp);
        if (floor != null && floor.validAt(timestamp)) {
            if (floor.validFrom() == timestamp) {
                writeHistory(key, new Version(timestamp, floor.validTo(), value), streamTime);
            } else {
                writeHistory(key, new Version(floor.validFrom(), timestamp, floor.value()), streamTime);
                writeHistory(key, new Version(timestamp, floor.validTo(), value), streamTime);
            }
            return floor.validTo();
        }
        long next = nextValidFrom(key, timestamp);
        if (latest != null) {
            next = next == NO_NEXT ? latest.validFrom() : Math.min(next, latest.validFrom());
        }
        if (next != NO_NEXT) { // a version from Long.MAX_VALUE is a next one too
            writeHistory(key, new Version(timestamp, next, value), streamTime);
            return next;
        }
        if (value != null) {
            entries.put(VersionLayout.latestKey(key), VersionLayout.latestValue(timestamp, value));
        } else if (floor == null || floor.validTo() != timestamp) {
            // a deletion after every version: a mark, which a later out-of-order put ends at
            writeHistory(key, new Version(timestamp, timestamp, null), streamTime);
        }
        return PUT_RETURN_CODE_VALID_TO_UNDEFINED;
    }

    /**
     * Writes an older version (or tombstone) and its expiry index entry; when its validTo is in a segment expired
     * by {@code streamTime}, deletes the version from its validFrom instead (an older part of a version split by an
     * out-of-order restore), as Kafka's store drops what it would move to an expired segment.
     */
    private void writeHistory(Bytes key, Version version, long streamTime) {
        Bytes historyKey = VersionLayout.historyKey(key, version.validFrom());
        if (version.validTo() / segmentInterval < minLiveSegment(streamTime)) {
            entries.put(historyKey, null);
            return;
        }
        entries.put(historyKey, VersionLayout.historyValue(version.validTo(), version.value()));
        entries.put(VersionLayout.expiryKey(version.validTo(), key, version.validFrom()), VersionLayout.INDEX_VALUE);
    }

    /**
     * Deletes the older versions whose validTo is in a segment older than the one of stream time minus the history
     * retention, as Kafka's store drops whole segments, once that segment moves. An index entry whose version was
     * since rewritten with a later validTo (its own entry) is dropped alone.
     */
    private void expire(long streamTime) {
        long minLive = minLiveSegment(streamTime);
        if (minLive <= minLiveSegment) {
            return;
        }
        minLiveSegment = minLive;
        if (minLive <= 0) {
            return; // validTo is not negative
        }
        long liveFrom = minLive * segmentInterval;
        List<Bytes> index = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> expired = entries.range(VersionLayout.firstExpiryKey(),
                VersionLayout.expiryKeysFrom(liveFrom))) {
            expired.forEachRemaining(entry -> index.add(entry.key));
        }
        for (Bytes indexKey : index) {
            entries.put(indexKey, null);
            Bytes historyKey = VersionLayout.historyKeyOfExpiry(indexKey.get());
            byte[] stored = entries.get(historyKey);
            if (stored != null && VersionLayout.history(historyKey.get(), stored).validTo() < liveFrom) {
                entries.put(historyKey, null);
            }
        }
    }

    /** {@return the oldest segment not expired at {@code streamTime}, as Kafka's store computes it} */
    private long minLiveSegment(long streamTime) {
        return (streamTime - historyRetention) / segmentInterval;
    }

    /**
     * {@return what {@code read} returns, its reads of what the store committed only: the committed writes in memory
     * and the disk, the write buffer left out} A read-committed interactive query of a transactional store reads so
     * ({@link #readsCommittedOnly}); called under the store's lock, as a query is, so no write runs meanwhile.
     */
    synchronized <T> T readingCommitted(Supplier<T> read) {
        committedReads = true;
        try {
            return read.get();
        } finally {
            committedReads = false;
        }
    }

    /** A read-committed query is answered at the committed position, as the key-value store answers it. */
    @Override
    Position queryPosition(QueryConfig config) {
        return readsCommittedOnly(config) ? committedPosition : position;
    }

    /** {@return the value of {@code key} in the entries: the committed one while {@link #committedReads}} */
    private byte[] read(Bytes key) {
        return committedReads ? entries.committedGet(key) : entries.get(key);
    }

    /** {@return the entries from {@code from} to {@code to}, both included: the committed ones while {@link #committedReads}} */
    private KeyValueIterator<Bytes, byte[]> read(Bytes from, Bytes to, boolean reverse) {
        if (committedReads) {
            return entries.committedRange(from, to, reverse);
        }
        return reverse ? entries.reverseRange(from, to) : entries.range(from, to);
    }

    private Version latest(Bytes key) {
        byte[] stored = read(VersionLayout.latestKey(key));
        return stored == null ? null : VersionLayout.latest(stored);
    }

    /** {@return {@code key}'s older version or tombstone with the largest validFrom not after {@code time}, or null} */
    private Version floor(Bytes key, long time) {
        try (KeyValueIterator<Bytes, byte[]> history = read(VersionLayout.historyKey(key, Long.MIN_VALUE),
                VersionLayout.historyKey(key, time), true)) {
            if (!history.hasNext()) {
                return null;
            }
            KeyValue<Bytes, byte[]> entry = history.next();
            return VersionLayout.history(entry.key.get(), entry.value);
        }
    }

    /**
     * {@return the smallest validFrom of {@code key}'s older versions and tombstones after {@code time}, or
     * {@link #NO_NEXT}}
     */
    private long nextValidFrom(Bytes key, long time) {
        if (time == Long.MAX_VALUE) {
            return NO_NEXT;
        }
        try (KeyValueIterator<Bytes, byte[]> history = entries.range(VersionLayout.historyKey(key, time + 1),
                VersionLayout.historyKey(key, Long.MAX_VALUE))) {
            return history.hasNext() ? VersionLayout.validFromOfHistoryKey(history.next().key.get()) : NO_NEXT;
        }
    }

    /**
     * Records the write in the position and writes the buffered entries early when they have grown past
     * {@link TurboKvKeyValueStore#SPILL_BYTES} and Streams does not commit the store after every transaction (under
     * exactly-once forgetting the committed offsets, as the key-value store does).
     */
    private void afterWrite() {
        recordWrite();
        if (spillDue(entries.approximateNumUncommittedBytes())) {
            if (exactlyOnce) {
                committedOffsets = Map.of();
            }
            writeEntries();
        }
    }

    /** Writes the buffered entries with the store's position and committed offsets, as one TurboKV write batch. */
    private void writeEntries() {
        entries.writeBuffer(TurboKvKeyValueStore.storeMetadata(position, committedOffsets));
        writtenPosition = position.copy();
        commitBuffer.written();
    }

    /** Records that the commit or restore batch just kept joined the entries in memory; writes them past a bound. */
    private void keepCommitted() {
        entries.keepCommitted();
        committedPosition = position.copy();
        committedStreamTime = observedStreamTime;
        long bytes = entries.unwrittenBytes();
        commitBuffer.kept(bytes);
        if (commitBuffer.due(bytes)) {
            writeKept(commitBuffer.mayDefer(bytes));
        }
    }

    /**
     * Writes the entries kept in memory with the committed position and offsets, as one TurboKV write batch; with
     * {@code mayDefer}, not while the store's compaction holds its write slot (a later commit tries again).
     */
    private void writeKept(boolean mayDefer) {
        WriteBatch claim = entries.claimWrite(mayDefer);
        if (claim != null) {
            entries.writeClaimed(claim, TurboKvKeyValueStore.storeMetadata(committedPosition, committedOffsets));
            writtenPosition = committedPosition.copy();
            commitBuffer.written();
        }
    }

    /** Writes the commits kept in memory, as {@link #flush()} asks after its commit. */
    @Override
    void writeCommittedWrites() {
        if (commitBuffer.holding()) {
            writeKept(false);
        }
    }

    /**
     * Writes the buffered entries, with the store's position and {@code changelogOffsets} (applied as
     * {@link TurboKvKeyValueStore#commit(Map)} applies them), as one TurboKV write batch and commits it; does
     * nothing when neither the entries, the position (which a dropped put moves) nor the offsets changed.
     *
     * @throws org.apache.kafka.streams.errors.ProcessorStateException when the write or the commit fails
     */
    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        checkOpen();
        Map<TopicPartition, Long> offsets = ChangelogOffsets.apply(committedOffsets, changelogOffsets);
        if (defersCommits) {
            if (entries.approximateNumUncommittedBytes() > 0 || !offsets.equals(committedOffsets)
                    || !position.equals(committedPosition)) {
                committedOffsets = offsets;
                keepCommitted();
            }
            return;
        }
        if (entries.approximateNumUncommittedBytes() == 0 && offsets.equals(committedOffsets)
                && position.equals(writtenPosition)) {
            return;
        }
        Map<TopicPartition, Long> before = committedOffsets;
        committedOffsets = offsets;
        try {
            writeEntries();
        } catch (RuntimeException e) {
            committedOffsets = before;
            throw e;
        }
        committedPosition = position.copy();
        committedStreamTime = observedStreamTime;
    }

    @Override
    Map<TopicPartition, Long> committedOffsets() {
        return committedOffsets;
    }

    /** The estimated heap held by the buffered entries. */
    @Override
    public synchronized long approximateNumUncommittedBytes() {
        return open ? entries.approximateNumUncommittedBytes() : 0;
    }

    /**
     * Writes the commits kept in memory, then closes TurboKV and drops the buffered entries, as
     * {@link TurboKvKeyValueStore#close()}. Idempotent.
     *
     * @throws org.apache.kafka.streams.errors.ProcessorStateException when the write fails (the store is closed all
     *                                                                 the same: Streams restores the commits lost
     *                                                                 from the changelog)
     */
    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        RuntimeException writeFailure = null;
        if (commitBuffer.holding()) {
            entries.dropBuffered(); // uncommitted: Streams commits before a clean close
            try {
                writeKept(false);
            } catch (RuntimeException e) {
                writeFailure = e;
            }
        }
        commitBuffer.written(); // written or, after a failure, dropped: no longer held
        open = false;
        metrics.remove();
        entries.close();
        if (writeFailure != null) {
            throw writeFailure;
        }
    }

    /**
     * Writes what is buffered first, as the key-value store does, and takes the stream time the batch ends at, by
     * which its writes expire versions (see {@link #restoreRecord}).
     */
    @Override
    void beforeRestore(Collection<ConsumerRecord<byte[], byte[]>> batch) {
        endOfRestoreBatch = observedStreamTime;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            endOfRestoreBatch = Math.max(endOfRestoreBatch, record.timestamp());
        }
        if (entries.approximateNumUncommittedBytes() > 0) {
            writeEntries();
        }
    }

    /**
     * Applies the record as a put of its timestamp (a null value deletes), as Kafka's store restores: dropped when
     * older than the grace period at that point of the batch (the record was never written to the store either, and
     * does not move the position); otherwise written with the versions and tombstones it leaves in segments expired
     * by the end of the batch dropped, and expiry by that time too.
     */
    @Override
    boolean restoreRecord(ConsumerRecord<byte[], byte[]> record) {
        if (expired(record.timestamp())) {
            return false;
        }
        observedStreamTime = Math.max(observedStreamTime, record.timestamp());
        write(Bytes.wrap(record.key()), record.value(), record.timestamp(), endOfRestoreBatch);
        return true;
    }

    /**
     * Writes the batch's entries as one TurboKV write batch, the committed offsets unchanged; a store with a changelog
     * keeps them in memory with its commits instead.
     */
    @Override
    void commitRestored() {
        if (defersCommits) {
            keepCommitted();
        } else {
            writeEntries();
            committedPosition = position.copy();
            committedStreamTime = observedStreamTime;
        }
    }
}
