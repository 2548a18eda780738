package io.turbokv.kafka;

import io.turbokv.DbConfig;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/** Supplies a new {@link TurboKvKeyValueStore} per task; made by {@link TurboKvStores}. */
final class TurboKvBytesStoreSupplier implements KeyValueBytesStoreSupplier {
    /** The metrics scope of the store's Streams metrics ({@code stream-turbokv-state-metrics}). */
    static final String METRICS_SCOPE = "turbokv";

    private final String name;
    private final DbConfig config;

    TurboKvBytesStoreSupplier(String name, DbConfig config) {
        this.name = name;
        this.config = config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return new TurboKvKeyValueStore(name, config);
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }
}
