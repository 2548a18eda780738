package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedBytesStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TurboKV's stores against Kafka's RocksDB stores driven directly with the same calls (Kafka's through
 * {@link KafkaStoreContext}), for what a topology does not reach easily: the position a store commits after puts it
 * dropped, timestamps at {@link Long#MAX_VALUE} (the versioned store's "no validTo"), and the task's
 * {@code dropped-records} metric, which Kafka's stores record for every put they drop as expired, and the isolation
 * level of interactive queries.
 */
class DirectStoreParityTest {
    /** The recording level Kafka's RocksDB store reads at init. */
    private static final Map<String, Object> CONFIGS = Map.of(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "INFO");
    private static final QueryConfig CONFIG = new QueryConfig(false);
    private static final TopicPartition CHANGELOG = new TopicPartition("v-changelog", 0);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    @Test
    void aCommitAfterOnlyDroppedPutsKeepsThePositionTheyMoved() {
        Duration retention = Duration.ofMillis(1_000);
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            for (boolean sameOffsets : new boolean[] {true, false}) {
                List<String> kafka = droppedPutsThenReopen(() -> Stores.persistentVersionedKeyValueStore("v",
                        retention).get(), true, sameOffsets);
                List<String> turbokv = droppedPutsThenReopen(() -> TurboKvStores.persistentVersionedKeyValueStore(
                        "v", retention).get(), false, sameOffsets);
                assertEquals(kafka.subList(0, 4), turbokv.subList(0, 4), "same offsets: " + sameOffsets);
                assertEquals("position Position{position={in={0=9}}}", turbokv.get(3));
                // Kafka's store reopens with no position here (it keeps none across a restart outside Streams'
                // checkpoints); TurboKV's commits its position with the data, so it reopens where it was
                assertEquals(turbokv.subList(3, 5), turbokv.subList(5, 7), "reopened: " + sameOffsets);
            }
            assertTrue(warnings.messages().stream().allMatch(m -> m.contains("expired")), "the dropped puts");
        }
    }

    /**
     * Puts at offset 5, commits; puts older than the grace period at offsets 7 and 9 (dropped, yet they move the
     * position in Kafka's store), commits with the same offsets or none; reports the position and the latest
     * version, then again after a reopen.
     */
    private List<String> droppedPutsThenReopen(Supplier<StateStore> supplier, boolean kafka, boolean sameOffsets) {
        Path taskDir = taskDir();
        List<String> answers = new ArrayList<>();
        StubStateStoreContext context = new StubStateStoreContext(taskDir, CONFIGS);
        VersionedBytesStore store = open(supplier, context, kafka);
        try {
            context.recordMetadata = new StubRecordMetadata("in", 0, 5);
            answers.add("put " + store.put(key("k"), value("1"), 10_000));
            commit(store, context, Map.of(CHANGELOG, 1L));
            for (long offset : new long[] {7, 9}) {
                context.recordMetadata = new StubRecordMetadata("in", 0, offset);
                answers.add("put " + store.put(key("k"), value("old"), 1_000));
            }
            commit(store, context, sameOffsets ? Map.of(CHANGELOG, 1L) : Map.of());
            answers.add("position " + store.getPosition());
            answers.add("latest " + render(store.get(key("k"))));
        } finally {
            store.close();
        }
        StubStateStoreContext reopenedContext = new StubStateStoreContext(taskDir, CONFIGS);
        VersionedBytesStore reopened = open(supplier, reopenedContext, kafka);
        try {
            answers.add("position " + reopened.getPosition());
            answers.add("latest " + render(reopened.get(key("k"))));
        } finally {
            reopened.close();
        }
        return answers;
    }

    @Test
    void keyAndRangeQueriesHonourTheIsolationLevelAsKafkasStore() {
        for (boolean transactional : new boolean[] {true, false}) {
            List<String> kafka = isolation(Stores.persistentKeyValueStore("kv").get(), true, transactional);
            List<String> turbokv = isolation(TurboKvStores.persistentKeyValueStore("kv").get(), false, transactional);
            assertEquals(kafka, turbokv, "transactional: " + transactional);
        }
    }

    /**
     * Commits {@code a}, then writes {@code a} and {@code b} and deletes {@code c} without committing, and asks key
     * and range queries at both isolation levels, with a position bound the uncommitted writes reach too, before and
     * after the next commit; returns the answers. (A bounded range is left out: Kafka's transactional store answers
     * one at {@code READ_UNCOMMITTED} with keys past the bound and keys deleted.)
     */
    private List<String> isolation(KeyValueStore<Bytes, byte[]> store, boolean kafka, boolean transactional) {
        Map<String, Object> configs = new java.util.HashMap<>(CONFIGS);
        configs.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, transactional);
        StubStateStoreContext context = new StubStateStoreContext(taskDir(), configs);
        store.init(context(kafka, context), store);
        List<String> answers = new ArrayList<>();
        try {
            context.recordMetadata = new StubRecordMetadata("in", 0, 1);
            store.put(key("a"), value("1"));
            store.put(key("c"), value("3"));
            commit(store, context, Map.of(CHANGELOG, 1L));
            context.recordMetadata = new StubRecordMetadata("in", 0, 2);
            store.put(key("a"), value("2"));
            store.put(key("b"), value("2"));
            store.delete(key("c"));
            for (int round = 0; round < 2; round++) {
                for (IsolationLevel level : IsolationLevel.values()) {
                    QueryConfig config = new QueryConfig(false, level);
                    for (String key : List.of("a", "b", "c")) {
                        answers.add(round + " " + level + " " + key + ": "
                                + renderAnswer(store.query(KeyQuery.withKey(key(key)), PositionBound.unbounded(),
                                        config)));
                    }
                    answers.add(round + " " + level + " range: " + renderAnswer(store.query(
                            RangeQuery.withNoBounds(), PositionBound.unbounded(), config)));
                    answers.add(round + " " + level + " bound at 2: " + renderAnswer(store.query(
                            KeyQuery.withKey(key("a")), PositionBound.at(Position.fromMap(Map.of("in",
                                    Map.of(0, 2L)))),
                            config)));
                }
                commit(store, context, Map.of(CHANGELOG, 2L));
            }
        } finally {
            store.close();
        }
        return answers;
    }

    /** Renders a key or range query's answer (closing an iterator) and the position it reports. */
    @SuppressWarnings("unchecked")
    private static String renderAnswer(QueryResult<?> result) {
        if (result.isFailure()) {
            return result.getFailureReason().toString();
        }
        Object value = result.getResult();
        String rendered;
        if (value instanceof org.apache.kafka.streams.state.KeyValueIterator<?, ?> iterator) {
            List<String> entries = new ArrayList<>();
            try (var entriesOf = (org.apache.kafka.streams.state.KeyValueIterator<Bytes, byte[]>) iterator) {
                entriesOf.forEachRemaining(entry -> entries.add(new String(entry.key.get(), StandardCharsets.UTF_8)
                        + "=" + new String(entry.value, StandardCharsets.UTF_8)));
            }
            rendered = entries.toString();
        } else {
            rendered = value == null ? "null" : new String((byte[]) value, StandardCharsets.UTF_8);
        }
        return rendered + " at " + result.getPosition();
    }

    /** Commits as Kafka Streams does: the store with the changelog offsets, then the store's checkpoint callback. */
    private static void commit(StateStore store, StubStateStoreContext context, Map<TopicPartition, Long> offsets) {
        store.commit(offsets);
        if (context.commitCallback != null) {
            try {
                context.commitCallback.onCommit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void timestampsAtLongMaxValueMatchKafkasVersionedStore() {
        // the longest history retention: nothing expires, so puts far before a version at Long.MAX_VALUE are kept
        List<String> script = List.of("p a 1 100", "p a 2 MAX", "p a 3 50", "p a 4 200", "p a 5 MAX", "d a 300",
                "p b 1 MAX", "p b 2 10", "d b 20", "p b 3 30", "d c MAX", "p c 1 5", "p c 2 MAX", "d d 40",
                "p d 1 MAX", "p d 2 60");
        for (Duration retention : List.of(Duration.ofMillis(Long.MAX_VALUE), Duration.ofMillis(1_000))) {
            try (CapturedWarnings warnings = new CapturedWarnings()) {
                List<String> kafka = runScript(() -> Stores.persistentVersionedKeyValueStore("v", retention,
                        Duration.ofMillis(1_000)).get(), true, script);
                List<String> turbokv = runScript(() -> TurboKvStores.persistentVersionedKeyValueStore("v",
                        retention, Duration.ofMillis(1_000)).get(), false, script);
                assertEquals(kafka, turbokv, "retention " + retention);
                assertTrue(warnings.messages().stream().allMatch(m -> m.contains("expired")), "puts far back");
            }
        }
    }

    /**
     * Runs {@code script} ({@code p key value time} puts, {@code d key time} deletes; {@code MAX} is
     * {@link Long#MAX_VALUE}) and then reads every key as of times around the script's and its history; returns
     * every answer.
     */
    private List<String> runScript(Supplier<StateStore> supplier, boolean kafka, List<String> script) {
        StubStateStoreContext context = new StubStateStoreContext(taskDir(), CONFIGS);
        VersionedBytesStore store = open(supplier, context, kafka);
        try {
            List<String> answers = new ArrayList<>();
            for (String op : script) {
                String[] parts = op.split(" ");
                if (parts[0].equals("p")) {
                    answers.add(op + " -> " + store.put(key(parts[1]), value(parts[2]), time(parts[3])));
                } else {
                    answers.add(op + " -> " + render(store.delete(key(parts[1]), time(parts[2]))));
                }
            }
            for (String key : List.of("a", "b", "c", "d")) {
                answers.add(key + " latest " + ask(store, VersionedKeyQuery.withKey(key(key))));
                for (long asOf : new long[] {0, 5, 10, 25, 50, 60, 150, 250, 400, Long.MAX_VALUE - 1,
                        Long.MAX_VALUE}) {
                    answers.add(key + " as of " + asOf + " " + ask(store, VersionedKeyQuery.withKey(key(key))
                            .asOf(Instant.ofEpochMilli(asOf))));
                }
                answers.add(key + " history " + ask(store, MultiVersionedKeyQuery.withKey(key(key))
                        .fromTime(Instant.ofEpochMilli(0)).toTime(Instant.ofEpochMilli(Long.MAX_VALUE))));
            }
            return answers;
        } finally {
            store.close();
        }
    }

    @Test
    void droppedPutsAreCountedInTheDroppedRecordsMetricAsKafkasStoresCountThem() {
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            String kafka = dropped(() -> Stores.persistentVersionedKeyValueStore("v", Duration.ofMillis(1_000)).get(),
                    () -> Stores.persistentTimestampedWindowStore("w", Duration.ofMinutes(5), Duration.ofSeconds(10),
                            false).get(),
                    () -> Stores.persistentSessionStore("s", Duration.ofMinutes(5)).get(), true);
            String turbokv = dropped(() -> TurboKvStores.persistentVersionedKeyValueStore("v",
                    Duration.ofMillis(1_000)).get(),
                    () -> TurboKvStores.persistentTimestampedWindowStore("w", Duration.ofMinutes(5),
                            Duration.ofSeconds(10), false).get(),
                    () -> TurboKvStores.persistentSessionStore("s", Duration.ofMinutes(5)).get(), false);
            assertEquals(kafka, turbokv);
            assertTrue(kafka.contains("versioned 5.0"), kafka);
            assertTrue(warnings.messages().stream().allMatch(m -> m.contains("expired")), "the dropped writes");
        }
    }

    /**
     * Feeds a versioned, a window and a session store writes of which some are too old (puts and deletes beyond the
     * grace period, window and session writes to an expired segment), each store in a task of its own; returns the
     * task's {@code dropped-records-total} after each.
     */
    @SuppressWarnings("unchecked")
    private String dropped(Supplier<StateStore> versioned, Supplier<StateStore> window, Supplier<StateStore> session,
                           boolean kafka) {
        List<String> answers = new ArrayList<>();
        StubStateStoreContext context = new StubStateStoreContext(taskDir(), CONFIGS);
        VersionedBytesStore v = open(versioned, context, kafka);
        try {
            for (long time : new long[] {10_000, 20_000, 5_000, 19_500, 1_000, 18_000}) {
                v.put(key("k"), value("x"), time);
            }
            v.delete(key("k"), 2_000);
            v.delete(key("k"), 19_900);
            v.put(key("k"), null, 3_000);
        } finally {
            v.close();
        }
        answers.add("versioned " + droppedRecords(context));
        context = new StubStateStoreContext(taskDir(), CONFIGS);
        WindowStore<Bytes, byte[]> w = (WindowStore<Bytes, byte[]>) window.get();
        w.init(context(kafka, context), w);
        try {
            for (long start : new long[] {1_000_000, 2_000_000, 10_000, 1_900_000, 50_000}) {
                w.put(key("k"), value("x"), start);
            }
        } finally {
            w.close();
        }
        answers.add("window " + droppedRecords(context));
        context = new StubStateStoreContext(taskDir(), CONFIGS);
        SessionStore<Bytes, byte[]> s = (SessionStore<Bytes, byte[]>) session.get();
        s.init(context(kafka, context), s);
        try {
            for (long end : new long[] {1_000_000, 2_000_000, 10_000, 1_900_000}) {
                s.put(new Windowed<>(key("k"), new SessionWindow(end - 10, end)), value("x"));
            }
            s.remove(new Windowed<>(key("k"), new SessionWindow(20_000, 30_000)));
        } finally {
            s.close();
        }
        answers.add("session " + droppedRecords(context));
        return String.join("; ", answers);
    }

    /** {@return the task's {@code dropped-records-total}, or "none" when no store registered it} */
    private static String droppedRecords(StubStateStoreContext context) {
        for (Map.Entry<MetricName, ? extends Metric> metric : context.metrics.metrics().entrySet()) {
            if (metric.getKey().name().equals("dropped-records-total")
                    && metric.getKey().group().equals("stream-task-metrics")) {
                return String.valueOf(metric.getValue().metricValue());
            }
        }
        return "none";
    }

    /** Opens the versioned store {@code supplier} makes, in {@code context}; {@code kafka} for one of Kafka's. */
    private static VersionedBytesStore open(Supplier<StateStore> supplier, StubStateStoreContext context,
                                            boolean kafka) {
        VersionedBytesStore store = (VersionedBytesStore) supplier.get();
        store.init(context(kafka, context), store);
        return store;
    }

    /** {@return {@code stub}, or for one of Kafka's stores the internal context it needs} */
    private static org.apache.kafka.streams.processor.StateStoreContext context(boolean kafka,
                                                                                StubStateStoreContext stub) {
        return kafka ? KafkaStoreContext.of(stub) : stub;
    }

    private Path taskDir() {
        Path taskDir = stateDir.resolve("task" + runs++);
        try {
            Files.createDirectories(taskDir); // Streams creates the task's directory before its stores
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return taskDir;
    }

    private static String ask(StateStore store, Query<?> query) {
        return QueryAnswers.ask(store, query, CONFIG, false);
    }

    private static String render(byte[] valueAndTimestamp) {
        return valueAndTimestamp == null ? "null" : Arrays.toString(valueAndTimestamp);
    }

    private static long time(String time) {
        return time.equals("MAX") ? Long.MAX_VALUE : Long.parseLong(time);
    }

}
