package io.turbokv.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/** Supplies a new {@link TurboKvWindowStore} (or its timestamped form) per task; made by {@link TurboKvStores}. */
final class TurboKvWindowBytesStoreSupplier implements WindowBytesStoreSupplier {
    /** The metrics scope of the store's Streams metrics ({@code stream-turbokv-window-state-metrics}). */
    static final String METRICS_SCOPE = "turbokv-window";

    private final String name;
    private final long retentionPeriod;
    private final long segmentInterval;
    private final long windowSize;
    private final boolean retainDuplicates;
    private final boolean timestamped;

    TurboKvWindowBytesStoreSupplier(String name, long retentionPeriod, long segmentInterval, long windowSize,
                                    boolean retainDuplicates, boolean timestamped) {
        this.name = name;
        this.retentionPeriod = retentionPeriod;
        this.segmentInterval = segmentInterval;
        this.windowSize = windowSize;
        this.retainDuplicates = retainDuplicates;
        this.timestamped = timestamped;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public WindowStore<Bytes, byte[]> get() {
        return timestamped
                ? new TurboKvTimestampedWindowStore(name, retentionPeriod, segmentInterval, windowSize,
                        retainDuplicates, TurboKvStores::configForSegments)
                : new TurboKvWindowStore(name, retentionPeriod, segmentInterval, windowSize, retainDuplicates,
                        TurboKvStores::configForSegments);
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }

    @Override
    public long segmentIntervalMs() {
        return segmentInterval;
    }

    @Override
    public long windowSize() {
        return windowSize;
    }

    @Override
    public boolean retainDuplicates() {
        return retainDuplicates;
    }

    @Override
    public long retentionPeriod() {
        return retentionPeriod;
    }
}
