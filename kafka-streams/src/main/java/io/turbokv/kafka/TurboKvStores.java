package io.turbokv.kafka;

import io.turbokv.CompactionPolicy;
import io.turbokv.DbConfig;
import io.turbokv.Durability;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.SharedBlockCache;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Factory of TurboKV-backed Kafka Streams stores, in the spirit of {@code org.apache.kafka.streams.state.Stores}.
 *
 * <pre>{@code
 * builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
 *        .groupBy((key, word) -> word)
 *        .count(Materialized.as(TurboKvStores.persistentTimestampedKeyValueStore("counts")));
 * }</pre>
 *
 * <p>Key-value (plain, timestamped, versioned), window and session stores. {@link TurboKvDslStoreSuppliers} switches every DSL store to TurboKV at
 * once.
 */
public final class TurboKvStores {
    /** Capacity of each cache (key blocks, value blocks) of a store opened with {@link #defaultConfig()}: 16 MiB. */
    public static final long DEFAULT_CACHE_BYTES = 16L << 20;
    /**
     * When a store opened with {@link #defaultConfig()} compacts: on the engine's compaction threads, shared by
     * every TurboKV directory of the JVM (every key-value or versioned store, every segment of a window or session
     * store) and at most {@link io.turbokv.CompactionPolicy#COMPACTION_THREADS}, which look for new commits of all
     * of them every {@value io.turbokv.CompactionPolicy#CHECK_INTERVAL_MILLIS} ms: 100 partitions of a windowed
     * operator with 3 segments each make 300 registered stores, not 300 threads,
     * while it has more than 16 live SSTs (a written commit adds one per family it writes, so about every 8 written
     * commits), each compaction merging up to 32 SSTs whatever their duplication, as a task's small commits never
     * reach the engine's default duplication thresholds yet every overlapping SST costs each read a lookup. The
     * stream thread never compacts; a {@link TurboKvConfigSetter} or a configuration given to
     * {@link #persistentKeyValueStore(String, DbConfig)} may choose another automatic policy, and one that leaves
     * the manual policy gets this one (a store here has no handle to compact by hand).
     */
    public static final CompactionPolicy COMPACTION_POLICY = CompactionPolicy.whenSstCountAbove(16);

    /**
     * The Streams configuration that bounds the block-cache memory of all the application's TurboKV stores in this
     * JVM together: a number of bytes, shared by the stores opened with the default configuration (every task's, and
     * every segment of a window or session store), in place of {@link #DEFAULT_CACHE_BYTES} per cache per store. As
     * a shared RocksDB {@code Cache} set by a {@code rocksdb.config.setter}; a {@link TurboKvConfigSetter} may still
     * change it per store.
     *
     * <pre>{@code props.put(TurboKvStores.BLOCK_CACHE_BYTES_CONFIG, 256L << 20); // 256 MiB for every store}</pre>
     */
    public static final String BLOCK_CACHE_BYTES_CONFIG = "turbokv.block.cache.bytes";

    /**
     * The Streams configuration that bounds, in bytes, the writes a store with a changelog (key-value, versioned,
     * window or session: a segmented store's segments together) holds committed in memory before it writes them to
     * disk: a Streams commit of such a store moves its write buffer, position and changelog offsets into an in-memory
     * layer and returns, and the layer is written as one TurboKV write batch (one per segment) once it holds this
     * many bytes (or is older than {@link #COMMIT_BUFFER_MAX_AGE_MS_CONFIG}), as Kafka's RocksDB store
     * leaves its commits in the memtable until the memtable fills. Default {@link #DEFAULT_COMMIT_BUFFER_BYTES}; 0
     * writes every commit.
     *
     * <pre>{@code props.put(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 64L << 20); // 64 MiB per store}</pre>
     */
    public static final String COMMIT_BUFFER_BYTES_CONFIG = "turbokv.commit.buffer.bytes";

    /** The default of {@link #COMMIT_BUFFER_BYTES_CONFIG}: 16 MiB, the size of Kafka's RocksDB write buffer. */
    public static final long DEFAULT_COMMIT_BUFFER_BYTES = 16L << 20;

    /**
     * The Streams configuration that bounds, in milliseconds, how long a store with a changelog holds
     * committed writes in memory ({@link #COMMIT_BUFFER_BYTES_CONFIG}): a commit or restore batch that finds the
     * layer older writes it, so that a crash makes Streams restore at most about this much of the changelog. Default
     * {@link #DEFAULT_COMMIT_BUFFER_MAX_AGE_MS}; 0 writes every commit.
     */
    public static final String COMMIT_BUFFER_MAX_AGE_MS_CONFIG = "turbokv.commit.buffer.max.age.ms";

    /** The default of {@link #COMMIT_BUFFER_MAX_AGE_MS_CONFIG}: one minute, two of Streams' default commit intervals. */
    public static final long DEFAULT_COMMIT_BUFFER_MAX_AGE_MS = 60_000;

    /**
     * The Streams configuration that bounds, in milliseconds, how long each restore batch of an active task's store
     * holds the store's background compactions: the first write of processing ends the hold sooner, and a restore
     * that stalls, or ends without a write after it, compacts this long after its last batch. Default
     * {@link #DEFAULT_RESTORE_COMPACTION_HOLD_MS}; 0 holds none.
     */
    public static final String RESTORE_COMPACTION_HOLD_MS_CONFIG = "turbokv.restore.compaction.hold.ms";

    /**
     * The default of {@link #RESTORE_COMPACTION_HOLD_MS_CONFIG}: 30 s, well past the time between two batches of a
     * restore (a poll of the restore consumer), so that a restore holds the compactions from its first batch to its
     * end; short enough that a restore which stalls compacts soon after.
     */
    public static final long DEFAULT_RESTORE_COMPACTION_HOLD_MS = 30_000;

    /**
     * The Streams configuration that bounds, in bytes, the sum of the committed writes that all the application's
     * stores with a changelog in this JVM hold in memory ({@link #COMMIT_BUFFER_BYTES_CONFIG} bounds each store's):
     * a commit or restore batch of a store that finds the sum at the bound or past it writes that store's. Without
     * it (the default), an instance of n such stores (partitions times stores, standbys included) may hold up to n
     * times the per-store bound, as n RocksDB stores hold n write buffers unless a {@code WriteBufferManager} bounds
     * them.
     *
     * <pre>{@code props.put(TurboKvStores.COMMIT_BUFFER_TOTAL_BYTES_CONFIG, 256L << 20); // 256 MiB in all}</pre>
     */
    public static final String COMMIT_BUFFER_TOTAL_BYTES_CONFIG = "turbokv.commit.buffer.total.bytes";

    private TurboKvStores() {}

    /**
     * A supplier of persistent TurboKV key-value stores named {@code name}, opened with
     * {@link #defaultConfig(Durability) defaultConfig}{@code (NO_SYNC)} when Kafka Streams keeps a changelog of the
     * store and {@link #defaultConfig()} ({@code SYNC}) when it does not. The values are stored as given, like Kafka's {@code Stores.persistentKeyValueStore}: in a DSL aggregation or
     * table, Kafka Streams wraps such a store in an adapter that drops the record timestamps (they read back as -1),
     * as it does Kafka's own plain store; use {@link #persistentTimestampedKeyValueStore(String)} there.
     *
     * @param name the store's name; its data lives in {@code <task state dir>/<name>}
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.keyValueStoreBuilder}
     * @throws NullPointerException when {@code name} is null
     */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name) {
        return new TurboKvBytesStoreSupplier(Objects.requireNonNull(name, "name"), TurboKvStores::configByChangelog,
                false);
    }

    /**
     * A supplier of persistent TurboKV key-value stores named {@code name}, opened with {@code config}: its first
     * family (index 0) holds the data, its second (index 1) the store's position; both must be
     * {@link FamilyKind#SINGLE_VALUE}, and the first key-ordered ({@link FamilyConfig#ordered}), as the stores read
     * ranges in key order. Each task opens its own store, so every task's store has caches of the
     * configured size. The store commits with the configuration's durability, changelog or not. It compacts in the
     * background as every store of this class: a {@code config} with the manual compaction policy (the default of
     * {@link DbConfig#builder()}) is opened with {@link #COMPACTION_POLICY} instead; another automatic policy is
     * kept.
     *
     * @param name   the store's name; its data lives in {@code <task state dir>/<name>}
     * @param config the configuration each task's store is opened with
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.keyValueStoreBuilder}
     * @throws NullPointerException     when {@code name} or {@code config} is null
     * @throws IllegalArgumentException when {@code config} does not declare families 0 and 1 single-valued, 0 key-ordered
     */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name, DbConfig config) {
        return supplier(name, config, false);
    }

    /**
     * A supplier of persistent TurboKV key-value stores named {@code name} that hold each value with its record
     * timestamp ({@link TurboKvTimestampedKeyValueStore}), opened as by {@link #persistentKeyValueStore(String)}
     * (without fsync when the store has a changelog): the store for
     * {@code Materialized.as} in DSL aggregations and tables, as Kafka's
     * {@code Stores.persistentTimestampedKeyValueStore} is.
     *
     * @param name the store's name; its data lives in {@code <task state dir>/<name>}
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.timestampedKeyValueStoreBuilder}
     * @throws NullPointerException when {@code name} is null
     */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name) {
        return new TurboKvBytesStoreSupplier(Objects.requireNonNull(name, "name"), TurboKvStores::configByChangelog,
                true);
    }

    /**
     * As {@link #persistentTimestampedKeyValueStore(String)}, opened with {@code config} (see
     * {@link #persistentKeyValueStore(String, DbConfig)} for what it must declare; as there, the manual compaction
     * policy is replaced by {@link #COMPACTION_POLICY}).
     *
     * @param name   the store's name; its data lives in {@code <task state dir>/<name>}
     * @param config the configuration each task's store is opened with
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.timestampedKeyValueStoreBuilder}
     * @throws NullPointerException     when {@code name} or {@code config} is null
     * @throws IllegalArgumentException when {@code config} does not declare families 0 and 1 single-valued, 0 key-ordered
     */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name, DbConfig config) {
        return supplier(name, config, true);
    }

    private static KeyValueBytesStoreSupplier supplier(String name, DbConfig config, boolean timestamped) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
        checkFamilies(config);
        DbConfig compacting = compactingInBackground(config);
        return new TurboKvBytesStoreSupplier(name, (storeName, hasChangelog, appConfigs) -> compacting,
                timestamped);
    }

    /**
     * {@return {@code config}, with {@link #COMPACTION_POLICY} in place of {@link CompactionPolicy#manual()}} A
     * store of this module has no handle an application could call {@code compact} on, and compacts nowhere but on
     * the engine's compaction threads: under the manual policy (the default of {@link DbConfig#builder()}) its SSTs,
     * one or two per written commit, would grow without bound, and every read would look each of them up.
     */
    static DbConfig compactingInBackground(DbConfig config) {
        if (config.compactionPolicy().isAutomatic()) {
            return config;
        }
        return config.withCompactionPolicy(COMPACTION_POLICY);
    }

    /**
     * A supplier of persistent TurboKV window stores named {@code name} that hold each value with its record
     * timestamp ({@link TurboKvTimestampedWindowStore}), segmented by time as Kafka's
     * {@code Stores.persistentTimestampedWindowStore} is (segment interval: half the retention, at least a minute),
     * and opened as by {@link #persistentKeyValueStore(String)} (without fsync when the store has a changelog).
     *
     * @param name             the store's name; its segments live in {@code <task state dir>/<name>/}
     * @param retentionPeriod  how long a window is kept after stream time passed its start; at least the window size
     * @param windowSize       the size of the windows
     * @param retainDuplicates whether to keep every value put for a key and window (as stream-stream joins need)
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.timestampedWindowStoreBuilder}
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when a duration is negative or the retention is shorter than the window
     */
    public static WindowBytesStoreSupplier persistentTimestampedWindowStore(String name, Duration retentionPeriod,
                                                                            Duration windowSize,
                                                                            boolean retainDuplicates) {
        return windowSupplier(name, retentionPeriod, windowSize, retainDuplicates, true);
    }

    /**
     * As {@link #persistentTimestampedWindowStore}, with values stored as given ({@link TurboKvWindowStore}), as
     * Kafka's {@code Stores.persistentWindowStore}.
     *
     * @param name             the store's name; its segments live in {@code <task state dir>/<name>/}
     * @param retentionPeriod  how long a window is kept after stream time passed its start; at least the window size
     * @param windowSize       the size of the windows
     * @param retainDuplicates whether to keep every value put for a key and window (as stream-stream joins need)
     * @return a supplier to pass to {@code Stores.windowStoreBuilder}
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when a duration is negative or the retention is shorter than the window
     */
    public static WindowBytesStoreSupplier persistentWindowStore(String name, Duration retentionPeriod,
                                                                 Duration windowSize, boolean retainDuplicates) {
        return windowSupplier(name, retentionPeriod, windowSize, retainDuplicates, false);
    }

    /**
     * A supplier of persistent TurboKV session stores named {@code name} ({@link TurboKvSessionStore}), segmented by
     * session end time as Kafka's {@code Stores.persistentSessionStore} is (segment interval: half the retention, at
     * least a minute), and opened as by {@link #persistentKeyValueStore(String)} (without fsync when the store has a
     * changelog).
     *
     * @param name            the store's name; its segments live in {@code <task state dir>/<name>/}
     * @param retentionPeriod how long a session is kept after stream time passed its end
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.sessionStoreBuilder}
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when the retention is negative
     */
    public static SessionBytesStoreSupplier persistentSessionStore(String name, Duration retentionPeriod) {
        Objects.requireNonNull(name, "name");
        long retentionMs = retentionPeriod.toMillis();
        if (retentionMs < 0) {
            throw new IllegalArgumentException("retentionPeriod " + retentionPeriod + " (expected: not negative)");
        }
        return new TurboKvSessionBytesStoreSupplier(name, retentionMs);
    }

    /**
     * A supplier of persistent TurboKV versioned key-value stores named {@code name} ({@link TurboKvVersionedStore}),
     * as Kafka's {@code Stores.persistentVersionedKeyValueStore(name, historyRetention)}: the history retention is
     * also the grace period, and older versions expire by time segments of the same default width as Kafka's
     * (a third of the retention up to a minute of it, at least 2 s; a fifth up to 5 minutes, at least 20 s; a twelfth
     * up to an hour, at least a minute; a 24th beyond, at least 5 minutes). Opened as by
     * {@link #persistentKeyValueStore(String)} (without fsync when the store has a changelog).
     *
     * <pre>{@code builder.table("prices", Materialized.as(
     *         TurboKvStores.persistentVersionedKeyValueStore("prices", Duration.ofHours(1))));}</pre>
     *
     * @param name             the store's name; its data lives in {@code <task state dir>/<name>}
     * @param historyRetention how long older versions stay queryable after stream time passed their end; also how
     *                         late a write may come
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.versionedKeyValueStoreBuilder}
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when the retention is negative
     */
    public static VersionedBytesStoreSupplier persistentVersionedKeyValueStore(String name, Duration historyRetention) {
        long retentionMs = historyRetentionMs(historyRetention);
        return persistentVersionedKeyValueStore(name, historyRetention, Duration.ofMillis(
                defaultVersionSegmentInterval(retentionMs)));
    }

    /**
     * As {@link #persistentVersionedKeyValueStore(String, Duration)}, with older versions expiring by time segments
     * of {@code segmentInterval}, as Kafka's {@code Stores.persistentVersionedKeyValueStore(name, historyRetention,
     * segmentInterval)}.
     *
     * @param name             the store's name; its data lives in {@code <task state dir>/<name>}
     * @param historyRetention how long older versions stay queryable after stream time passed their end; also how
     *                         late a write may come
     * @param segmentInterval  the width of the time segments by which older versions expire
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.versionedKeyValueStoreBuilder}
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when the retention is negative or the interval not positive
     */
    public static VersionedBytesStoreSupplier persistentVersionedKeyValueStore(String name, Duration historyRetention,
                                                                               Duration segmentInterval) {
        Objects.requireNonNull(name, "name");
        long retentionMs = historyRetentionMs(historyRetention);
        long intervalMs = segmentInterval.toMillis();
        if (intervalMs < 1) {
            throw new IllegalArgumentException("segmentInterval " + segmentInterval + " (expected: positive)");
        }
        return new TurboKvVersionedBytesStoreSupplier(name, retentionMs, intervalMs);
    }

    private static long historyRetentionMs(Duration historyRetention) {
        long retentionMs = historyRetention.toMillis();
        if (retentionMs < 0) {
            throw new IllegalArgumentException("historyRetention " + historyRetention + " (expected: not negative)");
        }
        return retentionMs;
    }

    /** Kafka's default segment interval of a versioned store with this history retention. */
    static long defaultVersionSegmentInterval(long historyRetentionMs) {
        if (historyRetentionMs <= 60_000L) {
            return Math.max(historyRetentionMs / 3, 2_000L);
        } else if (historyRetentionMs <= 300_000L) {
            return Math.max(historyRetentionMs / 5, 20_000L);
        } else if (historyRetentionMs <= 3_600_000L) {
            return Math.max(historyRetentionMs / 12, 60_000L);
        }
        return Math.max(historyRetentionMs / 24, 300_000L);
    }

    private static WindowBytesStoreSupplier windowSupplier(String name, Duration retentionPeriod, Duration windowSize,
                                                           boolean retainDuplicates, boolean timestamped) {
        Objects.requireNonNull(name, "name");
        long retentionMs = retentionPeriod.toMillis();
        long windowMs = windowSize.toMillis();
        if (retentionMs < 0 || windowMs < 0) {
            throw new IllegalArgumentException("retentionPeriod " + retentionPeriod + " and windowSize " + windowSize
                    + " (expected: not negative)");
        }
        if (windowMs > retentionMs) {
            throw new IllegalArgumentException("windowSize " + windowSize + " exceeds retentionPeriod "
                    + retentionPeriod);
        }
        return new TurboKvWindowBytesStoreSupplier(name, retentionMs, Math.max(retentionMs / 2, 60_000L), windowMs,
                retainDuplicates, timestamped);
    }

    /**
     * A store with a changelog commits without fsync, as Kafka's RocksDB store writes without its write-ahead log:
     * the changelog is the durable copy. A crash of the process loses nothing committed either way; after a power
     * cut or an OS crash the latest commits may be lost or the store may not open, and Kafka Streams then rebuilds it
     * from the changelog (under exactly-once it wipes the local state of every task that did not close cleanly
     * anyway). A store without a changelog has no other copy, so its commits fsync. The application's shared block
     * cache ({@link #BLOCK_CACHE_BYTES_CONFIG}) replaces the store's own caches, and its
     * {@link TurboKvConfigSetter}, if it names one, adjusts the result.
     */
    static DbConfig configByChangelog(String storeName, boolean hasChangelog, Map<String, Object> appConfigs) {
        return config(storeName, hasChangelog ? Durability.NO_SYNC : Durability.SYNC, appConfigs);
    }

    /**
     * The configuration of one segment of a window or session store: commits fsync, changelog or not (a
     * {@link TurboKvConfigSetter} may still choose otherwise). A written commit of such a store is one write batch
     * per segment it touches, and each segment's {@link CommitRecord} says which commit the segment holds; without
     * fsync a power cut or an OS crash may roll the segments back independently, to commits the records cannot
     * tell apart from the newest, and the store would then report changelog offsets past data it lost. With fsync
     * a segment's commit is durable before the next segment's begins, so that only a process crash's cut between
     * two segments remains, which the records do detect. A store with a changelog keeps its Streams commits in
     * memory and writes them past {@link #COMMIT_BUFFER_BYTES_CONFIG} or {@link #COMMIT_BUFFER_MAX_AGE_MS_CONFIG}, so
     * that it fsyncs only then.
     */
    static DbConfig configForSegments(String storeName, boolean hasChangelog, Map<String, Object> appConfigs) {
        return config(storeName, Durability.SYNC, appConfigs);
    }

    private static DbConfig config(String storeName, Durability durability, Map<String, Object> appConfigs) {
        DbConfig.Builder builder = defaultBuilder(durability);
        SharedBlockCache shared = ApplicationBlockCaches.forApplication(appConfigs);
        if (shared != null) {
            builder.blockCache(shared);
        }
        Object setter = appConfigs.get(TurboKvConfigSetter.CONFIG);
        if (setter != null) {
            configSetter(setter).setConfig(storeName, builder, appConfigs);
        }
        DbConfig config = builder.build();
        checkFamilies(config);
        return compactingInBackground(config);
    }

    /**
     * {@return the non-negative number that {@code appConfigs} sets under {@code name}, or {@code fallback} when it
     * sets none}
     *
     * @throws ConfigException when the setting is not a non-negative whole number
     */
    static long nonNegativeSetting(Map<String, Object> appConfigs, String name, long fallback) {
        Object setting = appConfigs.get(name);
        if (setting == null) {
            return fallback;
        }
        long value;
        try {
            value = setting instanceof Number number ? number.longValue() : Long.parseLong(setting.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(name, setting, "expected a whole number");
        }
        if (value < 0) {
            throw new ConfigException(name, setting, "expected: not negative");
        }
        return value;
    }

    private static TurboKvConfigSetter configSetter(Object setting) {
        try {
            Class<?> type = setting instanceof Class<?> given ? given
                    : Class.forName(setting.toString().trim(), true, TurboKvStores.class.getClassLoader());
            return (TurboKvConfigSetter) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ConfigException(TurboKvConfigSetter.CONFIG, setting,
                    "expected a TurboKvConfigSetter class with a public no-argument constructor: " + e);
        }
    }

    /**
     * {@return two single-valued families (the data, key-ordered; the store's position), caches of {@link #DEFAULT_CACHE_BYTES}
     * each, compactions in the background ({@link #COMPACTION_POLICY}) and fsynced commits ({@link Durability#SYNC})} An application has one store per task and per stateful
     * operator, so the engine's defaults (hundreds of MiB per store) would multiply.
     */
    public static DbConfig defaultConfig() {
        return defaultConfig(Durability.SYNC);
    }

    /**
     * {@return {@link #defaultConfig()} with commits of the given durability}
     *
     * @param durability whether commits fsync; {@link Durability#NO_SYNC} suits a store that Kafka Streams can rebuild
     *                   from its changelog
     */
    public static DbConfig defaultConfig(Durability durability) {
        return defaultBuilder(durability).build();
    }

    private static DbConfig.Builder defaultBuilder(Durability durability) {
        return DbConfig.builder()
                .family(FamilyConfig.ordered("kafka-streams", FamilyKind.SINGLE_VALUE))
                .family("kafka-streams-position", FamilyKind.SINGLE_VALUE)
                .keyBlockCacheBytes(DEFAULT_CACHE_BYTES)
                .valueBlockCacheBytes(DEFAULT_CACHE_BYTES)
                .compactionPolicy(COMPACTION_POLICY)
                .durability(durability);
    }

    private static void checkFamilies(DbConfig config) {
        for (int family : new int[] {TurboKvKeyValueStore.FAMILY, TurboKvKeyValueStore.POSITION_FAMILY}) {
            if (config.families().size() <= family || config.family(family).kind() != FamilyKind.SINGLE_VALUE) {
                throw new IllegalArgumentException("family " + family + " of the config is "
                        + (config.families().size() <= family ? "missing" : config.family(family).kind())
                        + " (expected: SINGLE_VALUE; 0 holds the data, 1 the store's position)");
            }
        }
        if (!config.family(TurboKvKeyValueStore.FAMILY).keyOrdered()) {
            throw new IllegalArgumentException("family " + TurboKvKeyValueStore.FAMILY + " of the config is "
                    + config.family(TurboKvKeyValueStore.FAMILY).order() + "-ordered (expected: key-ordered,"
                    + " FamilyConfig.ordered(name, FamilyKind.SINGLE_VALUE): the stores read ranges in key order)");
        }
    }
}
