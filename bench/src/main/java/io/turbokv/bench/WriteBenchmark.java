package io.turbokv.bench;

import io.turbokv.WriteBufferReserve;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
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
 * Batch write plus durable commit: all {@code entries} entries into an empty store, timed from the first put until
 * the data is durable (TurboKV: two filler threads into one {@code WriteBatch}, then {@code commit()}; RocksDB:
 * two threads of 1,000-entry batches, then a WAL sync; LMDB: one write transaction, then its commit). Opening the
 * empty store and closing it are not timed; background work a store leaves running after it returns (RocksDB's
 * flushes and compactions) is not either. One invocation per iteration; the score is seconds per load, which the
 * comparison turns into entries per second.
 *
 * <p>{@code writeBufferReserveMiB} above 0 gives every TurboKV store of the fork one {@link WriteBufferReserve} of
 * that many MiB, as an application that opens, loads and closes stores one after another would: each load's store
 * then starts with the write buffers the previous load's store left (docs/perf/write-path.md, step 9). The default,
 * 0, is a store's own buffers only, each load's fresh store allocating its own.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WriteBenchmark {
    /** Store under test. */
    @Param({"turbokv", "rocksdb", "lmdb", "chronicle"})
    public String store;
    /** Key kind label. */
    @Param({"int-seq", "int-rnd", "bytes16"})
    public String keys;
    /** Value length in bytes. */
    @Param({"100", "2048"})
    public int valueBytes;
    /** Entries written per load. */
    @Param({"1000000"})
    public int entries;
    /** TurboKV only: the MiB of the fork's {@link WriteBufferReserve}, 0 for none (see the class comment). */
    @Param({"0"})
    public long writeBufferReserveMiB;

    private Dataset data;
    private ExecutorService fillers;
    private Path dir;
    private KvStore kv;
    private WriteBufferReserve reserve;

    /** Prepares the data and the filler threads. */
    @Setup(Level.Trial)
    public void setUpTrial() {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        fillers = Stores.fillers();
        reserve = writeBufferReserveMiB > 0 && store.equals("turbokv")
                ? WriteBufferReserve.create(writeBufferReserveMiB << 20)
                : null;
    }

    /** Opens an empty store. */
    @Setup(Level.Iteration)
    public void setUp() throws Exception {
        dir = Stores.benchDir().resolve("write-" + store + "-" + data.name());
        Stores.deleteTree(dir);
        kv = reserve == null
                ? Stores.open(store, dir, data, false)
                : TurboKvStore.open(dir, data.keys(), TurboKvStore.config().toBuilder().writeBufferReserve(reserve)
                        .build());
    }

    /** Closes and deletes the store. */
    @TearDown(Level.Iteration)
    public void tearDown() throws Exception {
        kv.close();
        Stores.deleteTree(dir);
    }

    /** Frees the data and the threads. */
    @TearDown(Level.Trial)
    public void tearDownTrial() {
        fillers.shutdown();
        data.close();
        if (reserve != null) {
            reserve.close();
        }
    }

    /** Loads every entry and makes it durable. */
    @Benchmark
    public void load() throws Exception {
        kv.load(data, fillers);
    }
}
