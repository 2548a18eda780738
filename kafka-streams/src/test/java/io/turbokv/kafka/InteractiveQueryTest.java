package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.TimestampedKeyQuery;
import org.apache.kafka.streams.query.TimestampedRangeQuery;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interactive queries (IQv2) on a DSL count, asked through Kafka Streams' layers (metered, caching, logging) of a
 * TurboKV store and of Kafka's default store: every answer (success or failure reason, result, position) must be
 * the same; with the record cache on and off.
 */
class InteractiveQueryTest {
    private static final QueryConfig CONFIG = new QueryConfig(false);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    @Test
    void answersMatchKafkasDefaultStoreWithoutTheRecordCache() {
        List<String> turbokv = answers(TurboKvStores.persistentTimestampedKeyValueStore("counts"), false);
        assertEquals(answers(null, false), turbokv);
        assertTrue(turbokv.contains("TimestampedKeyQuery a: <2,1000> at {in={0=3}}"), turbokv.toString());
        assertTrue(turbokv.contains("TimestampedRangeQuery to b desc: [b=<1,700>, a=<2,1000>] at {in={0=3}}"),
                turbokv.toString());
        assertTrue(turbokv.contains("TimestampedKeyQuery a ahead: NOT_UP_TO_BOUND"), turbokv.toString());
        assertTrue(turbokv.contains("WindowKeyQuery: UNKNOWN_QUERY_TYPE"), turbokv.toString());
    }

    @Test
    void answersMatchKafkasDefaultStoreWithTheRecordCache() {
        assertEquals(answers(null, true), answers(TurboKvStores.persistentTimestampedKeyValueStore("counts"), true));
    }

    @Test
    void theStoreAnswersRawQueriesDirectlyWithTheTaskPartitionsBound() {
        StubStateStoreContext context = new StubStateStoreContext(stateDir);
        KeyValueStore<Bytes, byte[]> store = TurboKvStores.persistentKeyValueStore("raw").get();
        store.init(context, store);
        try {
            store.put(Bytes.wrap(new byte[] {1}), new byte[] {10});
            QueryResult<byte[]> hit = store.query(KeyQuery.withKey(Bytes.wrap(new byte[] {1})),
                    PositionBound.unbounded(), new QueryConfig(true));
            assertTrue(hit.isSuccess());
            assertEquals(10, hit.getResult()[0]);
            assertTrue(hit.getExecutionInfo().getFirst().startsWith("Handled in "), hit.getExecutionInfo().toString());
            // the stub context's task is partition 0 and no record has been seen: a bound on partition 1 does not
            // apply, one on partition 0 is not reached
            PositionBound otherPartition = PositionBound.at(Position.fromMap(Map.of("t", Map.of(1, 5L))));
            assertTrue(store.query(KeyQuery.withKey(Bytes.wrap(new byte[] {1})), otherPartition, CONFIG).isSuccess());
            PositionBound ownPartition = PositionBound.at(Position.fromMap(Map.of("t", Map.of(0, 0L))));
            assertEquals(FailureReason.NOT_UP_TO_BOUND, store.query(KeyQuery.withKey(Bytes.wrap(new byte[] {1})),
                    ownPartition, CONFIG).getFailureReason());
        } finally {
            store.close();
        }
    }

    /** Feeds a count and asks it every query type, rendering each answer. */
    private List<String> answers(KeyValueBytesStoreSupplier supplier, boolean caching) {
        StreamsBuilder builder = new StreamsBuilder();
        Materialized<String, Long, KeyValueStore<Bytes, byte[]>> materialized = supplier == null
                ? Materialized.as("counts") : Materialized.as(supplier);
        materialized = materialized.withKeySerde(Serdes.String()).withValueSerde(Serdes.Long());
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(caching ? materialized.withCachingEnabled() : materialized.withCachingDisabled());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "iq");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("run" + runs++).toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.String().serializer());
            in.pipeInput("a", "x", Instant.ofEpochMilli(1000));
            in.pipeInput("a", "x", Instant.ofEpochMilli(500));
            in.pipeInput("b", "x", Instant.ofEpochMilli(700));
            in.pipeInput("c", "x", Instant.ofEpochMilli(900));
            KeyValueStore<String, ValueAndTimestamp<Long>> store = driver.getTimestampedKeyValueStore("counts");
            List<String> answers = new ArrayList<>();
            PositionBound unbounded = PositionBound.unbounded();
            PositionBound reached = PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 3L))));
            PositionBound ahead = PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 4L))));
            PositionBound otherTopic = PositionBound.at(Position.fromMap(Map.of("other", Map.of(0, 9L))));
            answers.add(ask(store, "KeyQuery a", KeyQuery.withKey("a"), unbounded));
            answers.add(ask(store, "KeyQuery missing", KeyQuery.withKey("zz"), unbounded));
            answers.add(ask(store, "TimestampedKeyQuery a", TimestampedKeyQuery.withKey("a"), unbounded));
            answers.add(ask(store, "TimestampedKeyQuery a reached", TimestampedKeyQuery.withKey("a"), reached));
            answers.add(ask(store, "TimestampedKeyQuery a ahead", TimestampedKeyQuery.withKey("a"), ahead));
            answers.add(ask(store, "KeyQuery a other topic", KeyQuery.withKey("a"), otherTopic));
            answers.add(ask(store, "RangeQuery a..b", RangeQuery.withRange("a", "b"), unbounded));
            answers.add(ask(store, "RangeQuery all desc", RangeQuery.<String, Long>withNoBounds()
                    .withDescendingKeys(), unbounded));
            answers.add(ask(store, "RangeQuery from b", RangeQuery.withLowerBound("b"), reached));
            answers.add(ask(store, "RangeQuery ahead", RangeQuery.withUpperBound("b"), ahead));
            answers.add(ask(store, "TimestampedRangeQuery b..c", TimestampedRangeQuery.withRange("b", "c"),
                    unbounded));
            answers.add(ask(store, "TimestampedRangeQuery to b desc",
                    TimestampedRangeQuery.<String, Long>withUpperBound("b").withDescendingKeys(), reached));
            answers.add(ask(store, "WindowKeyQuery", WindowKeyQuery.withKeyAndWindowStartRange("a",
                    Instant.EPOCH, Instant.ofEpochMilli(5000)), unbounded));
            return answers;
        }
    }

    private static String ask(KeyValueStore<String, ValueAndTimestamp<Long>> store, String label, Query<?> query,
                              PositionBound bound) {
        QueryResult<?> result = store.query(query, bound, CONFIG);
        if (result.isFailure()) {
            return label + ": " + result.getFailureReason();
        }
        Object value = result.getResult();
        if (value instanceof KeyValueIterator<?, ?> iterator) {
            List<String> entries = new ArrayList<>();
            try (iterator) {
                iterator.forEachRemaining(kv -> entries.add(kv.key + "=" + render(kv.value)));
            }
            value = entries;
        }
        return label + ": " + render(value) + " at " + positionOf(result);
    }

    private static String render(Object value) {
        return value instanceof ValueAndTimestamp<?> vt ? "<" + vt.value() + "," + vt.timestamp() + ">"
                : String.valueOf(value);
    }

    private static String positionOf(QueryResult<?> result) {
        Position position = result.getPosition();
        return position == null ? "none" : "{in=" + position.getPartitionPositions("in") + "}";
    }
}
