package io.turbokv.kafka;

import io.turbokv.CacheStatistics;
import io.turbokv.CommitStats;
import io.turbokv.Statistics;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;

/**
 * A store's engine statistics ({@code TurboKV#statistics()}) and commits as Kafka Streams metrics, registered as
 * Kafka's RocksDB store registers its own: store-level metrics of group {@code stream-state-metrics} with the tags
 * {@code thread-id}, {@code task-id} and {@code turbokv-state-id} (the store's name), at recording level INFO, so that
 * they show in {@code KafkaStreams#metrics()} and over JMX with Streams' default configuration. A window or session
 * store reports the sums over its live segments. Each metric is a gauge read when a reporter asks; none costs the
 * stream thread anything. Kafka Streams' metered layer adds its own metrics under the same tags (operation rates
 * and latencies, {@code uncommitted-bytes} of the write buffer).
 *
 * <table class="striped">
 *   <caption>metrics</caption>
 *   <thead><tr><th>name</th><th>value</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code key-block-cache-hit-ratio}, {@code value-block-cache-hit-ratio}</td><td>hits over lookups of the
 *       decompressed key-block and value-block caches since the store opened</td></tr>
 *     <tr><td>{@code key-block-cache-usage-bytes}, {@code value-block-cache-usage-bytes}</td><td>bytes the caches
 *       hold now (with {@code turbokv.block.cache.bytes}, the shared caches' bytes, which every store and segment
 *       reports alike)</td></tr>
 *     <tr><td>{@code get-hits-total}, {@code get-misses-total}</td><td>committed keys found and not found by point
 *       reads that reached the engine (reads the write buffer answers are not counted)</td></tr>
 *     <tr><td>{@code sst-files}</td><td>live SST files</td></tr>
 *     <tr><td>{@code commit-total}</td><td>TurboKV commits of the store's writes (Streams commits, restore batches,
 *       spills)</td></tr>
 *     <tr><td>{@code commit-time-avg-ms}, {@code commit-time-total-ms}</td><td>time those commits took</td></tr>
 *     <tr><td>{@code commit-bytes-written-total}, {@code commit-keys-written-total}</td><td>what they wrote</td></tr>
 *   </tbody>
 * </table>
 */
final class StoreMetrics {
    /** The store type in Streams' tags: {@code turbokv-state-id}. */
    static final String SCOPE = "turbokv";

    private final StreamsMetricsImpl streamsMetrics;
    private final List<MetricName> registered = new ArrayList<>();

    private StoreMetrics(StreamsMetricsImpl streamsMetrics) {
        this.streamsMetrics = streamsMetrics;
    }

    /**
     * Registers the metrics of the store named {@code storeName} with the task's Streams metrics; none when the
     * context's metrics are not Kafka Streams' own (a test's context, for one).
     *
     * @param snapshot reads the store's figures; called under no lock of the caller's, on a reporter's thread
     * @return the registration, to {@link #remove()} when the store closes
     */
    static StoreMetrics register(StateStoreContext context, String storeName, Supplier<Snapshot> snapshot) {
        if (!(context.metrics() instanceof StreamsMetricsImpl streamsMetrics)) {
            return new StoreMetrics(null);
        }
        StoreMetrics metrics = new StoreMetrics(streamsMetrics);
        String taskId = context.taskId().toString();
        metrics.add(taskId, storeName, "key-block-cache-hit-ratio",
                "hits over lookups of the key-block cache since the store opened",
                snapshot, s -> s.keyBlockCache().hitRate());
        metrics.add(taskId, storeName, "value-block-cache-hit-ratio",
                "hits over lookups of the value-block cache since the store opened",
                snapshot, s -> s.valueBlockCache().hitRate());
        metrics.add(taskId, storeName, "key-block-cache-usage-bytes", "bytes the key-block cache holds",
                snapshot, s -> s.keyBlockCache().chargedBytes());
        metrics.add(taskId, storeName, "value-block-cache-usage-bytes", "bytes the value-block cache holds",
                snapshot, s -> s.valueBlockCache().chargedBytes());
        metrics.add(taskId, storeName, "get-hits-total", "committed keys found by point reads",
                snapshot, Snapshot::hits);
        metrics.add(taskId, storeName, "get-misses-total", "committed keys not found by point reads",
                snapshot, Snapshot::misses);
        metrics.add(taskId, storeName, "sst-files", "live SST files", snapshot, Snapshot::sstFiles);
        metrics.add(taskId, storeName, "commit-total", "TurboKV commits of the store's writes",
                snapshot, s -> s.commits().commits());
        metrics.add(taskId, storeName, "commit-time-avg-ms", "average time of a TurboKV commit",
                snapshot, s -> s.commits().averageMillis());
        metrics.add(taskId, storeName, "commit-time-total-ms", "total time of the TurboKV commits",
                snapshot, s -> s.commits().nanos() / 1e6);
        metrics.add(taskId, storeName, "commit-bytes-written-total", "bytes the TurboKV commits wrote",
                snapshot, s -> s.commits().bytes());
        metrics.add(taskId, storeName, "commit-keys-written-total", "puts and deletes the TurboKV commits wrote",
                snapshot, s -> s.commits().keys());
        return metrics;
    }

    private <T> void add(String taskId, String storeName, String name, String description,
                         Supplier<Snapshot> snapshot, Function<Snapshot, T> value) {
        Gauge<T> gauge = (config, now) -> value.apply(snapshot.get());
        registered.add(streamsMetrics.addStoreLevelMutableMetric(taskId, SCOPE, storeName, name, description,
                Sensor.RecordingLevel.INFO, gauge));
    }

    /** Removes the metrics registered. Idempotent. */
    void remove() {
        for (MetricName name : registered) {
            streamsMetrics.removeStoreLevelMetric(name);
        }
        registered.clear();
    }

    /**
     * A store's figures at one moment.
     *
     * @param keyBlockCache    the key-block cache (summed over segments)
     * @param valueBlockCache  the value-block cache (summed over segments)
     * @param hits             committed keys found
     * @param misses           committed keys not found
     * @param sstFiles         live SST files
     * @param commits          the TurboKV commits so far
     */
    record Snapshot(CacheStatistics keyBlockCache, CacheStatistics valueBlockCache, long hits, long misses,
                    long sstFiles, Commits commits) {
        /** The figures of a closed store: nothing. */
        static final Snapshot NONE = new Snapshot(emptyCache("key blocks"), emptyCache("value blocks"), 0, 0, 0,
                new Commits());

        /** {@return the figures of a store with these statistics and commits} */
        static Snapshot of(Statistics statistics, Commits commits) {
            return new Snapshot(statistics.keyBlockCache(), statistics.valueBlockCache(), statistics.hits(),
                    statistics.misses(), statistics.sstFiles(), commits);
        }

        /** {@return the sums of this and {@code other}'s figures; the commits are this one's} */
        Snapshot plus(Snapshot other) {
            return new Snapshot(sum(keyBlockCache, other.keyBlockCache), sum(valueBlockCache, other.valueBlockCache),
                    hits + other.hits, misses + other.misses, sstFiles + other.sstFiles, commits);
        }

        private static CacheStatistics emptyCache(String name) {
            return new CacheStatistics(name, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        private static CacheStatistics sum(CacheStatistics a, CacheStatistics b) {
            return new CacheStatistics(a.name(), a.capacityBytes() + b.capacityBytes(), a.items() + b.items(),
                    a.sizeBytes() + b.sizeBytes(), a.chargedBytes() + b.chargedBytes(),
                    a.reservedBytes() + b.reservedBytes(), a.hits() + b.hits(), a.misses() + b.misses(),
                    a.bypasses() + b.bypasses());
        }
    }

    /**
     * The TurboKV commits of a store (of all its segments, for a window or session store, dropped ones included).
     * Written by the store under its lock, read by reporters: the fields are volatile, so a reader may see one
     * commit's figures half added, never torn values.
     */
    static final class Commits {
        private volatile long commits;
        private volatile long nanos;
        private volatile long bytes;
        private volatile long keys;

        /** Adds a commit's figures; the store calls this under its lock. */
        void add(CommitStats stats) {
            commits = commits + 1;
            nanos = nanos + stats.durationNanos();
            bytes = bytes + stats.bytesWritten();
            keys = keys + stats.keysWritten();
        }

        long commits() {
            return commits;
        }

        long nanos() {
            return nanos;
        }

        long bytes() {
            return bytes;
        }

        long keys() {
            return keys;
        }

        double averageMillis() {
            long count = commits;
            return count == 0 ? 0 : nanos / 1e6 / count;
        }
    }
}
