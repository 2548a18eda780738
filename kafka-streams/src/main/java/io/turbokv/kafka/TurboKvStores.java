package io.turbokv.kafka;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;

import java.util.Objects;

/**
 * Factory of TurboKV-backed Kafka Streams stores, in the spirit of {@code org.apache.kafka.streams.state.Stores}.
 *
 * <pre>{@code
 * builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
 *        .groupBy((key, word) -> word)
 *        .count(Materialized.as(TurboKvStores.persistentTimestampedKeyValueStore("counts")));
 * }</pre>
 *
 * <p>Only key-value stores: window and session stores (and so windowed aggregations and stream-stream joins) keep
 * Kafka's default stores. {@link TurboKvDslStoreSuppliers} switches every DSL key-value store to TurboKV at once.
 */
public final class TurboKvStores {
    /** Capacity of each cache (key blocks, value blocks) of a store opened with {@link #defaultConfig()}: 16 MiB. */
    public static final long DEFAULT_CACHE_BYTES = 16L << 20;

    private TurboKvStores() {}

    /**
     * A supplier of persistent TurboKV key-value stores named {@code name}, opened with {@link #defaultConfig()}.
     * The values are stored as given, like Kafka's {@code Stores.persistentKeyValueStore}: in a DSL aggregation or
     * table, Kafka Streams wraps such a store in an adapter that drops the record timestamps (they read back as -1),
     * as it does Kafka's own plain store; use {@link #persistentTimestampedKeyValueStore(String)} there.
     *
     * @param name the store's name; its data lives in {@code <task state dir>/<name>}
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.keyValueStoreBuilder}
     * @throws NullPointerException when {@code name} is null
     */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name) {
        return persistentKeyValueStore(name, defaultConfig());
    }

    /**
     * A supplier of persistent TurboKV key-value stores named {@code name}, opened with {@code config}: its first
     * family (index 0) holds the data and must be {@link FamilyKind#SINGLE_VALUE}. Each task opens its own store,
     * so every task's store has caches of the configured size.
     *
     * @param name   the store's name; its data lives in {@code <task state dir>/<name>}
     * @param config the configuration each task's store is opened with
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.keyValueStoreBuilder}
     * @throws NullPointerException     when {@code name} or {@code config} is null
     * @throws IllegalArgumentException when family 0 of {@code config} is multi-valued
     */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name, DbConfig config) {
        return supplier(name, config, false);
    }

    /**
     * A supplier of persistent TurboKV key-value stores named {@code name} that hold each value with its record
     * timestamp ({@link TurboKvTimestampedKeyValueStore}), opened with {@link #defaultConfig()}: the store for
     * {@code Materialized.as} in DSL aggregations and tables, as Kafka's
     * {@code Stores.persistentTimestampedKeyValueStore} is.
     *
     * @param name the store's name; its data lives in {@code <task state dir>/<name>}
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.timestampedKeyValueStoreBuilder}
     * @throws NullPointerException when {@code name} is null
     */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name) {
        return persistentTimestampedKeyValueStore(name, defaultConfig());
    }

    /**
     * As {@link #persistentTimestampedKeyValueStore(String)}, opened with {@code config} (see
     * {@link #persistentKeyValueStore(String, DbConfig)} for what it must declare).
     *
     * @param name   the store's name; its data lives in {@code <task state dir>/<name>}
     * @param config the configuration each task's store is opened with
     * @return a supplier to pass to {@code Materialized.as} or {@code Stores.timestampedKeyValueStoreBuilder}
     * @throws NullPointerException     when {@code name} or {@code config} is null
     * @throws IllegalArgumentException when family 0 of {@code config} is multi-valued
     */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name, DbConfig config) {
        return supplier(name, config, true);
    }

    private static KeyValueBytesStoreSupplier supplier(String name, DbConfig config, boolean timestamped) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
        if (config.family(TurboKvKeyValueStore.FAMILY).kind() != FamilyKind.SINGLE_VALUE) {
            throw new IllegalArgumentException("family 0 of the config is " + config.family(0).kind()
                    + " (expected: SINGLE_VALUE)");
        }
        return new TurboKvBytesStoreSupplier(name, config, timestamped);
    }

    /**
     * {@return one single-valued family and caches of {@link #DEFAULT_CACHE_BYTES} each} An application has one
     * store per task and per stateful operator, so the engine's defaults (hundreds of MiB per store) would multiply.
     */
    public static DbConfig defaultConfig() {
        return DbConfig.builder()
                .family("kafka-streams", FamilyKind.SINGLE_VALUE)
                .keyBlockCacheBytes(DEFAULT_CACHE_BYTES)
                .valueBlockCacheBytes(DEFAULT_CACHE_BYTES)
                .build();
    }
}
