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
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DSL topologies run once on Kafka's own stores and once on TurboKV's, over the same timestamped input: the output
 * records (key, value and timestamp) and the stores' final contents must be equal. Caching is off, so that every
 * update of a table reaches the output.
 */
class DslParityTest {
    /** How a run materializes a DSL store of the given name: a supplier, or null for Kafka's default store. */
    private interface StoreChoice extends Function<String, KeyValueBytesStoreSupplier> {}

    private static final StoreChoice KAFKA_DEFAULT = name -> null;
    private static final StoreChoice KAFKA_IN_MEMORY = Stores::inMemoryKeyValueStore;
    private static final StoreChoice TURBOKV = TurboKvStores::persistentTimestampedKeyValueStore;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;
    /** The {@code dsl.store.suppliers.class} of the next runs, or null for Kafka's default (RocksDB). */
    private Class<? extends DslStoreSuppliers> dslSuppliers;
    /** What the last run kept its stores in: {@code turbokv:<store>} or {@code rocksdb:<store>}, sorted. */
    private List<String> lastStores;

    @Test
    void countKeepsTheTimestampsOfKafkasStores() {
        for (StoreChoice choice : List.of(KAFKA_DEFAULT, TURBOKV)) {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey()
                    .count(materialized("counts", choice, Serdes.Long()))
                    .toStream()
                    .to("out", Produced.with(Serdes.String(), Serdes.Long()));
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), config())) {
                TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                        Serdes.String().serializer());
                in.pipeInput("a", "x", 1000);
                in.pipeInput("a", "x", 500);
                in.pipeInput("b", "x", 700);
                assertEquals(List.of("a=1@1000", "a=2@1000", "b=1@700"),
                        render(driver.createOutputTopic("out", Serdes.String().deserializer(),
                                Serdes.Long().deserializer()).readRecordsToList()));
                assertEquals(ValueAndTimestamp.make(2L, 1000L),
                        driver.<String, Long>getTimestampedKeyValueStore("counts").get("a"));
            }
        }
    }

    @Test
    void thePlainSupplierLosesTimestampsAsKafkasPlainPersistentStoreDoes() {
        List<List<String>> outputs = new ArrayList<>();
        for (StoreChoice choice : List.<StoreChoice>of(Stores::persistentKeyValueStore,
                TurboKvStores::persistentKeyValueStore)) {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey()
                    .count(materialized("counts", choice, Serdes.Long()))
                    .toStream()
                    .to("out", Produced.with(Serdes.String(), Serdes.Long()));
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), config())) {
                TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                        Serdes.String().serializer());
                in.pipeInput("a", "x", 1000);
                in.pipeInput("a", "x", 500);
                outputs.add(render(driver.createOutputTopic("out", Serdes.String().deserializer(),
                        Serdes.Long().deserializer()).readRecordsToList()));
                assertEquals(ValueAndTimestamp.make(2L, -1L),
                        driver.<String, Long>getTimestampedKeyValueStore("counts").get("a"));
            }
        }
        assertEquals(List.of("a=1@1000", "a=2@500"), outputs.get(0));
        assertEquals(outputs.get(0), outputs.get(1));
    }

    @Test
    void countReduceAndAggregateMatchKafkasStores() {
        List<TestRecord<String, String>> input = events(600, 40, 7);
        Function<StoreChoice, Topology> topology = choice -> {
            StreamsBuilder builder = new StreamsBuilder();
            var grouped = builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
            grouped.count(materialized("counts", choice, Serdes.Long()))
                    .toStream().mapValues(String::valueOf).to("out", Produced.with(Serdes.String(), Serdes.String()));
            grouped.reduce((a, b) -> a.compareTo(b) >= 0 ? a : b, materialized("max", choice, Serdes.String()))
                    .toStream().mapValues(v -> "max " + v).to("out", Produced.with(Serdes.String(), Serdes.String()));
            grouped.aggregate(() -> "", (key, value, total) -> (total + value).length() > 12
                    ? (total + value).substring(0, 12) : total + value,
                    materialized("concat", choice, Serdes.String()))
                    .toStream().mapValues(v -> "concat " + v)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return builder.build();
        };
        Consumer<TopologyTestDriver> feed = driver -> driver.createInputTopic("in", Serdes.String().serializer(),
                Serdes.String().serializer()).pipeRecordList(input);
        List<String> stores = List.of("counts", "max", "concat");
        Run expected = run(topology.apply(KAFKA_DEFAULT), feed, stores);
        assertEquals(3 * input.size(), expected.output.size());
        assertEquals(expected, run(topology.apply(KAFKA_IN_MEMORY), feed, stores));
        assertEquals(expected, run(topology.apply(TURBOKV), feed, stores));
        dslSuppliers = TurboKvDslStoreSuppliers.class;
        assertEquals(expected, run(topology.apply(KAFKA_DEFAULT), feed, stores));
        assertEquals(List.of("turbokv:concat", "turbokv:counts", "turbokv:max"), lastStores);
    }

    @Test
    void foreignKeyJoinMatchesKafkasStores() {
        Function<StoreChoice, Topology> topology = choice -> {
            StreamsBuilder builder = new StreamsBuilder();
            KTable<String, String> orders = builder.table("orders", Consumed.with(Serdes.String(), Serdes.String()),
                    materialized("orders", choice, Serdes.String()));
            KTable<String, String> customers = builder.table("customers",
                    Consumed.with(Serdes.String(), Serdes.String()), materialized("customers", choice,
                            Serdes.String()));
            orders.join(customers, order -> order.substring(0, order.indexOf(':')),
                    (order, customer) -> order + "/" + customer, materialized("joined", choice,
                            Serdes.String()))
                    .toStream()
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return builder.build();
        };
        Consumer<TopologyTestDriver> feed = driver -> {
            TestInputTopic<String, String> orders = driver.createInputTopic("orders", Serdes.String().serializer(),
                    Serdes.String().serializer());
            TestInputTopic<String, String> customers = driver.createInputTopic("customers",
                    Serdes.String().serializer(), Serdes.String().serializer());
            SplittableRandom random = new SplittableRandom(11);
            long time = 10_000;
            for (int i = 0; i < 600; i++) {
                time += random.nextInt(-50, 200); // out of order now and then
                int kind = random.nextInt(10);
                if (kind < 3) {
                    String customer = "c" + random.nextInt(30);
                    customers.pipeInput(customer, kind == 0 ? null : "name" + i, time);
                } else {
                    String order = "o" + random.nextInt(200);
                    orders.pipeInput(order, kind == 3 ? null : "c" + random.nextInt(30) + ":" + i, time);
                }
            }
        };
        List<String> stores = List.of("orders", "customers", "joined");
        Run expected = run(topology.apply(KAFKA_DEFAULT), feed, stores);
        assertEquals(expected, run(topology.apply(KAFKA_IN_MEMORY), feed, stores));
        assertEquals(expected, run(topology.apply(TURBOKV), feed, stores));
        // through the configuration, the join's subscription store (read by prefixScan) is TurboKV's as well
        dslSuppliers = TurboKvDslStoreSuppliers.class;
        assertEquals(expected, run(topology.apply(KAFKA_DEFAULT), feed, stores));
        assertTrue(lastStores.stream().allMatch(store -> store.startsWith("turbokv:")), lastStores.toString());
        assertTrue(lastStores.stream().anyMatch(store -> store.contains("SUBSCRIPTION-STATE-STORE")),
                lastStores.toString());
    }

    @Test
    void windowAndSessionStoresAreTurboKvsUnderTheTurboKvDslSuppliers() {
        dslSuppliers = TurboKvDslStoreSuppliers.class;
        StreamsBuilder builder = new StreamsBuilder();
        var grouped = builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
        grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10))).count();
        grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(Duration.ofSeconds(10))).count();
        grouped.count(Materialized.as("counts"));
        run(builder.build(), driver -> driver.createInputTopic("in", Serdes.String().serializer(),
                Serdes.String().serializer()).pipeRecordList(events(50, 5, 3)), List.of("counts"));
        assertTrue(lastStores.contains("turbokv:counts"), lastStores.toString());
        assertTrue(lastStores.stream().allMatch(store -> store.startsWith("turbokv:")), lastStores.toString());
        assertEquals(2, lastStores.stream().map(store -> store.replaceAll("\\.\\d+$", "")).distinct()
                .filter(store -> !store.equals("turbokv:counts")).count(),
                "the window and session stores' segments: "
                        + lastStores);
    }

    /** Output records and every store's final contents, rendered {@code key=value@timestamp}. */
    private record Run(List<String> output, List<List<String>> stores) {}

    private Run run(Topology topology, Consumer<TopologyTestDriver> feed, List<String> storeNames) {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, config())) {
            feed.accept(driver);
            lastStores = storesIn(stateDir.resolve("run" + (runs - 1)));
            List<String> output = render(driver.createOutputTopic("out", Serdes.String().deserializer(),
                    Serdes.String().deserializer()).readRecordsToList());
            List<List<String>> stores = new ArrayList<>();
            for (String name : storeNames) {
                List<String> contents = new ArrayList<>();
                try (var all = driver.<String, Object>getTimestampedKeyValueStore(name).all()) {
                    all.forEachRemaining(kv -> contents.add(kv.key + "=" + kv.value.value() + "@"
                            + kv.value.timestamp()));
                }
                stores.add(contents);
            }
            return new Run(output, stores);
        }
    }

    private static <V> Materialized<String, V, KeyValueStore<Bytes, byte[]>> materialized(String name,
                                                                                          StoreChoice choice,
                                                                                          Serde<V> valueSerde) {
        KeyValueBytesStoreSupplier supplier = choice.apply(name);
        Materialized<String, V, KeyValueStore<Bytes, byte[]>> materialized = supplier == null
                ? Materialized.as(name) : Materialized.as(supplier);
        return materialized.withKeySerde(Serdes.String()).withValueSerde(valueSerde).withCachingDisabled();
    }

    /** Keyed events with timestamps that mostly rise, sometimes fall back: both ways must keep the same time. */
    private static List<TestRecord<String, String>> events(int count, int keys, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<TestRecord<String, String>> events = new ArrayList<>(count);
        long time = 1_000;
        for (int i = 0; i < count; i++) {
            time += random.nextInt(-100, 300);
            events.add(new TestRecord<>("k" + random.nextInt(keys), "v" + random.nextInt(1_000),
                    Instant.ofEpochMilli(time)));
        }
        return events;
    }

    private static <V> List<String> render(List<TestRecord<String, V>> records) {
        return records.stream().map(r -> r.key() + "=" + r.value() + "@" + r.timestamp()).toList();
    }

    /**
     * The stores under a run's state directory ({@code <application>/<task>/...}, read before the driver's close
     * wipes it): a TurboKV store is a directory with a {@code SCHEMA} file; a RocksDB store is one with an
     * {@code IDENTITY} file, under {@code rocksdb/<store>} or, segmented, {@code <store>/<segment>}.
     */
    private static List<String> storesIn(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return List.of(); // in-memory stores only
        }
        try (Stream<Path> files = Files.walk(runDir)) {
            return files.filter(Files::isDirectory).<String>mapMulti((dir, out) -> {
                Path inTask = runDir.relativize(dir);
                if (Files.exists(dir.resolve("SCHEMA"))) {
                    out.accept("turbokv:" + dir.getFileName());
                } else if (Files.exists(dir.resolve("IDENTITY")) && inTask.getNameCount() > 3) {
                    boolean unsegmented = inTask.getName(2).toString().equals("rocksdb");
                    out.accept("rocksdb:" + inTask.getName(unsegmented ? 3 : 2));
                }
            }).distinct().sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Properties config() {
        Properties props = new Properties();
        if (dslSuppliers != null) {
            props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, dslSuppliers);
        }
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "parity");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("run" + runs++).toString());
        return props;
    }
}
