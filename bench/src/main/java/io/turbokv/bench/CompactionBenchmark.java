package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Issue 6: a full compaction ({@code TurboKV.fullCompact()}) of {@link TenBatchStore}: 10 overlapping write
 * batches of {@value TenBatchStore#BATCH_ENTRIES} entries each (16-byte keys drawn from a space of
 * {@value TenBatchStore#KEY_SPACE}, so a key is written about 2.5 times), one family. The store is written once per
 * trial into a template directory; every invocation compacts a fresh copy of it, so the operation is exactly one
 * full compaction of {@code 10 x} {@value TenBatchStore#BATCH_ENTRIES} input entries. Divide
 * {@code gc.alloc.rate.norm} by the input entries (printed at setup) for heap bytes per merged entry; the
 * per-invocation copy and open allocate a little of it.
 *
 * <p>Besides the time, each invocation prints the input: bytes of the merged SSTs, read once; the output: bytes of
 * the new SST and meta files; the write amplification, output over input; and the input MB/s, input bytes over
 * the invocation's wall time (the copy and open before it and the close after it not included). A line at the end
 * of the trial gives the medians of the measured invocations. (Not JMH {@code @AuxCounters}: with single shots JMH
 * adds event counters up over the iterations, and a state injected into a counter state's fixture got an
 * instance of its own, which copied and opened the store twice per invocation.)
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *      -cp bench/target/turbokv-bench.jar org.openjdk.jmh.Main 'bench\.CompactionBenchmark\.' -prof gc
 * </pre>
 * (Anchor the pattern: a bare {@code CompactionBenchmark} also matches {@link FullCompactionBenchmark}.)
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class CompactionBenchmark {
    /** Value length in bytes: 24 is a small value (shared value blocks), 8 or less is inline. */
    @Param({"24"})
    public int valueBytes;

    private Path template;
    private long inputEntries;
    private long inputBytes;
    private Path work;
    private TurboKV db;
    private Set<Path> inputFiles;
    private long startNanos;
    private boolean measuring;
    private double[] megabytesPerSecond = new double[0];
    private double[] writeAmplifications = new double[0];

    /** Notes whether the coming iteration is measured, so that the trial's medians leave the warm-up out. */
    @Setup(Level.Iteration)
    public void startIteration(IterationParams iteration) {
        measuring = iteration.getType() == IterationType.MEASUREMENT;
    }

    /** Writes the template store ({@link TenBatchStore}). */
    @Setup(Level.Trial)
    public void writeTemplate() throws IOException {
        template = Files.createTempDirectory("turbokv-compaction-bench");
        TenBatchStore.write(template, valueBytes);
        try (TurboKV store = TurboKV.open(template, DbConfig.singleFamily())) {
            long[] sst = TenBatchStore.sstEntriesAndBytes(store);
            inputEntries = sst[0];
            inputBytes = sst[1];
        }
        System.out.printf(Locale.ROOT, "%nCompactionBenchmark: input %d entries, %.1f MB of SSTs%n", inputEntries,
                inputBytes / 1e6);
    }

    /** Prints the trial's medians and deletes the template. */
    @TearDown(Level.Trial)
    public void deleteTemplate() throws IOException {
        if (megabytesPerSecond.length > 0) {
            System.out.printf(Locale.ROOT, "%nCompactionBenchmark: %d measured compactions, median %.1f input MB/s,"
                    + " write amplification %.3f (output/input bytes)%n",
                    megabytesPerSecond.length, median(megabytesPerSecond), median(writeAmplifications));
        }
        TenBatchStore.delete(template);
    }

    /** A fresh copy of the template, opened; the clock starts last. */
    @Setup(Level.Invocation)
    public void openCopy() throws IOException {
        work = Files.createTempDirectory("turbokv-compaction-bench-run");
        TenBatchStore.copy(template, work);
        inputFiles = files(work);
        db = TurboKV.open(work, DbConfig.singleFamily());
        startNanos = System.nanoTime();
    }

    /** Stops the clock, measures the output, closes and deletes the copy. */
    @TearDown(Level.Invocation)
    public void deleteCopy() throws IOException {
        long nanos = System.nanoTime() - startNanos;
        long outputBytes = 0;
        for (Path file : files(work)) {
            String name = file.getFileName().toString();
            if (!inputFiles.contains(file) && (name.endsWith(".sst") || name.endsWith(".meta"))) {
                outputBytes += Files.size(file);
            }
        }
        double writeAmplification = (double) outputBytes / inputBytes;
        double inputMBps = inputBytes / 1e6 / (nanos / 1e9);
        if (measuring) {
            megabytesPerSecond = append(megabytesPerSecond, inputMBps);
            writeAmplifications = append(writeAmplifications, writeAmplification);
        }
        System.out.printf(Locale.ROOT, " [compaction: %.2f MB in, %.2f MB out (write amplification %.3f), %.1f ms,"
                + " %.1f input MB/s]", inputBytes / 1e6, outputBytes / 1e6, writeAmplification, nanos / 1e6,
                inputMBps);
        db.close();
        TenBatchStore.delete(work);
    }

    /** One full compaction of the copy. */
    @Benchmark
    public TurboKV fullCompact() throws IOException {
        db.fullCompact();
        return db;
    }

    private static Set<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new HashSet<>(files.toList());
        }
    }

    private static double[] append(double[] values, double value) {
        double[] longer = Arrays.copyOf(values, values.length + 1);
        longer[values.length] = value;
        return longer;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
