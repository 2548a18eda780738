package io.turbokv.kafka;

import io.turbokv.SharedBlockCache;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The block caches that every TurboKV store of one Kafka Streams application in this JVM shares when the application
 * sets {@link TurboKvStores#BLOCK_CACHE_BYTES_CONFIG}: one bound on the memory of all its tasks' stores, as a shared
 * RocksDB {@code Cache} bounds Kafka's stores. One cache per application id and size, created at the first store's
 * open and kept for the life of the JVM (it holds memory only for the blocks it caches, and an instance restarted in
 * the same JVM finds it again).
 */
final class ApplicationBlockCaches {
    private static final Map<String, SharedBlockCache> CACHES = new HashMap<>();

    private ApplicationBlockCaches() {}

    /**
     * {@return the shared cache of the application, or null when its configuration sets none}
     *
     * @throws ConfigException when the setting is not a non-negative number of bytes
     */
    static SharedBlockCache forApplication(Map<String, Object> appConfigs) {
        Object setting = appConfigs.get(TurboKvStores.BLOCK_CACHE_BYTES_CONFIG);
        if (setting == null) {
            return null;
        }
        long bytes;
        try {
            bytes = setting instanceof Number number ? number.longValue() : Long.parseLong(setting.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(TurboKvStores.BLOCK_CACHE_BYTES_CONFIG, setting, "expected a number of bytes");
        }
        if (bytes < 0) {
            throw new ConfigException(TurboKvStores.BLOCK_CACHE_BYTES_CONFIG, setting, "expected: not negative");
        }
        String key = appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "/" + bytes;
        synchronized (CACHES) {
            return CACHES.computeIfAbsent(key, ignored -> SharedBlockCache.create(bytes));
        }
    }
}
