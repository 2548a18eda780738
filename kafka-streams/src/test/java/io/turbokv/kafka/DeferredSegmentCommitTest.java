package io.turbokv.kafka;

import static io.turbokv.kafka.StateDirs.crashImage;
import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Window, session and versioned stores with a changelog keep their Streams commits in memory as the key-value store
 * does ({@link DeferredCommitTest}): reads see them, nothing reaches the disk until a bound, a flush or a clean close,
 * and after a crash (the store's directory copied while it is open) the store reports the offsets of the data on
 * disk, never past it, so that a restore of the changelog after them brings back what was lost. Without a changelog,
 * every commit is written.
 */
@SuppressWarnings("deprecation") // flush: Kafka Streams deprecates it for commit; here it writes what is in memory
class DeferredSegmentCommitTest {
    /** Ten minutes of retention: segments of five minutes (half the retention, at least a minute). */
    private static final Duration RETENTION = Duration.ofMinutes(10);
    /** A time in the segment after the one of time 0. */
    private static final long NEXT_SEGMENT = Duration.ofMinutes(6).toMillis();

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static ConsumerRecord<byte[], byte[]> changelogRecord(TopicPartition changelog, long offset,
                                                                  long timestamp, byte[] key, String value) {
        return new ConsumerRecord<>(changelog.topic(), changelog.partition(), offset, timestamp,
                TimestampType.CREATE_TIME, 0, 0, key, value == null ? null : value(value), new RecordHeaders(),
                Optional.empty());
    }

    /** A window store named w in {@code directory}, with a changelog as Streams would keep one. */
    private static TurboKvWindowStore openWindowStore(Path directory) {
        TurboKvWindowStore store = (TurboKvWindowStore) TurboKvStores.persistentWindowStore("w", RETENTION,
                Duration.ofSeconds(10), false).get();
        store.init(KafkaStoreContext.of(new StubStateStoreContext(directory, Map.of()), true), store);
        return store;
    }

    private static long windowCommits(TurboKvWindowStore store) {
        return store.segments.metricsSnapshot().commits().commits();
    }

    @Test
    void aWindowStoreKeepsItsCommitsInMemoryAcrossSegmentsACrashLosesThemAndARestoreBringsThemBack()
            throws IOException {
        TopicPartition changelog = new TopicPartition("turbokv-test-w-changelog", 0);
        TurboKvWindowStore store = openWindowStore(stateDir);
        try {
            store.put(key("a"), value("1"), 0);
            store.put(key("b"), value("1"), NEXT_SEGMENT);
            store.commit(Map.of(changelog, 1L));
            assertEquals(0, windowCommits(store), "a commit kept in memory");
            store.flush();
            assertEquals(2, windowCommits(store), "one write batch per segment, at the flush");
            store.put(key("a"), value("2"), 0);
            store.put(key("c"), value("1"), NEXT_SEGMENT);
            store.commit(Map.of(changelog, 3L)); // changelog offsets 2 and 3 hold these writes
            assertEquals(2, windowCommits(store));
            assertEquals(3L, store.committedOffset(changelog));
            assertEquals("2", string(store.fetch(key("a"), 0)), "reads see the commits in memory");
            assertEquals("1", string(store.fetch(key("c"), NEXT_SEGMENT)));
            crashImage(stateDir.resolve("w"), stateDir.resolve("crash").resolve("w"));
        } finally {
            store.close();
        }
        TurboKvWindowStore reopened = openWindowStore(stateDir.resolve("crash"));
        try {
            assertEquals(1L, reopened.committedOffset(changelog), "the offsets of the data on disk, not past it");
            assertEquals("1", string(reopened.fetch(key("a"), 0)));
            assertNull(reopened.fetch(key("c"), NEXT_SEGMENT));
            reopened.restoreCallback().restoreBatch(List.of(
                    changelogRecord(changelog, 2, 0, WindowKeySchema.toStoreKeyBinary(key("a"), 0, 0).get(), "2"),
                    changelogRecord(changelog, 3, NEXT_SEGMENT,
                            WindowKeySchema.toStoreKeyBinary(key("c"), NEXT_SEGMENT, 0).get(), "1")));
            reopened.commit(Map.of(changelog, 3L));
            assertEquals("2", string(reopened.fetch(key("a"), 0)), "nothing lost");
            assertEquals("1", string(reopened.fetch(key("c"), NEXT_SEGMENT)));
        } finally {
            reopened.close(); // writes what it kept
        }
        TurboKvWindowStore closedCleanly = openWindowStore(stateDir.resolve("crash"));
        try {
            assertEquals(3L, closedCleanly.committedOffset(changelog), "the clean close wrote the kept commits");
            assertEquals("2", string(closedCleanly.fetch(key("a"), 0)));
            assertEquals("1", string(closedCleanly.fetch(key("c"), NEXT_SEGMENT)));
        } finally {
            closedCleanly.close();
        }
    }

    @Test
    void aCleanCloseDropsWhatStreamsDidNotCommitAndWritesTheRest() {
        TopicPartition changelog = new TopicPartition("turbokv-test-w-changelog", 0);
        TurboKvWindowStore store = openWindowStore(stateDir);
        store.put(key("a"), value("1"), 0);
        store.commit(Map.of(changelog, 0L));
        store.put(key("a"), value("uncommitted"), 0);
        store.put(key("b"), value("uncommitted"), NEXT_SEGMENT);
        store.close();
        TurboKvWindowStore reopened = openWindowStore(stateDir);
        try {
            assertEquals(0L, reopened.committedOffset(changelog));
            assertEquals("1", string(reopened.fetch(key("a"), 0)));
            assertNull(reopened.fetch(key("b"), NEXT_SEGMENT));
        } finally {
            reopened.close();
        }
    }

    /**
     * With {@code enable.transactional.statestores}, a read-committed window query reads the segments' committed
     * entries only, at the committed position, as the key-value store's queries do; a read-uncommitted one reads the
     * write buffers too; a commit makes the writes visible to both.
     */
    @Test
    void readCommittedWindowQueriesOfATransactionalStoreLeaveTheUncommittedWritesOut() {
        TopicPartition changelog = new TopicPartition("turbokv-test-w-changelog", 0);
        StubStateStoreContext context = new StubStateStoreContext(stateDir,
                Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        TurboKvWindowStore store = (TurboKvWindowStore) TurboKvStores.persistentWindowStore("w", RETENTION,
                Duration.ofSeconds(10), false).get();
        store.init(KafkaStoreContext.of(context, true), store);
        try {
            context.recordMetadata = new StubRecordMetadata("in", 0, 1);
            store.put(key("a"), value("1"), 0);
            store.commit(Map.of(changelog, 0L));
            context.recordMetadata = new StubRecordMetadata("in", 0, 2);
            store.put(key("a"), value("2"), 0);
            store.put(key("b"), value("1"), NEXT_SEGMENT);
            assertEquals("[a@0=1, b@" + NEXT_SEGMENT + "=null] at " + inputAt(1),
                    windows(store, IsolationLevel.READ_COMMITTED));
            assertEquals("[a@0=2, b@" + NEXT_SEGMENT + "=1] at " + inputAt(2),
                    windows(store, IsolationLevel.READ_UNCOMMITTED));
            store.commit(Map.of(changelog, 2L));
            assertEquals("[a@0=2, b@" + NEXT_SEGMENT + "=1] at " + inputAt(2),
                    windows(store, IsolationLevel.READ_COMMITTED));
        } finally {
            store.close();
        }
    }

    /** {@return the position of the writes of input partition in-0 up to {@code offset}} */
    private static Position inputAt(long offset) {
        return Position.fromMap(Map.of("in", Map.of(0, offset)));
    }

    /**
     * {@return the answers to a window key query of a and of b, and a window range query, at {@code level}, with the
     * position of the first}
     */
    private static String windows(TurboKvWindowStore store, IsolationLevel level) {
        QueryConfig config = new QueryConfig(false, level);
        List<String> found = new ArrayList<>();
        Position position = null;
        for (String key : List.of("a", "b")) {
            QueryResult<WindowStoreIterator<byte[]>> result = store.query(WindowKeyQuery.withKeyAndWindowStartRange(
                    key(key), Instant.ofEpochMilli(0), Instant.ofEpochMilli(NEXT_SEGMENT)),
                    PositionBound.unbounded(), config);
            position = position == null ? result.getPosition() : position;
            try (WindowStoreIterator<byte[]> windows = result.getResult()) {
                String value = windows.hasNext() ? string(windows.next().value) : null;
                found.add(key + "@" + (key.equals("a") ? 0 : NEXT_SEGMENT) + "=" + value);
            }
        }
        QueryResult<KeyValueIterator<Windowed<Bytes>, byte[]>> range = store.query(
                WindowRangeQuery.withWindowStartRange(Instant.ofEpochMilli(0), Instant.ofEpochMilli(NEXT_SEGMENT)),
                PositionBound.unbounded(), config);
        List<String> ranged = new ArrayList<>();
        try (KeyValueIterator<Windowed<Bytes>, byte[]> windows = range.getResult()) {
            windows.forEachRemaining(entry -> ranged.add(string(entry.key.key().get()) + "@"
                    + entry.key.window().start() + "=" + string(entry.value)));
        }
        List<String> expected = new ArrayList<>();
        for (String entry : found) {
            if (!entry.endsWith("=null")) {
                expected.add(entry);
            }
        }
        assertEquals(expected, ranged, "the range query sees what the key queries see");
        return found + " at " + position;
    }

    /** A versioned store named v in {@code directory}, with a changelog as Streams would keep one. */
    private static TurboKvVersionedStore openVersionedStore(Path directory) {
        TurboKvVersionedStore store = new TurboKvVersionedStore("v", RETENTION.toMillis(), RETENTION.toMillis() / 2,
                TurboKvStores::configByChangelog);
        store.init(KafkaStoreContext.of(new StubStateStoreContext(directory, Map.of()), true), store);
        return store;
    }

    private static String latest(TurboKvVersionedStore store, String key) {
        VersionedRecord<byte[]> record = store.get(key(key));
        return record == null ? null : string(record.value()) + "@" + record.timestamp();
    }

    @Test
    void aVersionedStoreKeepsItsCommitsInMemoryACrashLosesThemAndARestoreBringsThemBack() throws IOException {
        TopicPartition changelog = new TopicPartition("turbokv-test-v-changelog", 0);
        TurboKvVersionedStore store = openVersionedStore(stateDir);
        try {
            store.put(key("a"), value("1"), 10);
            store.commit(Map.of(changelog, 0L));
            store.flush();
            store.put(key("a"), value("2"), 20);
            store.put(key("b"), value("1"), 20);
            store.commit(Map.of(changelog, 2L));
            assertEquals(2L, store.committedOffset(changelog));
            assertEquals("2@20", latest(store, "a"), "reads see the commits in memory");
            assertEquals("1@10", string(store.get(key("a"), 15).value()) + "@" + store.get(key("a"), 15)
                    .timestamp());
            crashImage(stateDir.resolve("v"), stateDir.resolve("crash").resolve("v"));
        } finally {
            store.close();
        }
        TurboKvVersionedStore reopened = openVersionedStore(stateDir.resolve("crash"));
        try {
            assertEquals(0L, reopened.committedOffset(changelog), "the offsets of the data on disk, not past it");
            assertEquals("1@10", latest(reopened, "a"));
            assertNull(latest(reopened, "b"));
            reopened.restoreCallback().restoreBatch(List.of(changelogRecord(changelog, 1, 20, value("a"), "2"),
                    changelogRecord(changelog, 2, 20, value("b"), "1")));
            reopened.commit(Map.of(changelog, 2L));
            assertEquals("2@20", latest(reopened, "a"), "nothing lost");
            assertEquals("1@20", latest(reopened, "b"));
        } finally {
            reopened.close();
        }
        TurboKvVersionedStore closedCleanly = openVersionedStore(stateDir.resolve("crash"));
        try {
            assertEquals(2L, closedCleanly.committedOffset(changelog), "the clean close wrote the kept commits");
            assertEquals("2@20", latest(closedCleanly, "a"));
            assertEquals("1@10", string(closedCleanly.get(key("a"), 15).value()) + "@"
                    + closedCleanly.get(key("a"), 15).timestamp());
        } finally {
            closedCleanly.close();
        }
    }

    /**
     * Under the test driver, which commits after every record: the window, session and versioned stores with a
     * changelog write none of the 60 commits, the window store without one writes each of its 30 records', and the
    * size bound at 0
     * ({@code turbokv.commit.buffer.bytes}) writes each of every store's.
     */
    @Test
    void underTheTestDriverStoresWithAChangelogWriteNoCommitAndABoundOfZeroWritesEach() {
        for (boolean everyCommit : new boolean[] {false, true}) {
            Map<String, Double> commits = driverCommits(everyCommit, 60);
            for (String logged : List.of("windowed", "sessions", "versioned")) {
                // each of the 30 records of a store's input writes it, and each is committed
                assertTrue(everyCommit ? commits.get(logged) >= 30 : commits.get(logged) == 0,
                        () -> logged + ", every commit " + everyCommit + ": " + commits);
            }
            assertTrue(commits.get("unlogged") >= 30, () -> "unlogged: " + commits);
        }
    }

    /** Runs {@code records} records through the stores and {@return each store's TurboKV commits then} */
    private Map<String, Double> driverCommits(boolean everyCommit, int records) {
        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, String> grouped = builder.stream("in", Consumed.with(Serdes.String(),
                Serdes.String())).groupByKey();
        grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10))).count(Materialized.as(
                TurboKvStores.persistentTimestampedWindowStore("windowed", RETENTION, Duration.ofSeconds(10),
                        false)));
        grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10))).count(
                Materialized.<String, Long>as(TurboKvStores.persistentTimestampedWindowStore("unlogged", RETENTION,
                        Duration.ofSeconds(10), false)).withLoggingDisabled());
        grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(Duration.ofSeconds(5))).count(
                Materialized.as(TurboKvStores.persistentSessionStore("sessions", RETENTION)));
        builder.table("table", Consumed.with(Serdes.String(), Serdes.String()), Materialized.as(
                TurboKvStores.persistentVersionedKeyValueStore("versioned", RETENTION)));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deferred-segments");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(everyCommit ? "every" : "deferred").toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        if (everyCommit) {
            props.put(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0);
        }
        Map<String, Double> commits = new HashMap<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.String().serializer());
            TestInputTopic<String, String> table = driver.createInputTopic("table", Serdes.String().serializer(),
                    Serdes.String().serializer());
            for (int i = 0; i < records / 2; i++) {
                in.pipeInput("k" + i % 7, "x", 1_000L * i);
                table.pipeInput("k" + i % 7, "v" + i, 1_000L * i);
            }
            for (Map.Entry<MetricName, ? extends Metric> metric : driver.metrics().entrySet()) {
                MetricName name = metric.getKey();
                String store = name.tags().get("turbokv-state-id");
                if (store != null && name.name().equals("commit-total")) {
                    commits.put(store, ((Number) metric.getValue().metricValue()).doubleValue());
                }
            }
        }
        return commits;
    }
}
