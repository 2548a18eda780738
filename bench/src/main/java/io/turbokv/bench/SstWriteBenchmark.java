package io.turbokv.bench;

import io.turbokv.sst.SstSummary;
import java.nio.file.Files;
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

/**
 * Issue 3's SST writer: one file of {@code entries} pre-sorted entries written with {@code SstWriter}, finished
 * and synced. The score is seconds per file; the comparison reports MB/s of key and value bytes.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SstWriteBenchmark {
    /** Key kind label. */
    @Param({"int-rnd", "bytes16"})
    public String keys;
    /** Value length in bytes (2 KiB values need more than the 65,535 blocks of one SST at 1M entries). */
    @Param({"100"})
    public int valueBytes;
    /** Entries in the file. */
    @Param({"1000000"})
    public int entries;

    private Dataset data;
    private SstData sorted;
    private Path path;

    /** Sorts the entries. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        sorted = new SstData(data);
        Files.createDirectories(Stores.benchDir());
        path = Stores.benchDir().resolve("sst-write-" + data.name() + ".sst");
    }

    /** Deletes the file and frees the data. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Files.deleteIfExists(path);
        data.close();
    }

    /** Writes, finishes and syncs the file. */
    @Benchmark
    public SstSummary write() throws Exception {
        return sorted.write(path);
    }
}
