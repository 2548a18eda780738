package io.turbokv.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Ordered reads on a populated single-valued store, one thread ({@link OrderedReads}): a range of
 * {@value #RANGE} entries from a random key ({@link #range10}, sampled one by one for the latency percentiles: the
 * issue's target is a p50 under 50 µs at 1,000,000 entries) and a full scan in key order ({@link #scanAll},
 * milliseconds per pass). TurboKV reads its key-ordered family ({@link Stores#TURBOKV_ORDERED}: a read scope and a
 * cursor per range; {@link Stores#TURBOKV_ORDERED_COMPACTED} after a full compaction), RocksDB an iterator per range (its store fully compacted after the load), LMDB its renewed
 * read-only cursor. The setup checks that a range from a random key and a full scan see what they should.
 *
 * <pre>{@code
 * java @jdk-flags.txt --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
 *     -Dlmdbjava.disable.checks=true -cp bench/target/turbokv-bench.jar org.openjdk.jmh.Main RangeBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens",
        "java.base/sun.nio.ch=ALL-UNNAMED", "-Dlmdbjava.disable.checks=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class RangeBenchmark {
    /** Entries per {@link #range10}. */
    public static final int RANGE = 10;

    /** Store under test. */
    @Param({Stores.TURBOKV_ORDERED, Stores.TURBOKV_ORDERED_COMPACTED, "rocksdb", "lmdb"})
    public String store;
    /** Key kind label. */
    @Param({"int-seq", "bytes16"})
    public String keys;
    /** Value length in bytes. */
    @Param({"100"})
    public int valueBytes;
    /** Entries in the store. */
    @Param({"100000", "1000000"})
    public int entries;

    private Dataset data;
    private KvStore kv;
    private OrderedReads ordered;
    private final RandomIndex random = new RandomIndex(1);

    /** Opens the populated store (populating it on first use) and checks a range and a full scan. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        kv = Stores.open(store, Stores.storeDir(Stores.populated(store, data, false)), data, false);
        ordered = (OrderedReads) kv;
        Blackhole check = Sinks.blackhole();
        long seen = ordered.scanInKeyOrder(check);
        int ranged = ordered.range(0, RANGE, check);
        if (seen != entries || ranged != RANGE) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s %s: a full scan saw %d entries (expected %d), a range from key 0 %d (expected %d)", store,
                    data.name(), seen, entries, ranged, RANGE));
        }
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        kv.close();
        data.close();
    }

    /** {@value #RANGE} entries in key order from a random present key, each sampled for the percentiles. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int range10(Blackhole blackhole) throws Exception {
        return ordered.range(random.next(entries), RANGE, blackhole);
    }

    /** Every entry once, in key order; the score is the time of a pass. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long scanAll(Blackhole blackhole) throws Exception {
        return ordered.scanInKeyOrder(blackhole);
    }
}
