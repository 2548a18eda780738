package io.turbokv.kafka;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * TurboKV's Kafka Streams stores against Kafka's RocksDB stores, in JMH: the throughput of a counting and of a
 * windowed counting topology through {@link TopologyTestDriver} (a commit per record, caching on; the windowed count
 * one record a second of event time in one-minute windows, retention one hour; words over 500 keys) and the time to
 * restore a changelog (100 B values over half as many keys as records, batches of 1,000, a store with a changelog),
 * the workloads of {@code StoreBenchmarkTest} (which also checks that both stores give the same output). Each
 * operation is a whole workload of {@code records} records, timed once ({@link Mode#SingleShotTime}), so records/s is
 * {@code records} divided by the score; {@code cpuMicros} is the CPU time of the whole process (every thread:
 * compactions and RocksDB's background threads included) over the operation. Both stores of one size run back to
 * back, in forks of their own. Compiled and run by the {@code kafka-jmh} profile:
 *
 * <pre>{@code ./mvnw -B -ntp -o -pl kafka-streams -am test -Pkafka-jmh -DskipTests \
 *     -Dturbokv.kafka.jmh="KafkaStoreBenchmark -p records=10000"}</pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms4g"})
public class KafkaStoreBenchmark {
    private static final int KEYS = 500;
    private static final int RESTORE_BATCH = 1_000;

    /** The store and the size of a run, shared by every workload's state. */
    @State(Scope.Benchmark)
    public static class Params {
        /** Whose stores: {@code turbokv} or {@code rocksdb}. */
        @Param({"turbokv", "rocksdb"})
        public String store;
        /** Records per operation. */
        @Param({"10000", "1000000"})
        public int records;

        boolean rocks() {
            return store.equals("rocksdb");
        }
    }

    /** The process CPU time of the operations, reported beside the time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        /** The process CPU time over the operation, in microseconds. */
        public long cpuMicros;
        private long startNanos;

        /** JMH reads the counter after each iteration: it counts that iteration's operation only. */
        @Setup(Level.Iteration)
        public void reset() {
            cpuMicros = 0;
        }

        @Setup(Level.Invocation)
        public void start() {
            startNanos = processCpuNanos();
        }

        void stop() {
            cpuMicros += (processCpuNanos() - startNanos) / 1_000;
        }
    }

    /** A topology test driver over a fresh state directory, made before and dropped after each operation. */
    public abstract static class Topology {
        Path dir;
        TopologyTestDriver driver;
        TestInputTopic<String, String> in;
        TestOutputTopic<String, Long> out;
        List<String> words;

        abstract StreamsBuilder builder(Params params);

        @Setup(Level.Iteration)
        public void open(Params params) throws IOException {
            dir = Files.createTempDirectory(stateRoot(), "kafka-jmh-");
            words = words(params.records);
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
            driver = new TopologyTestDriver(builder(params).build(), props);
            in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            out = driver.createOutputTopic("out", Serdes.String().deserializer(), Serdes.Long().deserializer());
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            driver.close();
            deleteRecursively(dir);
        }
    }

    /** {@code groupByKey().count()} into a timestamped key-value store. */
    @State(Scope.Thread)
    public static class Count extends Topology {
        @Override
        StreamsBuilder builder(Params params) {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).groupByKey()
                    .count(Materialized.<String, Long>as(params.rocks()
                            ? Stores.persistentTimestampedKeyValueStore("counts")
                            : TurboKvStores.persistentTimestampedKeyValueStore("counts"))
                            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                    .toStream().to("out", Produced.with(Serdes.String(), Serdes.Long()));
            return builder;
        }
    }

    /** A one-minute tumbling-window count into a timestamped window store retaining an hour. */
    @State(Scope.Thread)
    public static class Windowed extends Topology {
        @Override
        StreamsBuilder builder(Params params) {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).groupByKey()
                    .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                    .count(Materialized.<String, Long>as(params.rocks()
                            ? Stores.persistentTimestampedWindowStore("windowed", Duration.ofHours(1),
                                    Duration.ofMinutes(1), false)
                            : TurboKvStores.persistentTimestampedWindowStore("windowed", Duration.ofHours(1),
                                    Duration.ofMinutes(1), false))
                            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                    .toStream((windowed, count) -> windowed.key() + "@" + windowed.window().start())
                    .to("out", Produced.with(Serdes.String(), Serdes.Long()));
            return builder;
        }
    }

    /** A key-value store with a changelog, initialised as Streams does, and the changelog to restore into it. */
    @State(Scope.Thread)
    public static class Restore {
        Path dir;
        KeyValueStore<Bytes, byte[]> store;
        RecordBatchingStateRestoreCallback callback;
        List<List<ConsumerRecord<byte[], byte[]>>> batches;

        @Setup(Level.Iteration)
        public void open(Params params) throws IOException {
            dir = Files.createTempDirectory(stateRoot(), "kafka-jmh-");
            batches = changelog(params.records);
            store = params.rocks() ? Stores.persistentKeyValueStore("restored").get()
                    : TurboKvStores.persistentKeyValueStore("restored").get();
            StubStateStoreContext context = new StubStateStoreContext(dir,
                    Map.of(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "INFO"));
            if (store instanceof StreamsStore turbo) {
                store.init(new SegmentContext(context, dir, true), store); // a store with a changelog
                callback = turbo.restoreCallback();
            } else {
                store.init(context, store);
                callback = (RecordBatchingStateRestoreCallback) context.restoreCallback;
            }
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            store.close();
            batches = null;
            deleteRecursively(dir);
        }
    }

    /**
     * Pipes {@code records} words through the counting topology (all at event time 0) and reads the counts out.
     *
     * @return the counts, for JMH to consume
     */
    @Benchmark
    public Map<String, Long> count(Count topology, Cpu cpu) {
        for (String word : topology.words) {
            topology.in.pipeInput(word, "x", 0L);
        }
        Map<String, Long> counts = topology.out.readKeyValuesToMap();
        cpu.stop();
        return counts;
    }

    /**
     * Pipes {@code records} words through the windowed topology, one a second of event time, and reads the counts out.
     *
     * @return the counts, for JMH to consume
     */
    @Benchmark
    public Map<String, Long> windowedCount(Windowed topology, Cpu cpu) {
        List<String> words = topology.words;
        for (int i = 0; i < words.size(); i++) {
            topology.in.pipeInput(words.get(i), "x", i * 1_000L);
        }
        Map<String, Long> counts = topology.out.readKeyValuesToMap();
        cpu.stop();
        return counts;
    }

    /**
     * Restores the changelog batch by batch, as Streams' restore consumer hands it over, then commits the store.
     * The timed region ends at that commit, as a restore hands over to processing: TurboKV's store (it has a
     * changelog) then still keeps up to {@link TurboKvStores#DEFAULT_COMMIT_BUFFER_BYTES} (16 MiB) of restored
     * entries in memory, which its close writes in the untimed tear-down, and RocksDB's store its memtables, flushed
     * when it closes. The score is the restore up to the handover, not the whole restore made durable.
     *
     * @return the store's value of a restored key, for JMH to consume
     */
    @Benchmark
    public byte[] restore(Restore restore, Cpu cpu) {
        for (List<ConsumerRecord<byte[], byte[]>> batch : restore.batches) {
            restore.callback.restoreBatch(batch);
        }
        restore.store.commit(Map.of());
        cpu.stop();
        return restore.store.get(Bytes.wrap("key-0".getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> words(int records) {
        SplittableRandom random = new SplittableRandom(42);
        List<String> words = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            words.add("w" + random.nextInt(KEYS));
        }
        return words;
    }

    private static List<List<ConsumerRecord<byte[], byte[]>>> changelog(int records) {
        SplittableRandom random = new SplittableRandom(7);
        List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
        for (int offset = 0; offset < records; offset += RESTORE_BATCH) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(RESTORE_BATCH);
            for (int i = offset; i < Math.min(offset + RESTORE_BATCH, records); i++) {
                byte[] key = ("key-" + random.nextInt(Math.max(1, records / 2))).getBytes(StandardCharsets.UTF_8);
                byte[] value = new byte[100];
                random.nextBytes(value);
                batch.add(new ConsumerRecord<>("restored-changelog", 0, i, 0L, TimestampType.CREATE_TIME, 0, 0, key,
                        value, new RecordHeaders(), Optional.empty()));
            }
            batches.add(batch);
        }
        return batches;
    }

    /** {@return where the state directories go: /dev/shm when there is one, as the unit tests' (StateDirs)} */
    private static Path stateRoot() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** {@return the CPU time of every thread of this process so far, in nanoseconds} */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
