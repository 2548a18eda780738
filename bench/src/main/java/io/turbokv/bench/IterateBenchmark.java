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
 * A full scan of a populated single-valued store, one thread ({@link KvStore#iterateAll}): every entry once, each
 * value handed to the blackhole. The JMH score is milliseconds per full pass; the comparison table shows it as
 * entries per second ({@code entries / pass time}). Orders differ and are not compared: TurboKV
 * ({@code forEach}) and Chronicle Map ({@code forEachEntry}) scan in hash order, RocksDB and LMDB in key order.
 * The setup checks that one pass visits exactly {@code entries} entries.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class IterateBenchmark {
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

    /** Opens the populated store (populating it on first use) and checks that a pass sees every entry. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        kv = Stores.open(store, Stores.storeDir(Stores.populated(store, data, false)), data, false);
        long seen = kv.iterateAll(Sinks.blackhole());
        if (seen != entries) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s %s: a full scan saw %d entries, not %d",
                    store, data.name(), seen, entries));
        }
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        kv.close();
        data.close();
    }

    /** One full pass over the store; the score is the time of the whole pass. */
    @Benchmark
    public long iterateAll(Blackhole blackhole) throws Exception {
        return kv.iterateAll(blackhole);
    }
}
