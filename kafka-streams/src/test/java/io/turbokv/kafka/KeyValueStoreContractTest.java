package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of Kafka Streams' {@link KeyValueStore} that Kafka's own store tests check
 * ({@code AbstractKeyValueStoreTest} in Kafka's sources, which runs on Kafka's internal test drivers and is not
 * published), written anew here for the typed store as an application sees it (Streams' metered layer over the
 * bytes store, with and without the record cache), and run against TurboKV's store and Kafka's RocksDB store alike:
 * each fact holds for both.
 */
class KeyValueStoreContractTest {
    private static final String STORE = "contract";

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    static Stream<Arguments> stores() {
        List<Arguments> stores = new ArrayList<>();
        for (boolean cached : new boolean[] {false, true}) {
            stores.add(Arguments.of("TurboKV" + (cached ? ", cached" : ""), cached));
            stores.add(Arguments.of("RocksDB" + (cached ? ", cached" : ""), cached));
        }
        return stores.stream();
    }

    /** Runs {@code test} on the store named by {@code kind}, in a topology that connects it to a processor. */
    private void withStore(String kind, boolean cached, Serde<String> valueSerde,
                           Consumer<KeyValueStore<Integer, String>> test) {
        KeyValueBytesStoreSupplier supplier = kind.startsWith("TurboKV") ? TurboKvStores.persistentKeyValueStore(STORE)
                : Stores.persistentKeyValueStore(STORE);
        StoreBuilder<KeyValueStore<Integer, String>> builder = Stores.keyValueStoreBuilder(supplier, Serdes.Integer(),
                valueSerde);
        builder = cached ? builder.withCachingEnabled() : builder.withCachingDisabled();
        Topology topology = new Topology();
        topology.addSource("in", Serdes.Integer().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("ignore", Ignore::new, "in");
        topology.addStateStore(builder, "ignore");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "contract");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(kind).toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            test.accept(driver.getKeyValueStore(STORE));
        }
    }

    private void withStore(String kind, boolean cached, Consumer<KeyValueStore<Integer, String>> test) {
        withStore(kind, cached, Serdes.String(), test);
    }

    /** Connects the store; the tests drive it directly. */
    private static final class Ignore implements Processor<Integer, String, Void, Void> {
        @Override
        public void process(Record<Integer, String> record) {}
    }

    private static Map<Integer, String> contents(KeyValueIterator<Integer, String> iterator) {
        Map<Integer, String> contents = new LinkedHashMap<>();
        try (iterator) {
            iterator.forEachRemaining(entry -> contents.put(entry.key, entry.value));
        }
        return contents;
    }

    private static void commit(KeyValueStore<Integer, String> store) {
        store.commit(Map.of());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void deletedKeysDoNotShowInIterators(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            store.put(0, "zero");
            store.put(1, "one");
            store.put(2, "two");
            store.delete(0);
            store.put(1, null);
            assertEquals(Map.of(2, "two"), contents(store.all()));
            commit(store);
            assertEquals(Map.of(2, "two"), contents(store.all()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aValueThatSerializesToNullDeletes(String kind, boolean cached) {
        Serializer<String> serializer = (topic, data) -> data.equals("null") ? null
                : data.getBytes(StandardCharsets.UTF_8);
        withStore(kind, cached, Serdes.serdeFrom(serializer, new StringDeserializer()), store -> {
            store.put(0, "zero");
            store.put(1, "one");
            store.put(2, "two");
            store.put(0, "null");
            store.put(1, "null");
            assertEquals(Map.of(2, "two"), contents(store.all()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void putGetRangeAndAllAgreeBeforeAndAfterACommit(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            store.put(0, "zero");
            store.put(1, "one");
            store.put(2, "two");
            store.put(4, "four");
            store.put(5, "five");
            assertEquals(5, contents(store.all()).size());
            assertEquals("zero", store.get(0));
            assertEquals("two", store.get(2));
            assertNull(store.get(3));
            assertEquals("five", store.get(5));
            commit(store);
            store.delete(5);
            assertNull(store.get(5));
            commit(store);
            assertEquals(Map.of(2, "two", 4, "four"), contents(store.range(2, 4)));
            assertEquals(Map.of(2, "two", 4, "four"), contents(store.range(2, 6)), "a bound needs no key");
            assertEquals(List.of(4, 2), List.copyOf(contents(store.reverseRange(2, 6)).keySet()));
            assertEquals(List.of(0, 1, 2, 4), List.copyOf(contents(store.all()).keySet()), "in key order");
            assertEquals(List.of(4, 2, 1, 0), List.copyOf(contents(store.reverseAll()).keySet()));
            assertEquals(List.of(0, 1, 2), List.copyOf(contents(store.range(null, 2)).keySet()),
                    "a null bound is open");
            assertEquals(List.of(2, 4), List.copyOf(contents(store.range(2, null)).keySet()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void putIfAbsentWritesOnlyAnAbsentKeyAndReturnsTheValueThere(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            assertNull(store.putIfAbsent(0, "zero"));
            assertNull(store.putIfAbsent(4, "four"));
            assertEquals("four", store.putIfAbsent(4, "unexpected value"));
            commit(store);
            assertEquals("four", store.putIfAbsent(4, "unexpected value"));
            assertEquals(Map.of(0, "zero", 4, "four"), contents(store.all()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aNullKeyIsRefusedAndANullValueIsADelete(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            assertThrows(NullPointerException.class, () -> store.put(null, "any"));
            assertThrows(NullPointerException.class, () -> store.putIfAbsent(null, "any"));
            assertThrows(NullPointerException.class, () -> store.putAll(List.of(new KeyValue<>(null, "any"))));
            assertThrows(NullPointerException.class, () -> store.delete(null));
            assertThrows(NullPointerException.class, () -> store.get(null));
            store.put(1, "one");
            store.put(1, null);
            assertNull(store.putIfAbsent(2, null));
            store.putAll(List.of(new KeyValue<>(3, null)));
            assertEquals(Map.of(), contents(store.all()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void approximateNumEntriesCountsCommittedEntries(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            assertEquals(0, store.approximateNumEntries(), "a new store is empty");
            for (int i = 0; i < 5; i++) {
                store.put(i, "v" + i);
            }
            commit(store);
            assertEquals(5, store.approximateNumEntries());
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void putAllWritesEveryEntryAndAllReturnsThemInKeyOrder(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            store.putAll(List.of(new KeyValue<>(2, "two"), new KeyValue<>(1, "one")));
            List<KeyValue<Integer, String>> all = new ArrayList<>();
            try (KeyValueIterator<Integer, String> iterator = store.all()) {
                iterator.forEachRemaining(all::add);
            }
            assertEquals(List.of(KeyValue.pair(1, "one"), KeyValue.pair(2, "two")), all);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aRangeOfOneKeyGivesWhatGetGives(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            store.putAll(List.of(new KeyValue<>(1, "one"), new KeyValue<>(2, "two"), new KeyValue<>(3, "three")));
            try (KeyValueIterator<Integer, String> iterator = store.range(2, 2)) {
                assertEquals(store.get(2), iterator.next().value);
                assertFalse(iterator.hasNext());
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anIteratorSurvivesAWriteToTheStoreAfterItOpened(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            store.put(0, "zero");
            try (KeyValueIterator<Integer, String> results = store.range(0, 2)) {
                store.put(1, "one");
                assertEquals(new KeyValue<>(0, "zero"), results.next());
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aRangeWhoseBoundsAreInverseInByteOrderIsEmpty(String kind, boolean cached) {
        withStore(kind, cached, store -> {
            store.put(0, "zero");
            store.put(1, "one");
            // -1 serializes to 0xFFFFFFFF, after 1 in byte order: from > to, an empty range rather than an error
            try (CapturedWarnings warnings = new CapturedWarnings()) { // the warning Kafka's stores log too
                assertEquals(Map.of(), contents(store.range(-1, 1)));
                assertEquals(Map.of(), contents(store.reverseRange(-1, 1)));
                assertTrue(warnings.messages().stream().allMatch(m -> m.startsWith("Returning empty iterator")),
                        warnings.messages()::toString);
            }
        });
    }
}
