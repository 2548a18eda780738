package io.turbokv.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;
import org.apache.kafka.streams.state.internals.VersionedKeyValueToBytesStoreAdapter;

/**
 * Supplies a new {@link TurboKvVersionedStore} per task, seen by Kafka Streams' layers as a
 * {@link org.apache.kafka.streams.state.VersionedBytesStore} through Kafka's own adapter, as Kafka's RocksDB
 * versioned store is; made by {@link TurboKvStores}.
 */
final class TurboKvVersionedBytesStoreSupplier implements VersionedBytesStoreSupplier {
    /** The metrics scope of the store's Streams metrics ({@code stream-turbokv-versioned-state-metrics}). */
    static final String METRICS_SCOPE = "turbokv-versioned";

    private final String name;
    private final long historyRetention;
    private final long segmentInterval;

    TurboKvVersionedBytesStoreSupplier(String name, long historyRetention, long segmentInterval) {
        this.name = name;
        this.historyRetention = historyRetention;
        this.segmentInterval = segmentInterval;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return new VersionedKeyValueToBytesStoreAdapter(new TurboKvVersionedStore(name, historyRetention,
                segmentInterval, TurboKvStores::configByChangelog));
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }

    @Override
    public long historyRetentionMs() {
        return historyRetention;
    }

    /** {@return the width of the time segments by which older versions expire} */
    long segmentIntervalMs() {
        return segmentInterval;
    }
}
