package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A versioned store under Kafka Streams' layers (metered, logging), TurboKV's and Kafka's RocksDB store, fed the same
 * operations by a processor: puts (in and out of order, beyond the grace period too), deletes, puts of null, reads
 * of the latest and of past versions, on keys with long shared prefixes and keys that are prefixes of others, many
 * versions each, over enough stream time for history retention to expire segments. Every return value, every
 * answer to {@code VersionedKeyQuery} and {@code MultiVersionedKeyQuery} (with positions) and the restore of the
 * changelog must match.
 */
class VersionedParityTest {
    private static final Duration RETENTION = Duration.ofMillis(1_000);
    private static final Duration SEGMENT = Duration.ofMillis(300);
    private static final String PREFIX = "p".repeat(60);
    /** Keys with long shared prefixes, and keys that are prefixes of others ({@code a 05} after {@code a}). */
    private static final List<String> KEYS = List.of("a", "a\u0005", "ab", PREFIX, PREFIX + "1", PREFIX + "2");
    private static final QueryConfig CONFIG = new QueryConfig(false);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    @Test
    void randomOperationsMatchKafkasVersionedStore() {
        List<TestRecord<String, String>> ops = operations(1_000, 7);
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            Run kafka = run(Stores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops);
            Run turbokv = run(TurboKvStores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops);
            assertSameAnswers(kafka.answers, turbokv.answers);
            assertTrue(turbokv.answers.stream().anyMatch(line -> line.endsWith("-> NOT_PUT")), "expired puts");
            assertTrue(turbokv.answers.stream().anyMatch(line -> line.matches("put .* -> \\d+")),
                    "out-of-order puts with a validTo");
            assertTrue(turbokv.answers.stream().anyMatch(line -> line.startsWith("versions") && line.contains(
                    "validTo")), "history queries");
            assertTrue(warnings.messages().stream().anyMatch(m -> m.contains("expired put")),
                    warnings.messages().size() + " warnings");
        }
    }

    @Test
    void scriptedEdgeCasesMatchKafkasVersionedStore() {
        // a delete at the latest version's own timestamp, then an earlier put; a delete of a key never written, then
        // an earlier put; tombstones in the middle of the history; puts at an existing version's timestamp
        List<TestRecord<String, String>> ops = new ArrayList<>();
        long t = 10_000;
        for (String op : List.of("a p:1 10", "a d 10", "a p:2 5", "a g 0", "a a:7 0", "b d 20", "b p:3 15", "b g 0",
                "b a:16 0", "b a:20 0", "c p:4 30", "c p:5 40", "c d 35", "c p:6 33", "c p:7 35", "c a:34 0",
                "c a:36 0", "c a:41 0", "d p:8 50", "d p: 55", "d p:9 52", "d d 60", "d d 70", "d p:10 65",
                "d a:66 0", "d a:71 0", "e d 80", "e d 90", "e p:11 85", "e p:12 95", "e p:13 80", "e a:82 0",
                "e a:86 0")) {
            String[] parts = op.split(" ");
            String value = parts[1].startsWith("a:") ? "a:" + (t + Long.parseLong(parts[1].substring(2))) : parts[1];
            ops.add(new TestRecord<>(parts[0], value, Instant.ofEpochMilli(t + Long.parseLong(parts[2]))));
        }
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            Run kafka = run(Stores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops);
            Run turbokv = run(TurboKvStores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops);
            assertSameAnswers(kafka.answers, turbokv.answers);
            assertTrue(warnings.messages().stream().noneMatch(m -> m.contains("expired put")),
                    "nothing in the script is older than the grace period");
        }
    }

    @Test
    void aStoreRestoredFromTheChangelogAnswersAsTheOneThatWroteIt() {
        List<TestRecord<String, String>> ops = operations(400, 11);
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            Run written = run(TurboKvStores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops);
            StubStateStoreContext context = new StubStateStoreContext(stateDir.resolve("restored"));
            TurboKvVersionedStore restored = new TurboKvVersionedStore("v", RETENTION.toMillis(), SEGMENT.toMillis(),
                    TurboKvStores::configByChangelog);
            restored.init(context, restored);
            try {
                RecordBatchingStateRestoreCallback restore = assertInstanceOf(
                        RecordBatchingStateRestoreCallback.class, context.restoreCallback);
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                for (TestRecord<byte[], byte[]> record : written.changelog) {
                    batch.add(new ConsumerRecord<>("v-changelog", 0, batch.size(), record.timestamp(),
                            TimestampType.CREATE_TIME, 0, 0, record.key(), record.value(), record.headers(),
                            java.util.Optional.empty()));
                    if (batch.size() % 100 == 0) {
                        restore.restoreBatch(List.copyOf(batch.subList(batch.size() - 100, batch.size())));
                    }
                }
                restore.restoreBatch(List.copyOf(batch.subList(batch.size() - batch.size() % 100, batch.size())));
                assertEquals(written.finalReads, reads(restored::get, written.streamTime));
                assertTrue(warnings.messages().stream().anyMatch(m -> m.contains("expired")),
                        "the changelog holds no expired put, the restore drops none");
            } finally {
                restored.close();
            }
        }
    }

    @Test
    void aStreamTableJoinOnAVersionedTableMatchesKafkasStore() {
        // orders join the price valid at their own timestamp; prices and orders both arrive out of order, some
        // beyond the grace period
        SplittableRandom random = new SplittableRandom(5);
        List<TestRecord<String, String>> prices = new ArrayList<>();
        List<TestRecord<String, String>> orders = new ArrayList<>();
        long streamTime = 10_000;
        for (int i = 0; i < 300; i++) {
            streamTime += random.nextInt(40);
            long time = random.nextInt(4) == 0 ? streamTime - random.nextLong(RETENTION.toMillis() * 3 / 2)
                    : streamTime;
            String key = KEYS.get(random.nextInt(KEYS.size()));
            if (random.nextBoolean()) {
                prices.add(new TestRecord<>(key, random.nextInt(8) == 0 ? null : "price" + i,
                        Instant.ofEpochMilli(time)));
                orders.add(null);
            } else {
                orders.add(new TestRecord<>(key, "order" + i, Instant.ofEpochMilli(time)));
                prices.add(null);
            }
        }
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            List<String> kafka = join(Stores.persistentVersionedKeyValueStore("prices", RETENTION, SEGMENT), prices,
                    orders);
            List<String> turbokv = join(TurboKvStores.persistentVersionedKeyValueStore("prices", RETENTION, SEGMENT),
                    prices, orders);
            assertSameAnswers(kafka, turbokv);
            assertTrue(turbokv.size() > 50, turbokv.size() + " joined orders");
            assertTrue(warnings.messages().stream().anyMatch(m -> m.contains("expired put")), "late prices dropped");
        }
    }

    /** Pipes prices and orders in their interleaved order; returns the joined records with their timestamps. */
    private List<String> join(VersionedBytesStoreSupplier supplier, List<TestRecord<String, String>> prices,
                              List<TestRecord<String, String>> orders) {
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, String> table = builder.table("prices", Consumed.with(Serdes.String(), Serdes.String()),
                Materialized.<String, String>as(supplier).withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.String()));
        builder.stream("orders", Consumed.with(Serdes.String(), Serdes.String()))
                .join(table, (order, price) -> order + " at " + price)
                .to("out", Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "join");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("run" + runs++).toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> priceTopic = driver.createInputTopic("prices",
                    Serdes.String().serializer(), Serdes.String().serializer());
            TestInputTopic<String, String> orderTopic = driver.createInputTopic("orders",
                    Serdes.String().serializer(), Serdes.String().serializer());
            for (int i = 0; i < prices.size(); i++) {
                if (prices.get(i) != null) {
                    priceTopic.pipeInput(prices.get(i));
                } else {
                    orderTopic.pipeInput(orders.get(i));
                }
            }
            List<String> joined = new ArrayList<>();
            driver.createOutputTopic("out", Serdes.String().deserializer(), Serdes.String().deserializer())
                    .readRecordsToList().forEach(r -> joined.add(r.key() + ": " + r.value() + "@" + r.timestamp()));
            return joined;
        }
    }

    @Test
    void aHistoryQueryWithAnUpperBoundReturnsTheVersionsKafkasStoreSkips() {
        // one older version, valid from 100 to 1,000: its validTo is in segment 3, after the bound's segment 0
        List<TestRecord<String, String>> ops = List.of(new TestRecord<>("k", "p:1", Instant.ofEpochMilli(100)),
                new TestRecord<>("k", "p:2", Instant.ofEpochMilli(1_000)));
        List<Query<?>> bounded = List.of(MultiVersionedKeyQuery.<String, String>withKey("k")
                .fromTime(Instant.EPOCH).toTime(Instant.ofEpochMilli(200)));
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            Run kafka = run(Stores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops, bounded);
            Run turbokv = run(TurboKvStores.persistentVersionedKeyValueStore("v", RETENTION, SEGMENT), ops, bounded);
            assertEquals("extra: [] at Position{position={in={0=1}}}", kafka.answers.getLast());
            assertEquals("extra: [1@100 validTo Optional[1000]] at Position{position={in={0=1}}}",
                    turbokv.answers.getLast());
            assertSameAnswers(kafka.answers.subList(0, kafka.answers.size() - 1),
                    turbokv.answers.subList(0, turbokv.answers.size() - 1));
            assertTrue(warnings.messages().stream().allMatch(m -> m.contains("expired get")), "the reads far back");
        }
    }

    /** Asserts equal lists, naming the first answer that differs and the few before it. */
    private static void assertSameAnswers(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                assertEquals(expected.subList(Math.max(0, i - 8), i + 1), actual.subList(Math.max(0, i - 8), i + 1),
                        "answer " + i);
            }
        }
        assertEquals(expected.size(), actual.size(), "answers");
    }

    /** What a run produced: the processor's and the queries' answers, the changelog, the final reads. */
    private record Run(List<String> answers, List<TestRecord<byte[], byte[]>> changelog, List<String> finalReads,
                       long streamTime) {}

    private Run run(VersionedBytesStoreSupplier supplier, List<TestRecord<String, String>> ops) {
        return run(supplier, ops, List.of());
    }

    /** Runs {@code ops}, then the standard queries and {@code extraQueries}. */
    private Run run(VersionedBytesStoreSupplier supplier, List<TestRecord<String, String>> ops,
                    List<Query<?>> extraQueries) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("ops", Operations::new, "in");
        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(supplier, Serdes.String(), Serdes.String()),
                "ops");
        topology.addSink("out", "out", Serdes.String().serializer(), Serdes.String().serializer(), "ops");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "versioned");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("run" + runs++).toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer())
                    .pipeRecordList(ops);
            List<String> answers = new ArrayList<>();
            driver.createOutputTopic("out", Serdes.String().deserializer(), Serdes.String().deserializer())
                    .readRecordsToList().forEach(record -> answers.add(record.value()));
            VersionedKeyValueStore<String, String> store = driver.getVersionedKeyValueStore("v");
            long streamTime = ops.stream().mapToLong(TestRecord::timestamp).max().orElseThrow();
            PositionBound reached = PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 1L))));
            PositionBound ahead = PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, (long) ops.size()))));
            for (String key : KEYS.subList(0, 3)) {
                answers.add(ask(store, "latest " + key, VersionedKeyQuery.withKey(key), reached));
                answers.add(ask(store, "ahead " + key, VersionedKeyQuery.withKey(key), ahead));
            }
            for (String key : List.of("a", "b", "c", "d", "e", KEYS.get(1), KEYS.get(4))) {
                for (long back : new long[] {0, 1, 40, 299, 300, 700, 999, 1_000, 1_001, 5_000}) {
                    Instant asOf = Instant.ofEpochMilli(streamTime - back);
                    answers.add(ask(store, "asOf " + key + " -" + back, VersionedKeyQuery.<String, String>withKey(key)
                            .asOf(asOf), PositionBound.unbounded()));
                    answers.add(ask(store, "versions " + key + " from -" + back, MultiVersionedKeyQuery
                            .<String, String>withKey(key).fromTime(asOf), PositionBound.unbounded()));
                }
                answers.add(ask(store, "versions " + key + " asc", MultiVersionedKeyQuery.<String, String>withKey(key)
                        .withAscendingTimestamps(), PositionBound.unbounded()));
            }
            for (Query<?> query : extraQueries) {
                answers.add(ask(store, "extra", query, PositionBound.unbounded()));
            }
            List<TestRecord<byte[], byte[]>> changelog = driver.createOutputTopic("versioned-v-changelog",
                    Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer()).readRecordsToList();
            List<String> finalReads = reads((key, asOf) -> {
                VersionedRecord<String> record = store.get(string(key), asOf);
                return record == null ? null : new VersionedRecord<>(bytes(record.value()), record.timestamp());
            }, streamTime);
            return new Run(answers, changelog, finalReads, streamTime);
        }
    }

    /** Every key's version as of times around stream time, read through {@code get}. */
    private static List<String> reads(VersionedReader reader, long streamTime) {
        List<String> reads = new ArrayList<>();
        for (String key : KEYS) {
            for (long asOf = streamTime - RETENTION.toMillis(); asOf <= streamTime; asOf += 37) {
                VersionedRecord<byte[]> record = reader.get(Bytes.wrap(bytes(key)), asOf);
                reads.add(key + "@" + asOf + " = " + (record == null ? null
                        : string(record.value()) + "@" + record.timestamp()));
            }
        }
        return reads;
    }

    /** Reads a key's version as of a time, as the store's {@code get(key, asOf)}. */
    @FunctionalInterface
    private interface VersionedReader {
        VersionedRecord<byte[]> get(Bytes key, long asOf);
    }

    private static String ask(VersionedKeyValueStore<String, String> store, String label, Query<?> query,
                              PositionBound bound) {
        QueryResult<?> result = store.query(query, bound, CONFIG);
        if (result.isFailure()) {
            return label + ": " + result.getFailureReason();
        }
        Object value = result.getResult();
        if (value instanceof VersionedRecordIterator<?> iterator) {
            List<String> versions = new ArrayList<>();
            try (iterator) {
                iterator.forEachRemaining(record -> versions.add(render(record)));
            }
            value = versions;
        } else if (value instanceof VersionedRecord<?> record) {
            value = render(record);
        }
        return label + ": " + value + " at " + result.getPosition();
    }

    private static String render(VersionedRecord<?> record) {
        return record == null ? "null" : record.value() + "@" + record.timestamp() + " validTo " + record.validTo();
    }

    /**
     * {@code count} operations on {@link #KEYS}: stream time moves on by up to 50 ms in three operations of five;
     * the others are out of order, up to one and a half history retentions back (beyond the grace period a third of
     * the time). Values {@code p:v} put, {@code p:} puts null, {@code d} deletes, {@code g} reads the latest version
     * and {@code a:T} the version as of T.
     */
    private static List<TestRecord<String, String>> operations(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<TestRecord<String, String>> ops = new ArrayList<>();
        long streamTime = 10_000;
        for (int i = 0; i < count; i++) {
            long time;
            if (random.nextInt(5) < 3) {
                streamTime += random.nextInt(51);
                time = streamTime;
            } else {
                time = streamTime - random.nextLong(RETENTION.toMillis() * 3 / 2);
            }
            int kind = random.nextInt(100);
            String op = kind < 55 ? "p:v" + i : kind < 60 ? "p:" : kind < 75 ? "d" : kind < 80 ? "g"
                    : "a:" + (streamTime - random.nextLong(RETENTION.toMillis() * 6 / 5));
            ops.add(new TestRecord<>(KEYS.get(random.nextInt(KEYS.size())), op, Instant.ofEpochMilli(time)));
        }
        return ops;
    }

    /** Applies each record's operation to the store, at the record's timestamp, and forwards what it returned. */
    private static final class Operations implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;
        private VersionedKeyValueStore<String, String> store;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.store = context.getStateStore("v");
        }

        @Override
        public void process(Record<String, String> record) {
            String op = record.value();
            long time = record.timestamp();
            String answer;
            if (op.startsWith("p:")) {
                String value = op.length() == 2 ? null : op.substring(2);
                long validTo = store.put(record.key(), value, time);
                answer = validTo == VersionedKeyValueStore.PUT_RETURN_CODE_NOT_PUT ? "NOT_PUT"
                        : validTo == VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED ? "UNDEFINED"
                        : String.valueOf(validTo);
            } else if (op.equals("d")) {
                answer = render(store.delete(record.key(), time));
            } else if (op.equals("g")) {
                answer = render(store.get(record.key()));
            } else {
                answer = render(store.get(record.key(), Long.parseLong(op.substring(2))));
            }
            String kind = op.startsWith("p:") ? "put" : op;
            context.forward(record.withValue(kind + " " + record.key() + "@" + time + " -> " + answer));
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String string(Bytes key) {
        return string(key.get());
    }
}
