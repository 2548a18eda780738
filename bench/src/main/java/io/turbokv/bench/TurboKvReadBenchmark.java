package io.turbokv.bench;

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
 * TurboKV's two other read APIs on the same store as {@link GetBenchmark}: {@code get(family, byte[])}, which
 * copies the value to the heap, and a {@code ReadScope} opened and closed around each read (its worst case: a
 * scope is meant to span many reads). The peers have no counterpart, so these rows compare TurboKV with itself.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TurboKvReadBenchmark {
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
    private TurboKvStore kv;
    private final RandomIndex random = new RandomIndex(1);

    /** Opens the populated TurboKV store (populating it on first use). */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        kv = (TurboKvStore) Stores.open("turbokv", Stores.storeDir(Stores.populated("turbokv", data, false)), data,
                false);
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        kv.close();
        data.close();
    }

    /** A random present key through {@code get(family, byte[])}: the value is copied to a new array. */
    @Benchmark
    public boolean getCopy(Blackhole blackhole) throws Exception {
        return kv.getCopy(random.next(entries), blackhole);
    }

    /** A random present key in a read scope of its own. */
    @Benchmark
    public boolean getReadScope(Blackhole blackhole) throws Exception {
        return kv.getScoped(random.next(entries), blackhole);
    }
}
