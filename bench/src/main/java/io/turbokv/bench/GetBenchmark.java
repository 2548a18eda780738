package io.turbokv.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Point reads on a populated single-valued store, one thread: random present keys ({@link #get}, and
 * {@link #getLatency} for the latency distribution), absent keys ({@link #getAbsent}) and batches of
 * {@value #BATCH} random present keys ({@link #batchGet}, scored per key). TurboKV reads through its zero-copy
 * {@code get(family, MemorySegment, ValueConsumer)} here; {@link TurboKvReadBenchmark} measures its other read
 * APIs. The setup checks that present keys are found and absent ones are not before anything is measured.
 * {@code -p store=turbokv-compacted} reads TurboKV after a full compaction ({@link Stores#TURBOKV_COMPACTED}),
 * {@code turbokv} the SSTs the load left.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GetBenchmark {
    /** Keys per {@link #batchGet}. */
    public static final int BATCH = 100;

    /** Store under test. */
    @Param({"turbokv", "rocksdb", "lmdb", "chronicle"})
    public String store;
    /** Key kind label. */
    @Param({"int-seq", "int-rnd", "bytes16"})
    public String keys;
    /** Value length in bytes. */
    @Param({"100", "2048"})
    public int valueBytes;
    /** Entries in the store. */
    @Param({"1000000"})
    public int entries;

    private Dataset data;
    private KvStore kv;
    private final RandomIndex random = new RandomIndex(1);
    private final long[] batch = new long[BATCH];

    /** Opens the populated store (populating it on first use) and checks a sample of keys. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        kv = Stores.open(store, Stores.storeDir(Stores.populated(store, data, false)), data, false);
        Blackhole check = Sinks.blackhole();
        RandomIndex sample = new RandomIndex(99);
        for (int i = 0; i < 1000; i++) {
            int index = sample.next(entries);
            if (!kv.get(index, check) || kv.get(entries + (long) index, check)) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s %s: key %d should be present and key %d absent", store, data.name(), index,
                        entries + (long) index));
            }
        }
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        kv.close();
        data.close();
    }

    /** A random present key; the value goes to the blackhole. */
    @Benchmark
    public boolean get(Blackhole blackhole) throws Exception {
        return kv.get(random.next(entries), blackhole);
    }

    /** As {@link #get}, sampled one by one for the latency percentiles. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean getLatency(Blackhole blackhole) throws Exception {
        return kv.get(random.next(entries), blackhole);
    }

    /** A random absent key (indices {@code entries..2*entries-1}). */
    @Benchmark
    public boolean getAbsent(Blackhole blackhole) throws Exception {
        return kv.get(entries + (long) random.next(entries), blackhole);
    }

    /** {@value #BATCH} random present keys in one call; the score counts keys. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchGet(Blackhole blackhole) throws Exception {
        for (int i = 0; i < BATCH; i++) {
            batch[i] = random.next(entries);
        }
        return kv.batchGet(batch, blackhole);
    }
}
