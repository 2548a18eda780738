package io.turbokv.bench;

import java.nio.file.Path;
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
 * Opening a populated store until its first value is read: TurboKV maps its SST files lazily, RocksDB opens every
 * table file at open ({@code max_open_files=-1}), LMDB maps one file, so "open" alone would compare different
 * amounts of work. The files are in the page cache (a warm open). Closing is not timed.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpenBenchmark {
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
    private Path storeDir;
    private KvStore kv;
    private final RandomIndex random = new RandomIndex(1);

    /** Populates the store on first use. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        storeDir = Stores.storeDir(Stores.populated(store, data, false));
    }

    /** Closes the store the last invocation opened. */
    @TearDown(Level.Invocation)
    public void close() throws Exception {
        if (kv != null) {
            kv.close();
            kv = null;
        }
    }

    /** Frees the data. */
    @TearDown(Level.Trial)
    public void tearDown() {
        data.close();
    }

    /** Opens the store and reads one random present key. */
    @Benchmark
    public boolean openAndGet(Blackhole blackhole) throws Exception {
        kv = Stores.open(store, storeDir, data, false);
        return kv.get(random.next(entries), blackhole);
    }
}
