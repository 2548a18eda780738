package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Windowed and session topologies on Kafka's default (RocksDB) stores and on TurboKV's, over the same input, which
 * runs long enough for retention to drop segments: same output records (key, window, value, timestamp), same store
 * contents and the same answers to the stores' reads.
 */
class WindowParityTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final Duration RETENTION = Duration.ofMinutes(2);
    private static final PositionBound REACHED = PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 10L))));
    private static final PositionBound AHEAD = PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 1L << 40))));

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    @Test
    void windowedCountMatchesKafkasStoreWithAndWithoutTheRecordCache() {
        List<TestRecord<String, String>> input = events(700, 20, 5);
        for (boolean caching : List.of(false, true)) {
            Function<WindowBytesStoreSupplier, Topology> topology = supplier -> {
                Materialized<String, Long, WindowStore<Bytes, byte[]>> materialized = supplier == null
                        ? Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("wcounts").withRetention(RETENTION)
                        : Materialized.as(supplier);
                materialized = materialized.withKeySerde(Serdes.String()).withValueSerde(Serdes.Long());
                StreamsBuilder builder = new StreamsBuilder();
                builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                        .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, GRACE))
                        .count(caching ? materialized.withCachingEnabled() : materialized.withCachingDisabled())
                        .toStream()
                        .map((key, count) -> KeyValue.pair(render(key), String.valueOf(count)))
                        .to("out", Produced.with(Serdes.String(), Serdes.String()));
                return builder.build();
            };
            List<String> expected = run(topology.apply(null), input);
            List<String> actual = run(topology.apply(TurboKvStores.persistentTimestampedWindowStore("wcounts",
                    RETENTION, WINDOW, false)), input);
            assertEquals(expected, actual, "caching " + caching);
            assertTrue(expected.size() > input.size() / 2, "the output and the reads are not empty");
            assertTrue(actual.stream().anyMatch(line -> line.startsWith("WindowKeyQuery") && line.contains(": [1")),
                    "IQv2 window key query answered: " + actual.subList(actual.size() - 5, actual.size()));
        }
    }

    @Test
    void sessionCountMatchesKafkasStoreWithAndWithoutTheRecordCache() {
        List<TestRecord<String, String>> input = events(700, 20, 6);
        for (boolean caching : List.of(false, true)) {
            Function<SessionBytesStoreSupplier, Topology> topology = supplier -> {
                Materialized<String, Long, SessionStore<Bytes, byte[]>> materialized = supplier == null
                        ? Materialized.<String, Long, SessionStore<Bytes, byte[]>>as("scounts")
                                .withRetention(RETENTION)
                        : Materialized.as(supplier);
                materialized = materialized.withKeySerde(Serdes.String()).withValueSerde(Serdes.Long());
                StreamsBuilder builder = new StreamsBuilder();
                builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                        .windowedBy(SessionWindows.ofInactivityGapAndGrace(WINDOW, GRACE))
                        .count(caching ? materialized.withCachingEnabled() : materialized.withCachingDisabled())
                        .toStream()
                        .map((key, count) -> KeyValue.pair(render(key), String.valueOf(count)))
                        .to("out", Produced.with(Serdes.String(), Serdes.String()));
                return builder.build();
            };
            List<String> expected = runSessions(topology.apply(null), input);
            List<String> actual = runSessions(topology.apply(TurboKvStores.persistentSessionStore("scounts",
                    RETENTION)), input);
            assertEquals(expected, actual, "caching " + caching);
            assertTrue(expected.size() > input.size() / 2, "the output is not empty");
            assertTrue(actual.stream().anyMatch(line -> line.startsWith("WindowRangeQuery") && line.contains(": [k4")),
                    "IQv2 session query answered: " + actual.subList(actual.size() - 4, actual.size()));
        }
    }

    /** Feeds the input; renders the output and the session store's reads (forward and backward). */
    private List<String> runSessions(Topology topology, List<TestRecord<String, String>> input) {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, config())) {
            driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer())
                    .pipeRecordList(input);
            List<String> rendered = new ArrayList<>();
            driver.createOutputTopic("out", Serdes.String().deserializer(), Serdes.String().deserializer())
                    .readRecordsToList().forEach(r -> rendered.add(r.key() + "=" + r.value() + "@" + r.timestamp()));
            SessionStore<String, Long> store = driver.getSessionStore("scounts");
            long end = input.getLast().timestamp();
            rendered.add("k4: " + sessions(store.fetch("k4")));
            rendered.add("k4 backward: " + sessions(store.backwardFetch("k4")));
            rendered.add("range: " + sessions(store.fetch("k3", "k7")));
            rendered.add("backwardRange: " + sessions(store.backwardFetch("k1", "k5")));
            rendered.add("find: " + sessions(store.findSessions("k2", end - 60_000, end - 20_000)));
            rendered.add("findRange: " + sessions(store.findSessions("k1", "k9", end - 90_000, end)));
            rendered.add("backwardFind: " + sessions(store.backwardFindSessions("k1", "k9", end - 90_000,
                    end - 30_000)));
            rendered.add(ask(store, WindowRangeQuery.withKey("k4"), REACHED));
            rendered.add(ask(store, WindowRangeQuery.withKey("k4"), AHEAD));
            rendered.add(ask(store, WindowRangeQuery.withWindowStartRange(Instant.EPOCH, Instant.ofEpochMilli(end)),
                    PositionBound.unbounded()));
            rendered.add(ask(store, WindowKeyQuery.withKeyAndWindowStartRange("k4", Instant.EPOCH,
                    Instant.ofEpochMilli(end)), PositionBound.unbounded()));
            return rendered;
        }
    }

    private static String sessions(KeyValueIterator<Windowed<String>, Long> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> entries.add(render(kv.key) + "=" + kv.value));
        }
        return entries.toString();
    }

    @Test
    void streamStreamJoinMatchesKafkasStoresThroughTheDslSuppliers() {
        List<TestRecord<String, String>> lefts = events(400, 10, 8);
        List<TestRecord<String, String>> rights = events(400, 10, 9);
        List<List<String>> outputs = new ArrayList<>();
        for (boolean turbokv : List.of(false, true)) {
            Properties props = config();
            if (turbokv) {
                props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, TurboKvDslStoreSuppliers.class);
            }
            // a join's stores take the suppliers of the configuration the builder is given
            StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
            KStream<String, String> left = builder.stream("left", Consumed.with(Serdes.String(), Serdes.String()));
            KStream<String, String> right = builder.stream("right", Consumed.with(Serdes.String(), Serdes.String()));
            left.join(right, (l, r) -> l + "+" + r, JoinWindows.ofTimeDifferenceAndGrace(WINDOW, GRACE),
                    StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()))
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
                TestInputTopic<String, String> leftIn = driver.createInputTopic("left", Serdes.String().serializer(),
                        Serdes.String().serializer());
                TestInputTopic<String, String> rightIn = driver.createInputTopic("right",
                        Serdes.String().serializer(), Serdes.String().serializer());
                for (int i = 0; i < lefts.size(); i++) {
                    leftIn.pipeInput(lefts.get(i));
                    rightIn.pipeInput(rights.get(i));
                }
                if (turbokv) {
                    assertTrue(hasTurboKvSegments(stateDir.resolve("run" + (runs - 1))), "the join's stores are "
                            + "TurboKV's");
                }
                outputs.add(driver.createOutputTopic("out", Serdes.String().deserializer(),
                        Serdes.String().deserializer()).readRecordsToList().stream()
                        .map(r -> r.key() + "=" + r.value() + "@" + r.timestamp()).toList());
            }
        }
        assertTrue(outputs.get(0).size() > 100, outputs.get(0).size() + " joined records");
        assertEquals(outputs.get(0), outputs.get(1));
    }

    /** Feeds the input; renders the output, the store's contents and its reads (forward and backward). */
    private List<String> run(Topology topology, List<TestRecord<String, String>> input) {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, config())) {
            driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer())
                    .pipeRecordList(input);
            List<String> rendered = new ArrayList<>();
            driver.createOutputTopic("out", Serdes.String().deserializer(), Serdes.String().deserializer())
                    .readRecordsToList().forEach(r -> rendered.add(r.key() + "=" + r.value() + "@" + r.timestamp()));
            WindowStore<String, ValueAndTimestamp<Long>> store = driver.getTimestampedWindowStore("wcounts");
            long end = input.getLast().timestamp();
            rendered.add("all: " + windowed(store.all()));
            rendered.add("backwardAll: " + windowed(store.backwardAll()));
            rendered.add("fetchAll: " + windowed(store.fetchAll(end - 60_000, end - 20_000)));
            rendered.add("range: " + windowed(store.fetch("k3", "k7", end - 90_000, end)));
            rendered.add("backwardRange: " + windowed(store.backwardFetch("k1", "k5", 0, end)));
            rendered.add("k4: " + windows(store.fetch("k4", 0, end)));
            rendered.add(
                    "k4 backward: " + windows(store.backwardFetch("k4", Instant.EPOCH, Instant.ofEpochMilli(end))));
            rendered.add("point: " + render(store.fetch("k2", end / 10_000 * 10_000)));
            rendered.add("expired: " + render(store.fetch("k2", input.getFirst().timestamp() / 10_000 * 10_000)));
            Instant from = Instant.ofEpochMilli(end - 60_000);
            Instant to = Instant.ofEpochMilli(end);
            rendered.add(ask(store, WindowKeyQuery.withKeyAndWindowStartRange("k4", from, to), REACHED));
            rendered.add(ask(store, WindowKeyQuery.withKeyAndWindowStartRange("k4", from, to), AHEAD));
            rendered.add(ask(store, WindowRangeQuery.withWindowStartRange(from, to), PositionBound.unbounded()));
            rendered.add(ask(store, WindowRangeQuery.withKey("k4"), PositionBound.unbounded()));
            rendered.add(ask(store, KeyQuery.withKey("k4"), PositionBound.unbounded()));
            return rendered;
        }
    }

    /** Asks an interactive query (IQv2) and renders the answer: result or failure reason, and position. */
    private static String ask(StateStore store, Query<?> query, PositionBound bound) {
        QueryResult<?> result = store.query(query, bound, new QueryConfig(false));
        String answer;
        if (result.isFailure()) {
            answer = String.valueOf(result.getFailureReason());
        } else {
            List<String> entries = new ArrayList<>();
            try (KeyValueIterator<?, ?> iterator = (KeyValueIterator<?, ?>) result.getResult()) {
                iterator.forEachRemaining(kv -> entries.add((kv.key instanceof Windowed<?> w
                        ? w.key() + "[" + w.window().start() + "," + w.window().end() + ")" : String.valueOf(kv.key))
                        + "=" + (kv.value instanceof ValueAndTimestamp<?> vt ? vt.value() + "@" + vt.timestamp()
                                : kv.value)));
            }
            answer = entries.toString();
        }
        Position position = result.getPosition();
        return query.getClass().getSimpleName() + " " + bound + ": " + answer + " at "
                + (position == null ? "none" : position.getPartitionPositions("in"));
    }

    private static String windowed(KeyValueIterator<Windowed<String>, ValueAndTimestamp<Long>> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> entries.add(render(kv.key) + "=" + render(kv.value)));
        }
        return entries.toString();
    }

    private static String windows(WindowStoreIterator<ValueAndTimestamp<Long>> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> entries.add(kv.key + "=" + render(kv.value)));
        }
        return entries.toString();
    }

    private static String render(Windowed<String> key) {
        return key.key() + "[" + key.window().start() + "," + key.window().end() + ")";
    }

    private static String render(ValueAndTimestamp<Long> value) {
        return value == null ? "null" : value.value() + "@" + value.timestamp();
    }

    private static boolean hasTurboKvSegments(Path runDir) {
        try (Stream<Path> files = Files.walk(runDir)) {
            return files.anyMatch(file -> file.getFileName().toString().equals("SCHEMA")
                    && file.getParent().getFileName().toString().contains("JOIN"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keyed events over several minutes (so that segments expire), now and then out of order. */
    private static List<TestRecord<String, String>> events(int count, int keys, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<TestRecord<String, String>> events = new ArrayList<>(count);
        long time = 1_000_000;
        for (int i = 0; i < count; i++) {
            time += random.nextInt(-3_000, 5_000);
            events.add(new TestRecord<>("k" + random.nextInt(keys), "v" + i, Instant.ofEpochMilli(time)));
        }
        return events;
    }

    private Properties config() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "windows");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("run" + runs++).toString());
        return props;
    }
}
