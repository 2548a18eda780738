package io.turbokv.kafka.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.kafka.StateDirs;
import io.turbokv.kafka.TurboKvStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker in this JVM (Kafka's KRaft test kit) and two instances of one counting application with TurboKV
 * stores under exactly-once: one instance stops mid-stream, its tasks move to the other, which rebuilds their
 * stores from the changelog, and the final counts equal the input. Runs only with {@code -Pkafka-e2e}.
 */
@Tag("kafka-e2e")
class FailoverEndToEndTest {
    private static final String INPUT = "words";
    private static final String OUTPUT = "counts";
    private static final int PARTITIONS = 4;
    private static final int WORDS = 300;
    private static final int RECORDS_PER_PHASE = 150_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir(factory = StateDirs.class)
    Path dir;

    @Test
    @SuppressWarnings("try") // the test kit's close() may throw InterruptedException; the test rethrows it
    void countsSurviveAnInstanceStoppingMidStream() throws Exception {
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1),
                        new NewTopic(OUTPUT, PARTITIONS, (short) 1))).all().get();
            }

            Map<String, Long> expected = new HashMap<>();
            SplittableRandom random = new SplittableRandom(11);
            AtomicLong restored = new AtomicLong();
            try (KafkaStreams first = start(bootstrap, "first", null);
                 KafkaStreams second = start(bootstrap, "second", restored)) {
                awaitRunning(first, second);
                produce(bootstrap, random, expected);
                assertTrue(await(() -> latestCounts(bootstrap).values().stream().mapToLong(Long::longValue).sum()
                        > 0), "the application counted nothing");

                long countedAtStop = latestCounts(bootstrap).values().stream().mapToLong(Long::longValue).sum();
                first.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(Duration.ofSeconds(30)));
                produce(bootstrap, random, expected);

                assertTrue(await(() -> latestCounts(bootstrap).equals(expected)),
                        () -> "final counts differ from the input: " + diff(expected, latestCounts(bootstrap)));
                assertTrue(restored.get() > 0, "the surviving instance restored nothing from the changelog");
                System.out.printf("e2e: %d records; one instance stopped when %d of the first %d were counted; "
                        + "%d changelog records restored on the other%n", 2 * RECORDS_PER_PHASE, countedAtStop,
                        RECORDS_PER_PHASE, restored.get());
            }
        }
    }

    private KafkaStreams start(String bootstrap, String instance, AtomicLong restored) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.<String, Long>as(TurboKvStores.persistentTimestampedKeyValueStore("counts"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "turbokv-failover");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(instance).toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        if (restored != null) {
            streams.setGlobalStateRestoreListener(new StateRestoreListener() {
                @Override
                public void onRestoreStart(TopicPartition partition, String store, long start, long end) {}

                @Override
                public void onBatchRestored(TopicPartition partition, String store, long end, long count) {
                    restored.addAndGet(count);
                }

                @Override
                public void onRestoreEnd(TopicPartition partition, String store, long total) {}
            });
        }
        streams.start();
        return streams;
    }

    private static void awaitRunning(KafkaStreams... instances) throws InterruptedException {
        assertTrue(await(() -> {
            for (KafkaStreams streams : instances) {
                if (streams.state() != KafkaStreams.State.RUNNING) {
                    return false;
                }
            }
            return true;
        }), "instances did not reach RUNNING");
    }

    private static void produce(String bootstrap, SplittableRandom random, Map<String, Long> expected) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < RECORDS_PER_PHASE; i++) {
                String word = "w" + random.nextInt(WORDS);
                expected.merge(word, 1L, Long::sum);
                producer.send(new ProducerRecord<>(INPUT, word, word));
            }
        }
    }

    /** The last committed count of every word in the output topic. */
    private static Map<String, Long> latestCounts(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(
                java.util.Locale.ROOT));
        Map<String, Long> counts = new HashMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new LongDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(OUTPUT).stream()
                    .map(p -> new TopicPartition(OUTPUT, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, Long> record : consumer.poll(Duration.ofMillis(200))) {
                    counts.put(record.key(), record.value());
                }
            }
        }
        return counts;
    }

    private static String diff(Map<String, Long> expected, Map<String, Long> actual) {
        StringBuilder out = new StringBuilder();
        expected.forEach((word, count) -> {
            if (!count.equals(actual.get(word))) {
                out.append(word).append(" expected ").append(count).append(" got ").append(actual.get(word))
                        .append("; ");
            }
        });
        return out.length() > 500 ? out.substring(0, 500) + "..." : out.toString();
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(500);
        }
        return condition.getAsBoolean();
    }
}
