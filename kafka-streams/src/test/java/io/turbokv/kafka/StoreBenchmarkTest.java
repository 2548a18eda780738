package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A same-run comparison of TurboKV's stores with Kafka's RocksDB stores: the throughput of a counting and a windowed
 * counting topology through {@link TopologyTestDriver} (which commits after every record, the worst case for a
 * store's commit cost), the same count driven on the store directly with a commit every 1,000 records (as an
 * application committing every few seconds sees it), the time to restore a changelog, and what one commit costs on
 * disk with and without fsync ({@link #commitCostOnDisk}). Each measurement runs in
 * alternating order, TurboKV first in odd rounds; the best round of each is reported with the ratio, and the lowest
 * CPU time of the whole process per record (every thread's, the stores' background threads too). The "before" rows
 * write every commit and restore batch ({@code turbokv.commit.buffer.bytes=0}), as the stores did before they kept
 * them in memory. The outputs of both stores are compared, so the run also checks they agree. Runs only with
 * {@code -Pkafka-bench}:
 *
 * <pre>{@code ./mvnw -B -ntp -pl kafka-streams -am test -Pkafka-bench -Dtest=StoreBenchmarkTest
 *     -Dsurefire.failIfNoSpecifiedTests=false}</pre>
 *
 * Sizes: {@code -Dturbokv.kafka.bench.records} (topologies, 10,000), {@code -Dturbokv.kafka.bench.restore}
 * (restored records, 200,000), {@code -Dturbokv.kafka.bench.windowRestore} (a window store's restored records,
 * 200,000), {@code -Dturbokv.kafka.bench.rounds} (2); {@code -Dturbokv.kafka.bench.before=false}
 * leaves the "before" rows out.
 */
@Tag("kafka-bench")
class StoreBenchmarkTest {
    private static final int RECORDS = Integer.getInteger("turbokv.kafka.bench.records", 10_000);
    private static final int RESTORE_RECORDS = Integer.getInteger("turbokv.kafka.bench.restore", 200_000);
    private static final int WINDOW_RESTORE_RECORDS = Integer.getInteger("turbokv.kafka.bench.windowRestore",
            200_000);
    private static final int ROUNDS = Integer.getInteger("turbokv.kafka.bench.rounds", 2);
    /** Whether to run the "before" rows, which write every commit: minutes each at larger sizes. */
    private static final boolean BEFORE_ROWS = Boolean.parseBoolean(System.getProperty(
            "turbokv.kafka.bench.before", "true"));
    private static final int KEYS = 500;
    private static final int DIRECT_COMMIT_EVERY = 1_000;
    private static final int RESTORE_BATCH = 1_000;
    private static final int RANGE_ENTRIES = Integer.getInteger("turbokv.kafka.bench.rangeEntries", 1_000_000);
    private static final int RANGE_QUERIES = 2_000;
    private static final int COMMIT_KEYS = 10_000;
    private static final int VERSIONED_KEYS = 10_000;
    private static final int VERSIONED_PUTS = Integer.getInteger("turbokv.kafka.bench.versionedPuts", 200_000);
    private static final int COMMITS = Integer.getInteger("turbokv.kafka.bench.commits", 1_000);

    /** What Kafka's RocksDB store reads from the application's configuration at init. */
    private static final Map<String, Object> STORE_CONFIGS = Map.of(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG,
            "INFO");
    /**
     * The setting under which a TurboKV store with a changelog writes every commit and restore batch, as every store
     * did before such stores kept their commits in memory: the "before" rows.
     */
    private static final Map<String, Object> EVERY_COMMIT_WRITTEN = Map.of(
            TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0);

    @TempDir(factory = StateDirs.class)
    Path dir;

    private int runs;

    @Test
    void turboKvAgainstRocksDbInOneRun() {
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-42s %14s %14s %8s %12s %12s", "workload", "TurboKV", "RocksDB",
                "ratio", "TurboKV CPU", "RocksDB CPU"));
        compare(table, "count, TopologyTestDriver (rec/s)",
                rocks -> countTopology(rocks ? Stores.persistentTimestampedKeyValueStore("counts")
                        : TurboKvStores.persistentTimestampedKeyValueStore("counts"), Map.of()));
        compareBefore(table, "count, TopologyTestDriver, before (rec/s)",
                rocks -> countTopology(rocks ? Stores.persistentTimestampedKeyValueStore("counts")
                        : TurboKvStores.persistentTimestampedKeyValueStore("counts"), EVERY_COMMIT_WRITTEN));
        compare(table, "windowed count, TopologyTestDriver (rec/s)",
                rocks -> windowedTopology(rocks ? Stores.persistentTimestampedWindowStore("windowed",
                        Duration.ofHours(1), Duration.ofMinutes(1), false)
                        : TurboKvStores.persistentTimestampedWindowStore("windowed", Duration.ofHours(1),
                                Duration.ofMinutes(1), false),
                        Map.of()));
        compareBefore(table, "windowed count, TopologyTestDriver, before",
                rocks -> windowedTopology(rocks ? Stores.persistentTimestampedWindowStore("windowed",
                        Duration.ofHours(1), Duration.ofMinutes(1), false)
                        : TurboKvStores.persistentTimestampedWindowStore("windowed", Duration.ofHours(1),
                                Duration.ofMinutes(1), false),
                        EVERY_COMMIT_WRITTEN));
        compare(table, "count on the store, commit/1,000 (rec/s)",
                rocks -> directCount(rocks ? Stores.persistentKeyValueStore("direct").get()
                        : TurboKvStores.persistentKeyValueStore("direct").get()));
        compare(table, "restore " + RESTORE_RECORDS + " records (rec/s)",
                rocks -> restore(rocks ? Stores.persistentKeyValueStore("restored").get()
                        : TurboKvStores.persistentKeyValueStore("restored").get(), Map.of()));
        compareBefore(table, "restore " + RESTORE_RECORDS + ", before (rec/s)",
                rocks -> restore(rocks ? Stores.persistentKeyValueStore("restored").get()
                        : TurboKvStores.persistentKeyValueStore("restored").get(), EVERY_COMMIT_WRITTEN));
        compare(table, "window restore " + WINDOW_RESTORE_RECORDS + " records, then a full scan (rec/s)",
                rocks -> windowRestore(rocks ? Stores.persistentTimestampedWindowStore("wrestored",
                        Duration.ofHours(1), Duration.ofMinutes(1), false).get()
                        : TurboKvStores.persistentTimestampedWindowStore("wrestored", Duration.ofHours(1),
                                Duration.ofMinutes(1), false).get()));
        System.out.println(String.join(System.lineSeparator(), table));
    }

    /**
     * Restores the changelog of a windowed count into a window store with a changelog: one-minute windows of 50,000
     * keys, a record every 10 ms of event time (so that 1,000,000 records cross some 2.8 hours: one-hour retention,
     * 30-minute segments, the oldest expiring as the restore goes), 8-byte values, in batches as Streams' restore
     * consumer polls; the timed region includes a commit and a full scan of the store after the restore (the same for
     * both stores: the count checks they agree), so the rate is of restore plus scan; {@return the run, with the
     * number of windows the store holds at the end}
     */
    private Run windowRestore(WindowStore<Bytes, byte[]> store) {
        Path stateDir = dir.resolve("run-" + runs++);
        try {
            Files.createDirectories(stateDir); // Streams creates the task's directory before its stores
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StubStateStoreContext context = new StubStateStoreContext(stateDir, new HashMap<>(STORE_CONFIGS));
        store.init(KafkaStoreContext.of(context, true), store);
        try {
            RecordBatchingStateRestoreCallback callback = assertInstanceOf(RecordBatchingStateRestoreCallback.class,
                    context.restoreCallback);
            SplittableRandom random = new SplittableRandom(11);
            List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
            for (int offset = 0; offset < WINDOW_RESTORE_RECORDS; offset += RESTORE_BATCH) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(RESTORE_BATCH);
                for (int i = offset; i < Math.min(offset + RESTORE_BATCH, WINDOW_RESTORE_RECORDS); i++) {
                    long time = i * 10L;
                    long windowStart = time - time % 60_000;
                    Bytes key = Bytes.wrap(("key-" + random.nextInt(50_000)).getBytes(StandardCharsets.UTF_8));
                    batch.add(new ConsumerRecord<>("wrestored-changelog", 0, i, time, TimestampType.CREATE_TIME, 0,
                            0, WindowKeySchema.toStoreKeyBinary(key, windowStart, 0).get(),
                            java.nio.ByteBuffer.allocate(8).putLong(i).array(), new RecordHeaders(),
                            Optional.empty()));
                }
                batches.add(batch);
            }
            long start = System.nanoTime();
            long startCpu = processCpuNanos();
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
                callback.restoreBatch(batch);
            }
            store.commit(Map.of());
            long windows = 0;
            try (var all = store.all()) {
                while (all.hasNext()) {
                    all.next();
                    windows++;
                }
            }
            return Run.of(WINDOW_RESTORE_RECORDS, start, startCpu, windows);
        } finally {
            store.close();
        }
    }

    /**
     * Ordered reads on a store of {@link #RANGE_ENTRIES} entries (16-byte keys, 100-byte values, restored from a
     * changelog and committed): a 10-key {@code range}, {@code reverseRange} and {@code prefixScan} at random places
     * (open, read the 10 entries, close), p50 and p99 over {@link #RANGE_QUERIES} of each after as many for warm-up,
     * and the time of {@code all()} to its first 10 entries; every read must give its 10 entries.
     */
    @Test
    void orderedReadsOnAMillionEntries() {
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-42s %14s %14s %8s", "ordered read, " + RANGE_ENTRIES + " entries",
                "TurboKV", "RocksDB", "ratio"));
        Map<String, double[]> turbo = rangeLatencies(TurboKvStores.persistentKeyValueStore("ranged").get());
        Map<String, double[]> rocks = rangeLatencies(Stores.persistentKeyValueStore("ranged").get());
        for (String read : turbo.keySet()) {
            for (int quantile = 0; quantile < 2; quantile++) {
                double t = turbo.get(read)[quantile];
                double r = rocks.get(read)[quantile];
                table.add(String.format(Locale.ROOT, "%-42s %14.1f %14.1f %8.2f",
                        read + (quantile == 0 ? " p50 (us)" : " p99 (us)"), t, r, t / r));
            }
        }
        System.out.println(String.join(System.lineSeparator(), table));
    }

    /**
     * A versioned store against Kafka's RocksDB versioned store ({@code /dev/shm}, alternating order, best of
     * {@link #ROUNDS}): {@link #VERSIONED_PUTS} puts over {@link #VERSIONED_KEYS} keys, one a millisecond of stream
     * time with one in ten up to 10 s late, in one record's processing without a commit; then as many
     * {@code get(key, asOf)} at random times of the last minute (the history retention). The answers of both stores
     * must be equal.
     */
    @Test
    void versionedAgainstRocksDb() {
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-42s %14s %14s %8s", "versioned, " + VERSIONED_KEYS + " keys",
                "TurboKV", "RocksDB", "ratio"));
        double[] turbo = new double[2];
        double[] rocks = new double[2];
        for (int round = 0; round < ROUNDS; round++) {
            boolean rocksFirst = round % 2 == 1;
            Object[] outcomes = new Object[2];
            for (boolean rocksRun : rocksFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                org.apache.kafka.streams.state.VersionedBytesStoreSupplier supplier = rocksRun
                        ? Stores.persistentVersionedKeyValueStore("versioned", Duration.ofMinutes(1))
                        : TurboKvStores.persistentVersionedKeyValueStore("versioned", Duration.ofMinutes(1));
                double[] rates = new double[2];
                outcomes[rocksRun ? 1 : 0] = versionedRun(supplier, rates);
                double[] best = rocksRun ? rocks : turbo;
                best[0] = Math.max(best[0], rates[0]);
                best[1] = Math.max(best[1], rates[1]);
            }
            assertEquals(outcomes[1], outcomes[0], "the versioned stores disagree");
        }
        table.add(String.format(Locale.ROOT, "%-42s %,14.0f %,14.0f %8.2f", "put, no commit (ops/s)", turbo[0],
                rocks[0], turbo[0] / rocks[0]));
        table.add(String.format(Locale.ROOT, "%-42s %,14.0f %,14.0f %8.2f", "get(key, asOf) (ops/s)", turbo[1],
                rocks[1], turbo[1] / rocks[1]));
        System.out.println(String.join(System.lineSeparator(), table));
    }

    /**
     * Puts, then reads as of past times, inside one record's processing under {@link TopologyTestDriver} (Kafka's
     * versioned store opens only inside Kafka Streams), so without a commit in between; {@code rates} receives
     * puts/s and gets/s; returns a hash of the answers.
     */
    private Object versionedRun(org.apache.kafka.streams.state.VersionedBytesStoreSupplier supplier, double[] rates) {
        long[] hash = new long[1];
        org.apache.kafka.streams.Topology topology = new org.apache.kafka.streams.Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("workload",
                () -> new org.apache.kafka.streams.processor.api.Processor<String, String, Void, Void>() {
                    private org.apache.kafka.streams.state.VersionedKeyValueStore<Bytes, byte[]> store;

                    @Override
                    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<Void, Void> context) {
                        store = context.getStateStore("versioned");
                    }

                    @Override
                    public void process(org.apache.kafka.streams.processor.api.Record<String, String> record) {
                        SplittableRandom random = new SplittableRandom(13);
                        byte[] value = new byte[100];
                        long start = System.nanoTime();
                        for (int i = 0; i < VERSIONED_PUTS; i++) {
                            random.nextBytes(value);
                            long time = 100_000L + i - (random.nextInt(10) == 0 ? random.nextInt(10_000) : 0);
                            store.put(Bytes.wrap(rangeKey(random.nextInt(VERSIONED_KEYS))), value.clone(), time);
                        }
                        rates[0] = VERSIONED_PUTS / ((System.nanoTime() - start) / 1e9);
                        long streamTime = 100_000L + VERSIONED_PUTS - 1;
                        start = System.nanoTime();
                        for (int i = 0; i < VERSIONED_PUTS; i++) {
                            var found = store.get(Bytes.wrap(rangeKey(random.nextInt(VERSIONED_KEYS))),
                                    streamTime - random.nextInt(60_000));
                            hash[0] = hash[0] * 31
                                    + (found == null ? 0 : Arrays.hashCode(found.value()) + found.timestamp());
                        }
                        rates[1] = VERSIONED_PUTS / ((System.nanoTime() - start) / 1e9);
                    }
                }, "in");
        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled(), "workload");
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props())) {
            driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer())
                    .pipeInput("go", "go", 0L);
        }
        return hash[0];
    }

    /**
     * What one Streams commit costs each store on disk (fsync costs nothing on {@code /dev/shm}): a store of
     * {@link #COMMIT_KEYS} keys (100-byte values) takes one put and a commit with its changelog offset,
     * {@link #COMMITS} times after as many for warm-up; p50, p99 and mean per commit in microseconds, best round of
     * {@link #ROUNDS} (by mean). TurboKV with fsync ({@code SYNC}: a store without a changelog), without
     * ({@code NO_SYNC}: a store with a changelog before its commits stayed in memory), a store with a changelog (its
     * commits in memory up to their size or age bound, which 1,000 one-put commits do not reach), and Kafka's
     * RocksDB store, in alternating order. The directory: {@code -Dturbokv.kafka.bench.diskDir} (default
     * {@code target/commit-bench}, emptied first).
     */
    @Test
    void commitCostOnDisk() throws java.io.IOException {
        Path disk = Path.of(System.getProperty("turbokv.kafka.bench.diskDir", "target/commit-bench"));
        Directories.deleteRecursively(disk);
        Map<String, java.util.function.Supplier<KeyValueStore<Bytes, byte[]>>> stores = new java.util.LinkedHashMap<>();
        stores.put("TurboKV, SYNC (no changelog)", () -> TurboKvStores.persistentKeyValueStore("committed",
                TurboKvStores.defaultConfig(io.turbokv.Durability.SYNC)).get());
        stores.put("TurboKV, NO_SYNC, written (before)", () -> TurboKvStores.persistentKeyValueStore("committed",
                TurboKvStores.defaultConfig(io.turbokv.Durability.NO_SYNC)).get());
        stores.put("TurboKV, changelog, in memory", () -> TurboKvStores.persistentKeyValueStore("committed").get());
        stores.put("RocksDB", () -> Stores.persistentKeyValueStore("committed").get());
        Map<String, double[]> best = new java.util.LinkedHashMap<>();
        List<String> names = new ArrayList<>(stores.keySet());
        for (int round = 0; round < ROUNDS; round++) {
            List<String> order = new ArrayList<>(names);
            if (round % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (String name : order) {
                double[] run = commitLatencies(stores.get(name).get(), disk.resolve("run-" + runs++),
                        name.contains("changelog,"));
                if (!best.containsKey(name) || run[2] < best.get(name)[2]) {
                    best.put(name, run);
                }
            }
        }
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-42s %10s %10s %10s %8s", "commit of one put, " + COMMIT_KEYS
                + " keys (us)", "p50", "p99", "mean", "/RocksDB"));
        double rocksMean = best.get("RocksDB")[2];
        for (String name : names) {
            double[] latency = best.get(name);
            table.add(String.format(Locale.ROOT, "%-42s %,10.0f %,10.0f %,10.0f %8.2f", name, latency[0], latency[1],
                    latency[2], latency[2] / rocksMean));
        }
        System.out.println(String.join(System.lineSeparator(), table));
    }

    /**
     * Times each commit after one put: p50, p99 and mean in microseconds; with {@code logged}, of a store that
     * Kafka Streams keeps a changelog of (see {@link #initWithChangelog}).
     */
    private double[] commitLatencies(KeyValueStore<Bytes, byte[]> store, Path stateDir, boolean logged) {
        StubStateStoreContext context = new StubStateStoreContext(stateDir, STORE_CONFIGS);
        store.init(logged ? new SegmentContext(context, stateDir, true) : context, store);
        try {
            org.apache.kafka.common.TopicPartition changelog = new org.apache.kafka.common.TopicPartition(
                    "committed-changelog", 0);
            SplittableRandom random = new SplittableRandom(9);
            byte[] value = new byte[100];
            for (int i = 0; i < COMMIT_KEYS; i++) {
                random.nextBytes(value);
                store.put(Bytes.wrap(rangeKey(i)), value.clone());
            }
            long offset = COMMIT_KEYS;
            store.commit(Map.of(changelog, offset));
            double[] micros = new double[COMMITS];
            for (int round = 0; round < 2; round++) { // the first warms up
                for (int i = 0; i < COMMITS; i++) {
                    random.nextBytes(value);
                    store.put(Bytes.wrap(rangeKey(random.nextInt(COMMIT_KEYS))), value.clone());
                    long began = System.nanoTime();
                    store.commit(Map.of(changelog, ++offset));
                    micros[i] = (System.nanoTime() - began) / 1e3;
                }
            }
            double mean = Arrays.stream(micros).average().orElseThrow();
            Arrays.sort(micros);
            assertEquals(offset, store.committedOffset(changelog), "every commit's offset");
            return new double[] {micros[COMMITS / 2], micros[COMMITS * 99 / 100], mean};
        } finally {
            store.close();
        }
    }

    private static byte[] rangeKey(long index) {
        return String.format(Locale.ROOT, "key-%012d", index).getBytes(StandardCharsets.UTF_8);
    }

    /** Loads the store, then times each ordered read: p50 and p99 in microseconds, by read. */
    private Map<String, double[]> rangeLatencies(KeyValueStore<Bytes, byte[]> store) {
        StubStateStoreContext context = new StubStateStoreContext(dir.resolve("run-" + runs++), STORE_CONFIGS);
        store.init(context, store);
        try {
            RecordBatchingStateRestoreCallback callback = (RecordBatchingStateRestoreCallback) context.restoreCallback;
            SplittableRandom random = new SplittableRandom(3);
            for (int offset = 0; offset < RANGE_ENTRIES; offset += 10_000) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(10_000);
                for (int i = offset; i < Math.min(offset + 10_000, RANGE_ENTRIES); i++) {
                    byte[] value = new byte[100];
                    random.nextBytes(value);
                    batch.add(new ConsumerRecord<>("ranged-changelog", 0, i, 0L, TimestampType.CREATE_TIME, 0, 0,
                            rangeKey(i), value, new RecordHeaders(), Optional.empty()));
                }
                callback.restoreBatch(batch);
            }
            store.commit(Map.of());
            Map<String, double[]> latencies = new java.util.LinkedHashMap<>();
            latencies.put("range, 10 keys", time(random, start -> store.range(Bytes.wrap(rangeKey(start)),
                    Bytes.wrap(rangeKey(start + 9)))));
            latencies.put("reverseRange, 10 keys", time(random, start -> store.reverseRange(
                    Bytes.wrap(rangeKey(start)), Bytes.wrap(rangeKey(start + 9)))));
            latencies.put("prefixScan, 10 keys", time(random, start -> store.prefixScan(
                    new String(rangeKey(start / 10 * 10), StandardCharsets.UTF_8).substring(0, 15),
                    Serdes.String().serializer())));
            latencies.put("all(), its first 10 entries", time(random, start -> store.all()));
            return latencies;
        } finally {
            store.close();
        }
    }

    /** Times reads at random starts: opens one, reads up to 10 entries, closes it; p50 and p99 in microseconds. */
    private static double[] time(SplittableRandom random,
                                 java.util.function.LongFunction<org.apache.kafka.streams.state.KeyValueIterator<Bytes, byte[]>> read) {
        double[] micros = new double[RANGE_QUERIES];
        for (int round = 0; round < 2; round++) { // the first warms up
            for (int query = 0; query < RANGE_QUERIES; query++) {
                long start = random.nextLong(RANGE_ENTRIES - 10);
                long began = System.nanoTime();
                int count = 0;
                try (var entries = read.apply(start)) {
                    while (count < 10 && entries.hasNext()) {
                        entries.next();
                        count++;
                    }
                }
                micros[query] = (System.nanoTime() - began) / 1e3;
                assertEquals(10, count, "10 entries from " + start);
            }
        }
        Arrays.sort(micros);
        return new double[] {micros[RANGE_QUERIES / 2], micros[RANGE_QUERIES * 99 / 100]};
    }

    /**
     * A measurement: records per second, the process's CPU time per record in microseconds (every thread's: the
     * stream thread's and the stores' own, such as TurboKV's compaction threads and RocksDB's background threads),
     * and what the store holds or gave out, to compare the two stores.
     */
    private record Run(double recordsPerSecond, double cpuMicrosPerRecord, Object outcome) {
        /** {@return a run of {@code records} records that took from {@code startNanos} and {@code startCpuNanos}} */
        static Run of(int records, long startNanos, long startCpuNanos, Object outcome) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            return new Run(records / seconds, (processCpuNanos() - startCpuNanos) / 1e3 / records, outcome);
        }
    }

    /** {@return the CPU time of every thread of this process so far, in nanoseconds} */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** As {@link #compare}, unless the "before" rows are left out ({@link #BEFORE_ROWS}). */
    private void compareBefore(List<String> table, String workload, Function<Boolean, Run> run) {
        if (BEFORE_ROWS) {
            compare(table, workload, run);
        }
    }

    private void compare(List<String> table, String workload, Function<Boolean, Run> run) {
        double turbo = 0;
        double rocks = 0;
        double turboCpu = Double.MAX_VALUE;
        double rocksCpu = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            boolean rocksFirst = round % 2 == 1;
            Run first = run.apply(rocksFirst);
            Run second = run.apply(!rocksFirst);
            Run turboRun = rocksFirst ? second : first;
            Run rocksRun = rocksFirst ? first : second;
            assertEquals(rocksRun.outcome(), turboRun.outcome(), workload + ": the stores disagree");
            turbo = Math.max(turbo, turboRun.recordsPerSecond());
            rocks = Math.max(rocks, rocksRun.recordsPerSecond());
            turboCpu = Math.min(turboCpu, turboRun.cpuMicrosPerRecord());
            rocksCpu = Math.min(rocksCpu, rocksRun.cpuMicrosPerRecord());
        }
        table.add(String.format(Locale.ROOT, "%-42s %,14.0f %,14.0f %8.2f %,10.1f us %,10.1f us", workload, turbo,
                rocks, turbo / rocks, turboCpu, rocksCpu));
    }

    private Properties props() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("run-" + runs++).toString());
        return props;
    }

    private static List<String> words() {
        SplittableRandom random = new SplittableRandom(42);
        List<String> words = new ArrayList<>(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            words.add("w" + random.nextInt(KEYS));
        }
        return words;
    }

    private Run countTopology(KeyValueBytesStoreSupplier supplier, Map<String, Object> settings) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).groupByKey()
                .count(Materialized.<String, Long>as(supplier).withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long()))
                .toStream().to("out", Produced.with(Serdes.String(), Serdes.Long()));
        return drive(builder, false, settings);
    }

    private Run windowedTopology(WindowBytesStoreSupplier supplier, Map<String, Object> settings) {
        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, String> grouped = builder.stream("in", Consumed.with(Serdes.String(),
                Serdes.String())).groupByKey();
        grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                .count(Materialized.<String, Long>as(supplier).withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long()))
                .toStream((windowed, count) -> windowed.key() + "@" + windowed.window().start())
                .to("out", Produced.with(Serdes.String(), Serdes.Long()));
        return drive(builder, true, settings);
    }

    /**
     * Pipes the words (one a second of event time when {@code windowed}) and reads the counts out; the application's
     * configuration has {@code settings} too.
     */
    private Run drive(StreamsBuilder builder, boolean windowed, Map<String, Object> settings) {
        List<String> words = words();
        Properties props = props();
        props.putAll(settings);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.String().serializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("out", Serdes.String().deserializer(),
                    Serdes.Long().deserializer());
            long start = System.nanoTime();
            long startCpu = processCpuNanos();
            for (int i = 0; i < words.size(); i++) {
                in.pipeInput(words.get(i), "x", windowed ? i * 1_000L : 0L);
            }
            return Run.of(words.size(), start, startCpu, out.readKeyValuesToMap());
        }
    }

    /** A count on the bytes store itself: a get and a put per record, a commit every 1,000 records. */
    private Run directCount(KeyValueStore<Bytes, byte[]> store) {
        initWithChangelog(store, Map.of());
        try {
            List<String> words = words();
            long start = System.nanoTime();
            long startCpu = processCpuNanos();
            for (int i = 0; i < words.size(); i++) {
                Bytes key = Bytes.wrap(words.get(i).getBytes(StandardCharsets.UTF_8));
                byte[] current = store.get(key);
                long count = current == null ? 1 : Long.parseLong(new String(current,
                        StandardCharsets.UTF_8)) + 1;
                store.put(key, Long.toString(count).getBytes(StandardCharsets.UTF_8));
                if (i % DIRECT_COMMIT_EVERY == DIRECT_COMMIT_EVERY - 1) {
                    store.commit(Map.of());
                }
            }
            store.commit(Map.of());
            return Run.of(words.size(), start, startCpu, contents(store));
        } finally {
            store.close();
        }
    }

    /**
     * Inits {@code store} as Kafka Streams inits a store it keeps a changelog of (a TurboKV store learns it from
     * Streams' internal context; the context of a store kept inside another tells it the same), with
     * {@code settings} in the application's configuration; {@return the store's restore callback}
     */
    private RecordBatchingStateRestoreCallback initWithChangelog(KeyValueStore<Bytes, byte[]> store,
                                                                 Map<String, Object> settings) {
        Path stateDir = dir.resolve("run-" + runs++);
        Map<String, Object> configs = new HashMap<>(STORE_CONFIGS);
        configs.putAll(settings);
        StubStateStoreContext context = new StubStateStoreContext(stateDir, configs);
        if (store instanceof StreamsStore turbo) {
            store.init(new SegmentContext(context, stateDir, true), store);
            return turbo.restoreCallback();
        }
        store.init(context, store);
        return assertInstanceOf(RecordBatchingStateRestoreCallback.class, context.restoreCallback);
    }

    /**
     * Restores a changelog of 100 B values over half as many keys, in batches as Streams' restore consumer polls,
     * with {@code settings} in the application's configuration.
     */
    private Run restore(KeyValueStore<Bytes, byte[]> store, Map<String, Object> settings) {
        RecordBatchingStateRestoreCallback callback = initWithChangelog(store, settings);
        try {
            SplittableRandom random = new SplittableRandom(7);
            List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
            for (int offset = 0; offset < RESTORE_RECORDS; offset += RESTORE_BATCH) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(RESTORE_BATCH);
                for (int i = offset; i < Math.min(offset + RESTORE_BATCH, RESTORE_RECORDS); i++) {
                    byte[] key = ("key-" + random.nextInt(RESTORE_RECORDS / 2))
                            .getBytes(StandardCharsets.UTF_8);
                    byte[] value = new byte[100];
                    random.nextBytes(value);
                    batch.add(new ConsumerRecord<>("restored-changelog", 0, i, 0L, TimestampType.CREATE_TIME, 0, 0,
                            key, value, new RecordHeaders(), Optional.empty()));
                }
                batches.add(batch);
            }
            long start = System.nanoTime();
            long startCpu = processCpuNanos();
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
                callback.restoreBatch(batch);
            }
            store.commit(Map.of());
            return Run.of(RESTORE_RECORDS, start, startCpu, contents(store).size());
        } finally {
            store.close();
        }
    }

    private static Map<Bytes, Integer> contents(KeyValueStore<Bytes, byte[]> store) {
        Map<Bytes, Integer> contents = new HashMap<>();
        try (var all = store.all()) {
            all.forEachRemaining((KeyValue<Bytes, byte[]> entry) -> contents.put(entry.key,
                    Arrays.hashCode(entry.value)));
        }
        return contents;
    }
}
