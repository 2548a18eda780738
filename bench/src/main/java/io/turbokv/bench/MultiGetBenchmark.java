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
 * All values of a random key of a multi-valued store: {@code entries / 8} keys with 8 values each. TurboKV uses a
 * multi-valued family and {@code getMultiple}; RocksDB and LMDB store {@code key || j} and scan the key's prefix
 * (see {@link RocksDbStore} and {@link LmdbStore} for why). The score counts keys (8 values each).
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MultiGetBenchmark {
    /** Store under test. */
    @Param({"turbokv", "rocksdb", "lmdb", "chronicle"})
    public String store;
    /** Key kind label. */
    @Param({"int-seq", "int-rnd", "bytes16"})
    public String keys;
    /** Value length in bytes. */
    @Param({"100", "2048"})
    public int valueBytes;
    /** Values in the store. */
    @Param({"1000000"})
    public int entries;

    private Dataset data;
    private KvStore kv;
    private final RandomIndex random = new RandomIndex(1);

    /** Opens the populated multi-valued store (populating it on first use) and checks a sample of keys. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        kv = Stores.open(store, Stores.storeDir(Stores.populated(store, data, true)), data, true);
        Blackhole check = Sinks.blackhole();
        RandomIndex sample = new RandomIndex(99);
        for (int i = 0; i < 1000; i++) {
            int index = sample.next(data.multiKeys());
            int found = kv.getMultiple(index, check);
            int absent = kv.getMultiple(data.multiKeys() + (long) index, check);
            if (found != Dataset.VALUES_PER_KEY || absent != 0) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s %s: key %d has %d values (expected: %d), absent key %d has %d", store, data.name(),
                        index, found, Dataset.VALUES_PER_KEY, data.multiKeys() + (long) index, absent));
            }
        }
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        kv.close();
        data.close();
    }

    /** Every value of a random present key. */
    @Benchmark
    public int getMultiple(Blackhole blackhole) throws Exception {
        return kv.getMultiple(random.next(data.multiKeys()), blackhole);
    }
}
