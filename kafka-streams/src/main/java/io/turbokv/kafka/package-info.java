/**
 * Kafka Streams key-value (plain, timestamped, versioned), window and session state stores backed by TurboKV.
 *
 * <p>{@link io.turbokv.kafka.TurboKvStores#persistentTimestampedKeyValueStore(String)} returns a
 * {@link org.apache.kafka.streams.state.KeyValueBytesStoreSupplier} to pass to {@code Materialized.as(...)} in the
 * DSL: its stores ({@link io.turbokv.kafka.TurboKvTimestampedKeyValueStore}) are
 * {@link org.apache.kafka.streams.state.TimestampedBytesStore}s and keep each value's timestamp, as Kafka's default
 * stores do. {@link io.turbokv.kafka.TurboKvStores#persistentKeyValueStore(String)} supplies plain stores, for
 * {@code Stores.keyValueStoreBuilder(...)} in the Processor API. {@link io.turbokv.kafka.TurboKvDslStoreSuppliers},
 * set as {@code dsl.store.suppliers.class}, makes every DSL store a TurboKV store at once (but for the few listed
 * there, which stay Kafka's RocksDB stores).
 *
 * <p>{@link io.turbokv.kafka.TurboKvStores#persistentVersionedKeyValueStore(String, java.time.Duration)} supplies
 * versioned key-value stores ({@link io.turbokv.kafka.TurboKvVersionedStore}) with the semantics of Kafka's RocksDB
 * versioned store, in one TurboKV directory whose key-ordered family holds each key's versions as one contiguous
 * range ({@code VersionLayout}); Streams' layers see them through Kafka's own {@code VersionedBytesStore} adapter.
 *
 * <p>{@link io.turbokv.kafka.TurboKvWindowStore} (and its timestamped form, for windowed aggregations) and
 * {@link io.turbokv.kafka.TurboKvSessionStore} are segmented by time as Kafka's RocksDB stores
 * ({@code Segments}): one {@code TurboKvKeyValueStore} per segment, in its own TurboKV directory under
 * {@code <task>/<store name>/}, and retention deletes whole segments. Each store instance owns one TurboKV directory under its task's state
 * directory ({@code <state.dir>/<application.id>/<task>/<store name>}) and holds its write lock while open.
 *
 * <p>Every store registers the engine's statistics and its commits as Kafka Streams store-level metrics
 * ({@code StoreMetrics}).
 *
 * <p>Writes gather in an in-memory write buffer that reads consult first ({@code WriteBuffer}); a Streams commit
 * writes it as one TurboKV write batch, with the store's position and the changelog offsets of the commit (its own
 * family) in the same batch: the stores manage their changelog offsets, as Kafka's RocksDB store does. A store
 * with a changelog (key-value, versioned, window or session) keeps its commits in memory instead, below the write
 * buffer, and writes them as one such batch (per segment) past {@code turbokv.commit.buffer.bytes} or
 * {@code turbokv.commit.buffer.max.age.ms} ({@code CommitBuffer}), as Kafka's RocksDB store leaves them in its
 * memtable. Every store compacts in the background, on the engine's compaction threads
 * ({@link io.turbokv.kafka.TurboKvStores#COMPACTION_POLICY}), never on the stream thread: 2 to 4 daemon threads
 * shared by every TurboKV directory of the JVM (every store's, every segment's), which look at all of them every
 * 50 ms, so that an instance of many tasks runs no more threads than one of a single task. Restoration from the
 * changelog goes a restore batch at a time, with the position the records carry; an active task's store holds its
 * compactions from its first restore batch to the first write of processing (at most 30 s after a batch,
 * {@code turbokv.restore.compaction.hold.ms}; past 64 live SSTs in a directory it compacts anyway), as
 * Kafka's RocksDB store once did in bulk-loading mode; a standby's batches never hold them and end a hold left
 * from the task's active life, the task type being read at each batch ({@code StreamsStore}). With
 * the default configuration, a store that Kafka Streams keeps a changelog of commits without fsync
 * ({@code Durability.NO_SYNC}; the changelog is the durable copy, as for Kafka's RocksDB store without its
 * write-ahead log), one without a changelog with fsync. A {@link io.turbokv.kafka.TurboKvConfigSetter} named in the
 * Streams configuration ({@code turbokv.config.setter}) adjusts that default configuration for every store, as
 * {@code rocksdb.config.setter} does for Kafka's RocksDB stores.
 * The data family is key-ordered (unsigned bytes, Kafka's order), so ordered reads ({@code range}, {@code all},
 * {@code prefixScan} and their reverse forms, the window and session stores' fetches) stream through the engine's
 * cursors ({@code CursorIterator}, {@code SegmentIterator}), merged with the write buffer, and hold no lock while
 * they iterate. A store in an older engine format than the build reads is deleted and restored from its changelog
 * when it has one, and refused when it has none.
 * Interactive queries v2 are answered as by Kafka's stores ({@code StoreQueries}): key-value stores key and range
 * queries, and through Streams' typed layers their timestamped forms; window stores window key and window range
 * queries, session stores window range queries by key; all with position bounds. With
 * {@code enable.transactional.statestores}, a {@code READ_COMMITTED} query of a key-value, versioned, window or
 * session store reads only what the store committed, at the committed position (a window or session query's iterator
 * that reaches a later segment after a later commit sees that commit there).
 * {@code turbokv.commit.buffer.total.bytes} bounds the commits all of an application's stores keep in memory.
 *
 * <p>Depends on the engine's public API ({@code io.turbokv}) and on {@code org.apache.kafka:kafka-streams} only,
 * including some of its internal classes, as Kafka's own stores use them: {@code InternalProcessorContext} (whether
 * a store has a changelog, and whether its task is a standby: {@code Task.TaskType}),
 * {@code RecordBatchingStateRestoreCallback}
 * (the only restore callback that sees the changelog records' headers), {@code ChangelogRecordDeserializationHelper}
 * (reads the position a record carries), {@code PositionSerde} (the position's encoding, which the store also
 * persists), {@code StreamsMetricsImpl} (registers store-level metrics: see {@code StoreMetrics}) and
 * {@code VersionedKeyValueToBytesStoreAdapter} (what Streams' versioned layers expect a versioned store to be).
 */
package io.turbokv.kafka;
