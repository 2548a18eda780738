package io.turbokv.kafka;

import io.turbokv.DbConfig;

import java.util.Map;

/**
 * Adjusts the configuration of the TurboKV stores of an application, as {@code RocksDBConfigSetter} does for Kafka's
 * RocksDB stores: name an implementation (with a public no-argument constructor) in the Streams configuration under
 * {@link #CONFIG}, and every store opened with the default configuration (every store of
 * {@link TurboKvStores}' suppliers that takes no {@link DbConfig}, and so every store of
 * {@link TurboKvDslStoreSuppliers}) passes its builder through it before opening.
 *
 * <pre>{@code
 * public static final class SmallCaches implements TurboKvConfigSetter {
 *     public void setConfig(String storeName, DbConfig.Builder builder, Map<String, Object> configs) {
 *         builder.keyBlockCacheBytes(4L << 20).valueBlockCacheBytes(4L << 20);
 *     }
 * }
 * props.put(TurboKvConfigSetter.CONFIG, SmallCaches.class);
 * }</pre>
 *
 * <p>The builder arrives with the store's two families, caches of {@link TurboKvStores#DEFAULT_CACHE_BYTES}, the
 * background compactions of {@link TurboKvStores#COMPACTION_POLICY} and the durability chosen by changelog; the setter
 * may change cache sizes, the compaction policy and durability, and must not add families. A setter that sets
 * {@link io.turbokv.CompactionPolicy#manual()} gets {@link TurboKvStores#COMPACTION_POLICY} all the same: a store
 * here has no handle to compact by hand, so under the manual policy it would never compact. A
 * {@link io.turbokv.CompactionPolicy.Hold} the setter puts on the policy is replaced by the store's own (which holds
 * the compactions while the store restores).
 * It is created once per store opening, and called on the stream thread that opens the store.
 */
@FunctionalInterface
public interface TurboKvConfigSetter {
    /** The Streams configuration key that names the setter class (a {@code Class} or a class name). */
    String CONFIG = "turbokv.config.setter";

    /**
     * Adjusts {@code builder} before the store named {@code storeName} (a segment's name for window and session
     * stores) opens.
     *
     * @param storeName the name of the store (or segment) being opened
     * @param builder   the configuration about to be built
     * @param configs   the application's configuration ({@code StateStoreContext.appConfigs()})
     */
    void setConfig(String storeName, DbConfig.Builder builder, Map<String, Object> configs);
}
