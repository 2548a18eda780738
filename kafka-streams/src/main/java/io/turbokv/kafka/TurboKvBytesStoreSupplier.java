package io.turbokv.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Supplies a new {@link TurboKvKeyValueStore} (or {@link TurboKvTimestampedKeyValueStore}) per task; made by
 * {@link TurboKvStores}.
 */
final class TurboKvBytesStoreSupplier implements KeyValueBytesStoreSupplier {
    /** The metrics scope of the store's Streams metrics ({@code stream-turbokv-state-metrics}). */
    static final String METRICS_SCOPE = "turbokv";

    private final String name;
    private final TurboKvKeyValueStore.ConfigChoice configChoice;
    private final boolean timestamped;

    TurboKvBytesStoreSupplier(String name, TurboKvKeyValueStore.ConfigChoice configChoice, boolean timestamped) {
        this.name = name;
        this.configChoice = configChoice;
        this.timestamped = timestamped;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return timestamped ? new TurboKvTimestampedKeyValueStore(name, configChoice)
                : new TurboKvKeyValueStore(name, configChoice);
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }
}
