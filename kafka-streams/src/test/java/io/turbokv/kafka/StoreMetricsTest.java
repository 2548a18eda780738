package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's statistics and commits of every TurboKV store show as Kafka Streams store-level metrics (group
 * {@code stream-state-metrics}, tag {@code turbokv-state-id}) with values that follow what the topology did, and
 * go away with the store.
 */
class StoreMetricsTest {
    private static final int KEYS = 30;
    private static final int RECORDS = 300;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void storeMetricsAppearInTheStreamsMetricsWithTheStoresFigures() {
        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, String> grouped = builder.stream("in", Consumed.with(Serdes.String(),
                Serdes.String())).groupByKey();
        grouped.count(Materialized.as(TurboKvStores.persistentTimestampedKeyValueStore("counts")));
        grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10)))
                .count(Materialized.as(TurboKvStores.persistentTimestampedWindowStore("windowed",
                        Duration.ofMinutes(5), Duration.ofSeconds(10), false)));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // every Streams commit written, so that the commit metrics have commits to count (by default the key-value
        // store keeps them in memory: DeferredCommitTest)
        props.put(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0);
        TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props);
        try (driver) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.String().serializer());
            for (int i = 0; i < RECORDS; i++) {
                in.pipeInput("k" + i % KEYS, "v", i * 10L);
            }
            Map<String, Object> counts = storeMetrics(driver, "counts");
            // the driver commits after every record: each record's write is a commit of the store, and the task's
            // first commit records the changelog offsets alone
            double commits = number(counts, "commit-total");
            assertTrue(commits >= RECORDS && commits <= RECORDS + 1, () -> counts.toString());
            assertTrue(number(counts, "commit-keys-written-total") >= RECORDS, "each commit writes its record");
            assertTrue(number(counts, "commit-bytes-written-total") > 0);
            assertTrue(number(counts, "commit-time-total-ms") > 0);
            assertTrue(number(counts, "commit-time-avg-ms") > 0);
            // each count reads its key from the engine: a miss the first time, a hit after; the store's open reads
            // its position and offsets, none there yet
            assertEquals((double) KEYS + 2, number(counts, "get-misses-total"));
            assertEquals((double) (RECORDS - KEYS), number(counts, "get-hits-total"));
            for (String ratio : new String[] {"key-block-cache-hit-ratio", "value-block-cache-hit-ratio"}) {
                double value = number(counts, ratio);
                assertTrue(value >= 0 && value <= 1, () -> ratio + " " + value);
            }
            assertTrue(number(counts, "key-block-cache-usage-bytes") >= 0);
            assertTrue(number(counts, "sst-files") > 0);

            Map<String, Object> windowed = storeMetrics(driver, "windowed");
            double windowCommits = number(windowed, "commit-total");
            assertTrue(windowCommits >= RECORDS && windowCommits <= RECORDS + 1, () -> windowed.toString());
            assertTrue(number(windowed, "sst-files") > 0, "the sums over the window store's segments");
            assertTrue(number(windowed, "get-hits-total") + number(windowed, "get-misses-total") > 0);
        }
        assertEquals(Map.of(), storeMetrics(driver, "counts"), "a closed store's metrics are removed");
    }

    /** The TurboKV metrics of the store named {@code store}, by metric name. */
    private static Map<String, Object> storeMetrics(TopologyTestDriver driver, String store) {
        Map<String, Object> values = new HashMap<>();
        for (Map.Entry<MetricName, ? extends Metric> metric : driver.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if (name.group().equals("stream-state-metrics") && store.equals(name.tags().get("turbokv-state-id"))) {
                values.put(name.name(), metric.getValue().metricValue());
            }
        }
        return values;
    }

    private static double number(Map<String, Object> metrics, String name) {
        Object value = metrics.get(name);
        assertTrue(value instanceof Number, () -> name + " is " + value + " in " + metrics);
        return ((Number) value).doubleValue();
    }
}
