package io.turbokv.kafka.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.kafka.StateDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker in this JVM (Kafka's KRaft test kit) and a counting application on TurboKV stores under exactly-once
 * ({@link CountingInstance}) in a JVM of its own: the instance is killed with SIGKILL while it processes, and started
 * again on the same state directory. The final counts equal the input (nothing lost, nothing counted twice), and the
 * restarted instance restored its stores from the offsets they had committed locally, not from the start of the
 * changelog. Runs only with {@code -Pkafka-e2e}.
 */
@Tag("kafka-e2e")
class RestartEndToEndTest {
    private static final int PARTITIONS = 2;
    private static final int WORDS = 200;
    private static final int RECORDS_PER_PHASE = 30_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir(factory = StateDirs.class)
    Path dir;

    @Test
    @SuppressWarnings("try") // the test kit's close() may throw InterruptedException; the test rethrows it
    void anInstanceKilledMidStreamRestartsOnItsLocalStateAndCountsEveryRecordOnce() throws Exception {
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
                admin.createTopics(List.of(new NewTopic(CountingInstance.INPUT, PARTITIONS, (short) 1),
                        new NewTopic(CountingInstance.OUTPUT, PARTITIONS, (short) 1))).all().get();
            }
            Path stateDir = dir.resolve("state");
            SplittableRandom random = new SplittableRandom(7);
            Map<String, Long> expected = new HashMap<>();
            produce(bootstrap, random, expected, RECORDS_PER_PHASE, false);

            Instance first = Instance.start(bootstrap, stateDir, dir.resolve("first.log"));
            try {
                assertTrue(await(() -> latestCounts(bootstrap).equals(expected)),
                        () -> "the first instance did not count the first phase: " + first.lines());
                long firstPhase = total(expected);
                // the second phase is produced slowly, and the instance is killed while it counts it
                Map<String, Long> secondPhase = new HashMap<>();
                Thread producer = Thread.ofPlatform().start(() -> produce(bootstrap, random, secondPhase,
                        RECORDS_PER_PHASE, true));
                assertTrue(await(() -> total(latestCounts(bootstrap)) > firstPhase + RECORDS_PER_PHASE / 10),
                        "the first instance did not count the second phase");
                first.kill();
                producer.join();
                secondPhase.forEach((word, count) -> expected.merge(word, count, Long::sum));
            } finally {
                first.kill();
            }
            Map<TopicPartition, Long> changelogEnd = changelogEndOffsets(cluster);

            Instance second = Instance.start(bootstrap, stateDir, dir.resolve("second.log"));
            try {
                assertTrue(await(() -> latestCounts(bootstrap).equals(expected)),
                        () -> "final counts differ from the input: " + diff(expected, latestCounts(bootstrap))
                                + "; the restarted instance said " + second.lines());
            } finally {
                second.kill();
            }
            List<String> restores = second.lines().stream().filter(line -> line.startsWith("restore ")).toList();
            long restored = second.lines().stream().filter(line -> line.startsWith("restored "))
                    .mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).sum();
            long changelogRecords = changelogEnd.values().stream().mapToLong(Long::longValue).sum();
            assertTrue(second.lines().contains("running"), () -> "the restarted instance: " + second.lines());
            for (String restore : restores) {
                long start = Long.parseLong(restore.split(" ")[2]);
                assertTrue(start > 0, () -> "a store was restored from the start of its changelog, not from its "
                        + "local offsets: " + restore);
            }
            assertTrue(restored < changelogRecords, () -> "restored " + restored + " records of a changelog of "
                    + changelogRecords + ": " + restores);
            assertFalse(expected.isEmpty());
            assertEquals(2L * RECORDS_PER_PHASE, total(expected));
            System.out.printf("restart e2e: %d records; the killed instance's changelog ended at %s; the restarted "
                    + "instance restored %d records (%s)%n", total(expected), changelogEnd, restored, restores);
        }
    }

    /** The child JVM running {@link CountingInstance}, and what it printed so far. */
    private record Instance(Process process, List<String> output) {
        static Instance start(String bootstrap, Path stateDir, Path log) throws IOException {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow", "-Xmx512m", "-cp",
                    System.getProperty("java.class.path"), CountingInstance.class.getName(), bootstrap,
                    stateDir.toString())
                    .redirectError(log.toFile())
                    .start();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    reader.lines().forEach(output::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return new Instance(process, output);
        }

        /** SIGKILL: no shutdown hook, no close, no commit. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the instance did not die");
        }

        List<String> lines() {
            return List.copyOf(output);
        }
    }

    private static void produce(String bootstrap, SplittableRandom random, Map<String, Long> expected, int records,
                                boolean slowly) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                String word = "w" + random.nextInt(WORDS);
                expected.merge(word, 1L, Long::sum);
                producer.send(new ProducerRecord<>(CountingInstance.INPUT, word, word));
                if (slowly && i % 500 == 499) {
                    producer.flush();
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while producing", e);
        }
    }

    private static Map<TopicPartition, Long> changelogEndOffsets(KafkaClusterTestKit cluster) throws Exception {
        String changelog = CountingInstance.APPLICATION_ID + "-counts-changelog";
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                request.put(new TopicPartition(changelog, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().offset()));
        }
    }

    /** The last committed count of every word in the output topic. */
    private static Map<String, Long> latestCounts(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString()
                .toLowerCase(Locale.ROOT));
        Map<String, Long> counts = new HashMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new LongDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(CountingInstance.OUTPUT).stream()
                    .map(p -> new TopicPartition(CountingInstance.OUTPUT, p.partition())).toList();
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

    private static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
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
