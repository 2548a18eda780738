package io.turbokv.bench;

import io.turbokv.read.AccessedKeys;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a hit pays to record its key in {@link AccessedKeys}, one thread, no drain: hashes drawn from
 * {@link #distinct} values. Fewer distinct hashes than the log's 1 Mi capacity keep it sorting itself whenever it
 * fills (the sort's cost, amortized over the appends); more saturate it, after which a record appends nothing.
 * Run with {@code -prof gc} for the heap bytes per record.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessedKeysBenchmark {
    /** How many distinct hashes the hits draw from. */
    @Param({"200000", "600000", "4000000"})
    public int distinct;

    private static final int HASHES = 1 << 22;
    private final long[] hashes = new long[HASHES];
    private AccessedKeys keys;
    private int next;

    /** Draws the hashes the hits record and starts an empty record. */
    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        long[] values = random.longs(distinct).toArray();
        for (int i = 0; i < HASHES; i++) {
            hashes[i] = values[random.nextInt(distinct)];
        }
        keys = new AccessedKeys();
    }

    /** Records one hit. */
    @Benchmark
    public void record() {
        keys.record(hashes[next++ & (HASHES - 1)]);
    }
}
