package io.turbokv.bench;

import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
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

/**
 * Latency of one small durable commit, the pattern of a Kafka Streams task that commits often: {@code keysPerCommit}
 * fresh random 16-byte keys with {@code valueBytes}-byte values, written and made durable. TurboKV: one
 * {@link WriteBatch} filled by the benchmark thread, then {@code commit()} (new SST, meta file, {@code CURRENT},
 * each fsynced). RocksDB: one atomic {@code WriteBatch} written with {@code sync=true} (the WAL fsynced; the
 * memtable flushes and compactions it triggers run in the background). Each iteration starts from an empty store,
 * so commits pile up within an iteration only (TurboKV does not compact here). The store lives in
 * {@link Stores#benchDir()}: {@code -Dturbokv.bench.dir=/dev/shm/...} puts it in memory, where fsync is nearly
 * free and the stores' own CPU costs show.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SmallCommitBenchmark {
    /** Store under test. */
    @Param({"turbokv", "rocksdb"})
    public String store;
    /** Entries per commit. */
    @Param({"1", "100"})
    public int keysPerCommit;
    /** Value length in bytes. */
    @Param({"100"})
    public int valueBytes;

    private final SplittableRandom random = new SplittableRandom(42);
    private byte[][] keys;
    private byte[][] values;
    private Path dir;
    private TurboKV turbo;
    private RocksDbStore rocks;

    /** Opens an empty store. */
    @Setup(Level.Iteration)
    public void setUp() throws Exception {
        keys = new byte[keysPerCommit][16];
        values = new byte[keysPerCommit][valueBytes];
        dir = Stores.benchDir().resolve(String.format(Locale.ROOT, "small-commit-%s-%d", store, keysPerCommit));
        Stores.deleteTree(dir);
        switch (store) {
            case "turbokv" -> turbo = TurboKV.open(dir, TurboKvStore.config());
            case "rocksdb" -> rocks = RocksDbStore.open(dir, KeyKind.of("bytes16"), valueBytes, false);
            default -> throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "store '%s' (expected: turbokv or rocksdb)", store));
        }
    }

    /** Closes and deletes the store. */
    @TearDown(Level.Iteration)
    public void tearDown() throws Exception {
        if (turbo != null) {
            turbo.close();
            turbo = null;
        }
        if (rocks != null) {
            rocks.close();
            rocks = null;
        }
        Stores.deleteTree(dir);
    }

    /** Writes {@code keysPerCommit} new entries and makes them durable. */
    @Benchmark
    public void commit() throws Exception {
        for (int i = 0; i < keysPerCommit; i++) {
            random.nextBytes(keys[i]);
            random.nextBytes(values[i]);
        }
        if (turbo != null) {
            try (WriteBatch batch = turbo.writeBatch()) {
                for (int i = 0; i < keysPerCommit; i++) {
                    batch.put(TurboKvStore.SINGLE, keys[i], values[i]);
                }
                batch.commit();
            }
        } else {
            rocks.writeSynced(keys, values);
        }
    }
}
