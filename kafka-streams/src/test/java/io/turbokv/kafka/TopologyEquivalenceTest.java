package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two topologies run once with Kafka's in-memory store and once with TurboKV, over the same input: their outputs
 * must be equal record for record.
 *
 * <p>TopologyTestDriver commits after every record, so every record that writes makes one TurboKV commit: the
 * counting topology's records are as many commits of one key each (with the store's compactions and consolidations
 * in between), which is what the time is spent on. The default suite runs 20,000 records per topology; the profile
 * {@code kafka-long} runs 300,000 ({@code -Dturbokv.kafka.countRecords=... -Dturbokv.kafka.dedupRecords=...} set
 * other sizes).
 */
class TopologyEquivalenceTest {
    /** Every record of the counting topology writes, so this is also the number of TurboKV commits. */
    private static final int COUNT_RECORDS = Integer.getInteger("turbokv.kafka.countRecords", 20_000);
    /** The deduplication topology writes only a word's first sighting: at most {@link #DEDUP_WORDS} commits. */
    private static final int DEDUP_RECORDS = Integer.getInteger("turbokv.kafka.dedupRecords", 20_000);
    private static final int COUNT_WORDS = 500;
    private static final int DEDUP_WORDS = 200;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void countingTopologyCountsAsTheInMemoryStore() {
        List<KeyValue<String, String>> input = words(COUNT_RECORDS, COUNT_WORDS, 1);
        List<KeyValue<String, Long>> expected = run(counting(Stores.inMemoryKeyValueStore("counts")), input, "mem");
        List<KeyValue<String, Long>> actual = run(counting(TurboKvStores.persistentKeyValueStore("counts")), input,
                "turbokv");
        assertEquals(COUNT_RECORDS, expected.size());
        assertEquals(expected, actual);
    }

    @Test
    void deduplicationTopologyForwardsTheSameFirstSightings() {
        List<KeyValue<String, String>> input = words(DEDUP_RECORDS, DEDUP_WORDS, 2);
        List<KeyValue<String, Long>> expected = run(deduplicating(Stores.inMemoryKeyValueStore("seen")), input, "mem");
        List<KeyValue<String, Long>> actual = run(deduplicating(TurboKvStores.persistentKeyValueStore("seen")), input,
                "turbokv");
        assertEquals(DEDUP_WORDS, expected.size());
        assertEquals(expected, actual);
    }

    @Test
    void storeReadsThroughStreamsCachingAndMeteredLayersMatchTheCounts() {
        List<KeyValue<String, String>> input = words(1_000, 100, 3);
        java.util.TreeMap<String, Long> expected = new java.util.TreeMap<>();
        input.forEach(kv -> expected.merge(kv.value, 1L, Long::sum));
        Properties props = config("layers");
        try (TopologyTestDriver driver = new TopologyTestDriver(counting(TurboKvStores.persistentKeyValueStore(
                "counts")), props)) {
            driver.createInputTopic("words", Serdes.String().serializer(), Serdes.String().serializer())
                    .pipeKeyValueList(input.subList(0, 900));
            KeyValueStore<String, Long> store = driver.getKeyValueStore("counts");
            // the last records stay in Streams' record cache in front of the store until the next commit
            driver.createInputTopic("words", Serdes.String().serializer(), Serdes.String().serializer())
                    .pipeKeyValueList(input.subList(900, 1_000));
            List<KeyValue<String, Long>> all = new ArrayList<>();
            try (var iterator = store.all()) {
                iterator.forEachRemaining(all::add);
            }
            assertEquals(expected.entrySet().stream().map(e -> KeyValue.pair(e.getKey(), e.getValue())).toList(),
                    all);
            List<KeyValue<String, Long>> range = new ArrayList<>();
            try (var iterator = store.reverseRange("w1", "w2")) {
                iterator.forEachRemaining(range::add);
            }
            assertEquals(expected.subMap("w1", true, "w2", true).descendingMap().entrySet().stream()
                    .map(e -> KeyValue.pair(e.getKey(), e.getValue())).toList(), range);
            assertEquals(expected.get("w7"), store.get("w7"));
        }
    }

    /** Words drawn from {@code distinct}, skewed: half the records use a tenth of the words. */
    private static List<KeyValue<String, String>> words(int count, int distinct, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<KeyValue<String, String>> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int word = random.nextBoolean() ? random.nextInt(distinct / 10) : random.nextInt(distinct);
            words.add(KeyValue.pair("k" + i, "w" + word));
        }
        return words;
    }

    private static Topology counting(KeyValueBytesStoreSupplier store) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
                .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(store).withKeySerde(Serdes.String()))
                .toStream()
                .to("out", Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    /** Forwards each word the first time it is seen, with the offset of that record; drops repeats. */
    private static Topology deduplicating(KeyValueBytesStoreSupplier store) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "words");
        topology.addProcessor("dedup", FirstSighting::new, "in");
        topology.addStateStore(Stores.keyValueStoreBuilder(store, Serdes.String(), Serdes.Long()), "dedup");
        topology.addSink("out", "out", Serdes.String().serializer(), Serdes.Long().serializer(), "dedup");
        return topology;
    }

    private static final class FirstSighting implements Processor<String, String, String, Long> {
        private ProcessorContext<String, Long> context;
        private KeyValueStore<String, Long> seen;
        private long index;

        @Override
        public void init(ProcessorContext<String, Long> context) {
            this.context = context;
            this.seen = context.getStateStore("seen");
        }

        @Override
        public void process(Record<String, String> record) {
            long position = index++;
            if (seen.putIfAbsent(record.value(), position) == null) {
                context.forward(new Record<>(record.value(), position, record.timestamp()));
            }
        }
    }

    private Properties config(String run) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "equivalence-" + run);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(run).toString());
        return props;
    }

    private List<KeyValue<String, Long>> run(Topology topology, List<KeyValue<String, String>> input, String run) {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, config(run))) {
            TestInputTopic<String, String> in = driver.createInputTopic("words", Serdes.String().serializer(),
                    Serdes.String().serializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("out", Serdes.String().deserializer(),
                    Serdes.Long().deserializer());
            in.pipeKeyValueList(input);
            return out.readKeyValuesToList();
        }
    }

}
