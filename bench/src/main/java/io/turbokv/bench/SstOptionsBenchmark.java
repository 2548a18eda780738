package io.turbokv.bench;

import io.turbokv.Compression;
import io.turbokv.DbConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
 * The measured effect of each SST option of {@link DbConfig} ({@code keyBlockBytes}, {@code valueBlockBytes},
 * {@code compression}, {@code filterFingerprintBits}) and of the block cache sizes: per option set, a store of {@code entries} entries loaded
 * in one batch from two threads and fully compacted; then random present gets ({@link #get}, sampled for
 * percentiles), random absent gets ({@link #getAbsent}) and, separately, the load itself ({@link #load}, one
 * batch into a new store, single shot). The setup prints the compacted store's bytes per entry (SST and filter
 * bytes). Each option set differs from the defaults in one option; compare rows of the same run.
 *
 * <pre>{@code
 * java @jdk-flags.txt -cp bench/target/turbokv-bench.jar org.openjdk.jmh.Main SstOptionsBenchmark
 * }</pre>
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SstOptionsBenchmark {
    /** The option sets: the defaults, and each option moved alone. */
    public enum Options {
        /** Every option at its default. */
        DEFAULT(b -> b),
        /** 8 KiB key blocks, the smallest budget. */
        KEY_BLOCK_8K(b -> b.keyBlockBytes(8 << 10)),
        /** 64 KiB key blocks. */
        KEY_BLOCK_64K(b -> b.keyBlockBytes(64 << 10)),
        /** 4 KiB small value blocks, the smallest budget. */
        VALUE_BLOCK_4K(b -> b.valueBlockBytes(4 << 10)),
        /** 64 KiB small value blocks. */
        VALUE_BLOCK_64K(b -> b.valueBlockBytes(64 << 10)),
        /** No compression. */
        NO_COMPRESSION(b -> b.compression(Compression.NONE)),
        /** 16-bit key filter fingerprints. */
        FILTER_16(b -> b.filterFingerprintBits(16)),
        /** No block caches: every read decodes and verifies its blocks from the mapping. */
        NO_CACHE(b -> b.keyBlockCacheBytes(0).valueBlockCacheBytes(0)),
        /** 16 MiB block caches each, a small part of a 1,000,000-entry store's decoded blocks. */
        CACHE_16M(b -> b.keyBlockCacheBytes(16 << 20).valueBlockCacheBytes(16 << 20));

        private final UnaryOperator<DbConfig.Builder> options;

        Options(UnaryOperator<DbConfig.Builder> options) {
            this.options = options;
        }

        /** {@return the benchmark stores' configuration with this option set} */
        DbConfig config() {
            DbConfig.Builder builder = DbConfig.builder();
            TurboKvStore.config().families().forEach(builder::family);
            return options.apply(builder).build();
        }
    }

    /** The parameters every state shares. */
    @State(Scope.Benchmark)
    public static class Parameters {
        /** The option set. */
        @Param({"DEFAULT", "KEY_BLOCK_8K", "KEY_BLOCK_64K", "VALUE_BLOCK_4K", "VALUE_BLOCK_64K", "NO_COMPRESSION",
                "FILTER_16", "NO_CACHE", "CACHE_16M"})
        public Options options;
        /** Key kind label. */
        @Param({"bytes16"})
        public String keys;
        /** Value length in bytes: 100 is inline in the key block, 1000 in shared small value blocks. */
        @Param({"100", "1000"})
        public int valueBytes;
        /** Entries in the store. */
        @Param({"1000000"})
        public int entries;
        /**
         * {@code random} values (LZ4 gains nothing, blocks are stored as they are and never cached) or
         * {@code compressible} ones (every other 8 bytes zero: blocks are stored compressed and the caches decide).
         */
        @Param({"random"})
        public String values;

        Dataset data;

        /** Makes the data set. */
        @Setup(Level.Trial)
        public void setUp() {
            data = new Dataset(KeyKind.of(keys), entries, valueBytes, switch (values) {
                case "random" -> false;
                case "compressible" -> true;
                default -> throw new IllegalArgumentException("values: " + values
                        + " (expected: random or compressible)");
            });
        }

        /** Frees the data set. */
        @TearDown(Level.Trial)
        public void tearDown() {
            data.close();
        }
    }

    /** A loaded, fully compacted store, for the gets. */
    @State(Scope.Thread)
    public static class Loaded {
        TurboKvStore kv;
        Path dir;
        final RandomIndex random = new RandomIndex(1);

        /** Loads and compacts the store, and prints its bytes per entry. */
        @Setup(Level.Trial)
        public void setUp(Parameters p) throws Exception {
            dir = Files.createTempDirectory(Files.createDirectories(Stores.benchDir()), "sst-options-");
            kv = TurboKvStore.open(dir.resolve("store"), p.data.keys(), p.options.config());
            ExecutorService fillers = Stores.fillers();
            try {
                kv.load(p.data, fillers);
            } finally {
                fillers.shutdown();
            }
            kv.fullCompact();
            System.out.printf(Locale.ROOT, "%nSstOptionsBenchmark %s %s %d B %s x %d: %.1f bytes per entry%n",
                    p.options, p.keys, p.valueBytes, p.values, p.entries, (double) kv.fileBytes() / p.entries);
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            kv.close();
            Stores.deleteTree(dir);
        }
    }

    /** A new store per load. */
    @State(Scope.Thread)
    public static class Empty {
        TurboKvStore kv;
        Path dir;
        ExecutorService fillers;

        /** Starts the fillers. */
        @Setup(Level.Trial)
        public void startFillers() {
            fillers = Stores.fillers();
        }

        /** Opens a new store. */
        @Setup(Level.Invocation)
        public void setUp(Parameters p) throws Exception {
            dir = Files.createTempDirectory(Files.createDirectories(Stores.benchDir()), "sst-options-load-");
            kv = TurboKvStore.open(dir.resolve("store"), p.data.keys(), p.options.config());
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Invocation)
        public void tearDown() throws Exception {
            kv.close();
            Stores.deleteTree(dir);
        }

        /** Stops the fillers. */
        @TearDown(Level.Trial)
        public void stopFillers() {
            fillers.shutdown();
        }
    }

    /** A random present key; the value goes to the blackhole. */
    @Benchmark
    public boolean get(Parameters p, Loaded store, Blackhole blackhole) throws Exception {
        return store.kv.get(store.random.next(p.entries), blackhole);
    }

    /** A random absent key (indices {@code entries..2*entries-1}). */
    @Benchmark
    public boolean getAbsent(Parameters p, Loaded store, Blackhole blackhole) throws Exception {
        return store.kv.get(p.entries + (long) store.random.next(p.entries), blackhole);
    }

    /** Loads every entry in one batch from two threads into a new store and commits. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 3)
    public void load(Parameters p, Empty store) throws Exception {
        store.kv.load(p.data, store.fillers);
    }
}
