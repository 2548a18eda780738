package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.MetaFileInfo;
import io.turbokv.SstInfo;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
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

/**
 * Issue 6: a full compaction ({@code TurboKV.fullCompact()}) of a store built from 10 overlapping write batches
 * of {@value #BATCH_ENTRIES} entries each (16-byte keys drawn from a space of {@value #KEY_SPACE}, so a key is
 * written about 2.5 times), one family. The store is written once per trial into a template directory; every
 * invocation compacts a fresh copy of it, so the operation is exactly one full compaction of
 * {@code 10 x} {@value #BATCH_ENTRIES} input entries. Divide {@code gc.alloc.rate.norm} by the input entries
 * (printed at setup) for heap bytes per merged entry; the per-invocation copy and open allocate a little of it.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/turbokv.jar org.openjdk.jmh.Main CompactionBenchmark -prof gc
 * </pre>
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class CompactionBenchmark {
    private static final int BATCHES = 10;
    private static final int BATCH_ENTRIES = 100_000;
    private static final int KEY_SPACE = 400_000;

    /** Value length in bytes: 24 is a small value (shared value blocks), 8 or less is inline. */
    @Param({"24"})
    public int valueBytes;

    private Path template;
    private Path work;
    private TurboKV db;

    /** Writes the template store: 10 batches of {@value #BATCH_ENTRIES} distinct random keys each. */
    @Setup(Level.Trial)
    public void writeTemplate() throws IOException {
        template = Files.createTempDirectory("turbokv-compaction-bench");
        SplittableRandom random = new SplittableRandom(6);
        byte[] key = new byte[16];
        byte[] value = new byte[valueBytes];
        try (TurboKV store = TurboKV.open(template, DbConfig.singleFamily())) {
            for (int b = 0; b < BATCHES; b++) {
                boolean[] taken = new boolean[KEY_SPACE];
                try (WriteBatch batch = store.writeBatch()) {
                    for (int written = 0; written < BATCH_ENTRIES; ) {
                        int k = random.nextInt(KEY_SPACE);
                        if (taken[k]) {
                            continue;
                        }
                        taken[k] = true;
                        ByteBuffer.wrap(key).putLong(0, k).putLong(8, ~k);
                        ByteBuffer.wrap(value).putInt(0, k).putInt(valueBytes - 4, b);
                        batch.put(0, key, value);
                        written++;
                    }
                    batch.commit();
                }
            }
            long entries = 0;
            long bytes = 0;
            for (MetaFileInfo meta : store.metaInfo()) {
                for (SstInfo sst : meta.ssts()) {
                    entries += sst.entryCount();
                    bytes += sst.sizeBytes();
                }
            }
            System.out.printf(Locale.ROOT, "%nCompactionBenchmark: input %d entries, %.1f MB of SSTs%n", entries,
                    bytes / 1e6);
        }
    }

    /** Deletes the template. */
    @TearDown(Level.Trial)
    public void deleteTemplate() throws IOException {
        delete(template);
    }

    /** A fresh copy of the template, opened. */
    @Setup(Level.Invocation)
    public void openCopy() throws IOException {
        work = Files.createTempDirectory("turbokv-compaction-bench-run");
        try (Stream<Path> files = Files.list(template)) {
            for (Path file : files.toList()) {
                Files.copy(file, work.resolve(file.getFileName()));
            }
        }
        db = TurboKV.open(work, DbConfig.singleFamily());
    }

    /** Closes and deletes the copy. */
    @TearDown(Level.Invocation)
    public void deleteCopy() throws IOException {
        db.close();
        delete(work);
    }

    /** One full compaction of the copy. */
    @Benchmark
    public TurboKV fullCompact() throws IOException {
        db.fullCompact();
        return db;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
