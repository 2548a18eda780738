package io.turbokv.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;

/** Supplies a new {@link TurboKvSessionStore} per task; made by {@link TurboKvStores}. */
final class TurboKvSessionBytesStoreSupplier implements SessionBytesStoreSupplier {
    /** The metrics scope of the store's Streams metrics ({@code stream-turbokv-session-state-metrics}). */
    static final String METRICS_SCOPE = "turbokv-session";

    private final String name;
    private final long retentionPeriod;

    TurboKvSessionBytesStoreSupplier(String name, long retentionPeriod) {
        this.name = name;
        this.retentionPeriod = retentionPeriod;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SessionStore<Bytes, byte[]> get() {
        return new TurboKvSessionStore(name, retentionPeriod, segmentIntervalMs(), TurboKvStores::configForSegments);
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }

    /** Half the retention, at least a minute, as Kafka's RocksDB session store. */
    @Override
    public long segmentIntervalMs() {
        return Math.max(retentionPeriod / 2, 60_000L);
    }

    @Override
    public long retentionPeriod() {
        return retentionPeriod;
    }
}
