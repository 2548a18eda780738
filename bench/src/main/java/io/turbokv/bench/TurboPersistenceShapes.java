package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.ValueConsumer;
import io.turbokv.WriteBatch;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The shapes of turbo-persistence's own criterion suite ({@code turbo-persistence/benches/mod.rs}), on TurboKV:
 * entries of (8 B key, 4 B value), (4 B, 32 KiB) and (32 KiB, 4 B), given as {@code entry = "KEY/VALUE"} bytes.
 *
 * <ul>
 *   <li>{@link #write}: a database of {@code dbMiB} MiB of key and value bytes (1, 10, 100) written as one batch,
 *       committed and closed, from an empty directory (open included, as in the Rust suite).
 *   <li>{@code get*}: one key, hit (a stored key) or miss (a random key), "cached" (block caches warm) or
 *       "uncached" ({@link TurboKV#clearCache()} and {@link TurboKV#prepareAllSstCaches()} before every get, not
 *       timed: the Rust suite's {@code prepare_db_for_benchmarking}), on a store of {@code readMiB} MiB written in
 *       {@code layout}: 1 commit then fully compacted, 1 commit uncompacted, 20 commits uncompacted.
 *   <li>{@link #batchGet}: {@code batchKeys} stored keys (100, 1 Ki, 10 Ki, 100 Ki) in one {@code batchGet}, on
 *       a 1-commit compacted store, caches warm.
 *   <li>{@code getMultiple*}: all values of a stored key of a multi-valued family with {@code valuesPerKey} (1 or
 *       4) values per key, cached and uncached.
 * </ul>
 *
 * <p>Bytes are made as that suite makes them: a key or value longer than 8 bytes is one third a prefix shared by
 * all of them, one third zeros (compressible) and the rest random; 8 bytes or fewer are all random; a key starts
 * with a unique counter (little-endian, up to 8 bytes), the counters shuffled. As in the Rust suite's default run
 * (without {@code LARGE_DB}), a store has at most {@code maxEntries} entries (102,400, its
 * {@code SCALED_MAX_ENTRIES}); {@code maxEntries=0} lifts the cap. So at the defaults the 8 B/4 B write of "100 MiB"
 * writes 102,400 entries, like the Rust default run, and the labels keep the nominal size.
 *
 * <p>Populated read stores are kept under the bench directory ({@link Stores#benchDir()}) and reused by the next
 * fork (their keys are regenerated from the same seed, without rewriting the store).
 */
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 2, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TurboPersistenceShapes {
    private static final int FAMILY = 0;
    /** The Rust suite's {@code SCALED_MAX_ENTRIES}. */
    private static final int SCALED_MAX_ENTRIES = 100 * 1024;
    private static final int MISS_KEYS = 1024;

    /** Key and value length of an {@code entry} parameter {@code "KEY/VALUE"}. */
    record Entry(int keyBytes, int valueBytes) {
        static Entry of(String spec) {
            String[] parts = spec.split("/");
            return new Entry(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }

        int entries(long dbBytes, int maxEntries) {
            long full = dbBytes / (keyBytes + valueBytes);
            return (int) (maxEntries > 0 ? Math.min(full, maxEntries) : full);
        }
    }

    /** The bytes of the Rust suite: see the class comment. */
    static final class Bytes {
        private final SplittableRandom random;

        Bytes(long seed) {
            random = new SplittableRandom(seed);
        }

        /** Fills {@code target} as {@code random_data}: shared third, zero third, random rest. */
        void data(byte[] target) {
            int size = target.length;
            if (size <= 8) {
                random.nextBytes(target);
                return;
            }
            int shared = size * 33 / 100;
            int compressible = size * 66 / 100;
            byte[] prefix = new byte[shared];
            new SplittableRandom(999).nextBytes(prefix);
            System.arraycopy(prefix, 0, target, 0, shared);
            java.util.Arrays.fill(target, shared, compressible, (byte) 0);
            byte[] rest = new byte[size - compressible];
            random.nextBytes(rest);
            System.arraycopy(rest, 0, target, compressible, rest.length);
        }

        /** {@code count} distinct keys of {@code size} bytes: {@link #data} with a shuffled counter up front. */
        byte[][] uniqueKeys(int size, int count) {
            long[] counters = new long[count];
            for (int i = 0; i < count; i++) {
                counters[i] = i;
            }
            for (int i = count - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                long t = counters[i];
                counters[i] = counters[j];
                counters[j] = t;
            }
            byte[][] keys = new byte[count][size];
            int counterBytes = Math.min(size, Long.BYTES);
            for (int i = 0; i < count; i++) {
                data(keys[i]);
                for (int b = 0; b < counterBytes; b++) {
                    keys[i][b] = (byte) (counters[i] >>> (8 * b));
                }
            }
            return keys;
        }
    }

    /** A store written and closed once per trial: {@link #write} opens, fills, commits and closes it. */
    @State(Scope.Thread)
    public static class WriteState {
        /** Key and value bytes, {@code "KEY/VALUE"}. */
        @Param({"8/4", "4/32768", "32768/4"})
        public String entry;
        /** Nominal database size in MiB (keys plus values). */
        @Param({"1", "10", "100"})
        public int dbMiB;
        /** Entry cap (the Rust default run's); 0 for none. */
        @Param({"102400"})
        public int maxEntries;

        Entry shape;
        int entries;
        byte[] data;
        Path dir;

        /** Makes the entries (keys and values back to back, as the Rust suite). */
        @Setup(Level.Trial)
        public void setUpTrial() {
            shape = Entry.of(entry);
            entries = shape.entries((long) dbMiB << 20, maxEntries);
            Bytes bytes = new Bytes(42);
            int entryBytes = shape.keyBytes() + shape.valueBytes();
            data = new byte[Math.multiplyExact(entries, entryBytes)];
            byte[] value = new byte[shape.valueBytes()];
            byte[][] keys = bytes.uniqueKeys(shape.keyBytes(), entries);
            for (int i = 0; i < entries; i++) {
                System.arraycopy(keys[i], 0, data, i * entryBytes, shape.keyBytes());
                bytes.data(value);
                System.arraycopy(value, 0, data, i * entryBytes + shape.keyBytes(), shape.valueBytes());
            }
        }

        /** A fresh directory per write. */
        @Setup(Level.Iteration)
        public void setUp() {
            dir = Stores.benchDir().resolve("shapes-write-" + entry.replace('/', '-') + "-" + dbMiB);
            Stores.deleteTree(dir);
        }

        /** Deletes the store written. */
        @TearDown(Level.Iteration)
        public void tearDown() {
            Stores.deleteTree(dir);
        }
    }

    /** One batch of every entry, commit, close; the score is seconds per database. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void write(WriteState state) throws Exception {
        MemorySegment data = MemorySegment.ofArray(state.data);
        int keyBytes = state.shape.keyBytes();
        int entryBytes = keyBytes + state.shape.valueBytes();
        try (TurboKV db = TurboKV.open(state.dir, DbConfig.singleFamily());
             WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < state.entries; i++) {
                long at = (long) i * entryBytes;
                batch.put(FAMILY, data.asSlice(at, keyBytes), data.asSlice(at + keyBytes, state.shape.valueBytes()));
            }
            batch.commit();
        }
    }

    /** A populated store, its stored keys (shuffled) and random miss keys. */
    abstract static class Populated {
        TurboKV db;
        byte[][] keys;
        MemorySegment[] keySegments;
        MemorySegment[] missSegments;
        final SplittableRandom pick = new SplittableRandom(123);
        final BlackholeConsumer consumer = new BlackholeConsumer();

        /**
         * Opens the store of this shape, writing it first unless a finished copy exists: {@code entries} values
         * over {@code entries / valuesPerKey} keys, in {@code commits} commits, then fully compacted if asked.
         */
        void open(Entry shape, long dbBytes, int maxEntries, int commits, boolean compacted, int valuesPerKey)
                throws Exception {
            int entries = shape.entries(dbBytes, maxEntries);
            int distinct = entries / valuesPerKey;
            boolean multi = valuesPerKey > 1 || this instanceof MultiState;
            DbConfig config = multi
                    ? DbConfig.builder().family("test", FamilyKind.MULTI_VALUE).build()
                    : DbConfig.singleFamily();
            Path dir = Stores.benchDir().resolve(String.format(Locale.ROOT, "shapes-%d-%d-%d-c%d-%s-v%d%s",
                    shape.keyBytes(), shape.valueBytes(), entries, commits, compacted ? "compacted" : "uncompacted",
                    valuesPerKey, multi ? "-multi" : ""));
            Path complete = dir.resolve("COMPLETE");
            keys = new Bytes(42).uniqueKeys(shape.keyBytes(), distinct);
            if (!Files.exists(complete)) {
                Stores.deleteTree(dir);
                Path store = dir.resolve("store");
                Bytes values = new Bytes(43);
                byte[] value = new byte[shape.valueBytes()];
                try (TurboKV writer = TurboKV.open(store, config)) {
                    int perCommit = entries / commits;
                    for (int c = 0; c < commits; c++) {
                        int end = c == commits - 1 ? entries : (c + 1) * perCommit;
                        try (WriteBatch batch = writer.writeBatch()) {
                            for (int i = c * perCommit; i < end; i++) {
                                values.data(value);
                                batch.put(FAMILY, keys[i % distinct], value);
                            }
                            batch.commit();
                        }
                    }
                    if (compacted) {
                        for (int i = 0; i < 3; i++) { // as the Rust suite: until every level is compacted
                            writer.fullCompact();
                        }
                    }
                }
                Files.writeString(complete, "");
            }
            db = TurboKV.open(dir.resolve("store"), config);
            SplittableRandom shuffle = new SplittableRandom(7);
            for (int i = keys.length - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                byte[] t = keys[i];
                keys[i] = keys[j];
                keys[j] = t;
            }
            keySegments = new MemorySegment[keys.length];
            for (int i = 0; i < keys.length; i++) {
                keySegments[i] = MemorySegment.ofArray(keys[i]);
            }
            Bytes misses = new Bytes(4242);
            missSegments = new MemorySegment[Math.min(MISS_KEYS, Math.max(16, keys.length))];
            for (int i = 0; i < missSegments.length; i++) {
                byte[] miss = new byte[shape.keyBytes()];
                misses.data(miss);
                missSegments[i] = MemorySegment.ofArray(miss);
            }
        }

        MemorySegment hitKey() {
            return keySegments[pick.nextInt(keySegments.length)];
        }

        MemorySegment missKey() {
            return missSegments[pick.nextInt(missSegments.length)];
        }

        /** Closes the store (kept on disk for the next fork). */
        @TearDown(Level.Trial)
        public void close() throws Exception {
            db.close();
        }
    }

    /** The store of the {@code get} shapes. */
    @State(Scope.Benchmark)
    public static class ReadState extends Populated {
        /** Key and value bytes, {@code "KEY/VALUE"}. */
        @Param({"8/4", "4/32768", "32768/4"})
        public String entry;
        /** How the store was written: commits, then compacted or not. */
        @Param({"1-compacted", "1-uncompacted", "20-uncompacted"})
        public String layout;
        /** Nominal store size in MiB (the Rust suite: 128). */
        @Param({"128"})
        public int readMiB;
        /** Entry cap (the Rust default run's); 0 for none. */
        @Param({"102400"})
        public int maxEntries;

        /** Writes (first time) and opens the store, then warms its caches. */
        @Setup(Level.Trial)
        public void setUp() throws Exception {
            String[] parts = layout.split("-");
            open(Entry.of(entry), (long) readMiB << 20, maxEntries, Integer.parseInt(parts[0]),
                    parts[1].equals("compacted"), 1);
            db.prepareAllSstCaches();
            Blackhole check = Sinks.blackhole();
            consumer.blackhole = check;
            for (int i = 0; i < Math.min(1000, keySegments.length); i++) {
                if (!db.get(FAMILY, keySegments[i], consumer)) {
                    throw new IllegalStateException(String.format(Locale.ROOT, "%s %s: stored key %d not found",
                            entry, layout, i));
                }
            }
        }
    }

    /**
     * Clears the block caches before every invocation (not timed): the "uncached" shapes. Their benchmarks run in
     * {@link Mode#SampleTime}, which reports the median and tail of the calls in its {@code p0.50} to
     * {@code p1.00} rows (its Score is still the mean: {@code bench/run-shapes} lists the medians apart, for the
     * README's uncached columns): with a setup of tens of microseconds per call JMH times each call on its own,
     * and on the shared 2-core machine the few calls descheduled midway
     * made the mean of an uncached miss 6.0 to 7.2 us (errors of 74 to 86 us) where its median was 0.8 us
     * (docs/perf/open-and-filter.md).
     */
    @State(Scope.Thread)
    public static class Uncached {
        /** {@code clear_block_caches} and {@code prepare_all_sst_caches}, as the Rust suite before each get. */
        @Setup(Level.Invocation)
        public void clear(ReadState read) throws Exception {
            read.db.clearCache();
            read.db.prepareAllSstCaches();
        }
    }

    /** A stored key, caches warm. */
    @Benchmark
    public boolean getHitCached(ReadState state, Blackhole blackhole) throws Exception {
        state.consumer.blackhole = blackhole;
        return state.db.get(FAMILY, state.hitKey(), state.consumer);
    }

    /** A stored key, caches cleared before the get. Sampled: see {@link Uncached}. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public boolean getHitUncached(ReadState state, Uncached uncached, Blackhole blackhole) throws Exception {
        state.consumer.blackhole = blackhole;
        return state.db.get(FAMILY, state.hitKey(), state.consumer);
    }

    /** A random (absent) key, caches warm. */
    @Benchmark
    public boolean getMissCached(ReadState state, Blackhole blackhole) throws Exception {
        state.consumer.blackhole = blackhole;
        return state.db.get(FAMILY, state.missKey(), state.consumer);
    }

    /** A random (absent) key, caches cleared before the get. Sampled: see {@link Uncached}. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public boolean getMissUncached(ReadState state, Uncached uncached, Blackhole blackhole) throws Exception {
        state.consumer.blackhole = blackhole;
        return state.db.get(FAMILY, state.missKey(), state.consumer);
    }

    /** The store and key arrays of the {@code batchGet} shapes. */
    @State(Scope.Benchmark)
    public static class BatchState extends Populated {
        /** Key and value bytes, {@code "KEY/VALUE"}. */
        @Param({"8/4"})
        public String entry;
        /** Keys per batch. */
        @Param({"100", "1024", "10240", "102400"})
        public int batchKeys;
        /** Nominal store size in MiB (the Rust suite: 128). */
        @Param({"128"})
        public int readMiB;
        /** Entry cap (the Rust default run's); 0 for none. */
        @Param({"102400"})
        public int maxEntries;

        byte[][] batch;

        /** Opens a 1-commit compacted store and fills the batch with random stored keys. */
        @Setup(Level.Trial)
        public void setUp() throws Exception {
            open(Entry.of(entry), (long) readMiB << 20, maxEntries, 1, true, 1);
            db.prepareAllSstCaches();
            batch = new byte[batchKeys][];
        }

        /** New random stored keys for every batch (not timed). */
        @Setup(Level.Invocation)
        public void pickKeys() {
            for (int i = 0; i < batch.length; i++) {
                batch[i] = keys[pick.nextInt(keys.length)];
            }
        }
    }

    /** {@code batchKeys} stored keys in one call; the score is time per batch. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[][] batchGet(BatchState state) throws Exception {
        return state.db.batchGet(FAMILY, state.batch);
    }

    /** The multi-valued store of the {@code getMultiple} shapes. */
    @State(Scope.Benchmark)
    public static class MultiState extends Populated {
        /** Key and value bytes, {@code "KEY/VALUE"}. */
        @Param({"8/4"})
        public String entry;
        /** Values per key. */
        @Param({"1", "4"})
        public int valuesPerKey;
        /** Nominal store size in MiB (the Rust suite: 128). */
        @Param({"128"})
        public int readMiB;
        /** Entry cap (the Rust default run's); 0 for none. */
        @Param({"102400"})
        public int maxEntries;

        /** Opens a 1-commit compacted multi-valued store. */
        @Setup(Level.Trial)
        public void setUp() throws Exception {
            open(Entry.of(entry), (long) readMiB << 20, maxEntries, 1, true, valuesPerKey);
            db.prepareAllSstCaches();
            Blackhole check = Sinks.blackhole();
            consumer.blackhole = check;
            int found = db.getMultiple(FAMILY, keySegments[0], consumer);
            if (found != valuesPerKey) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s: key 0 has %d values (expected: %d)", entry, found, valuesPerKey));
            }
        }
    }

    /** Clears the block caches of the multi-valued store before every invocation (not timed). */
    @State(Scope.Thread)
    public static class MultiUncached {
        /** As {@link Uncached#clear}. */
        @Setup(Level.Invocation)
        public void clear(MultiState multi) throws Exception {
            multi.db.clearCache();
            multi.db.prepareAllSstCaches();
        }
    }

    /** Every value of a stored key, caches warm. */
    @Benchmark
    public int getMultipleCached(MultiState state, Blackhole blackhole) throws Exception {
        state.consumer.blackhole = blackhole;
        return state.db.getMultiple(FAMILY, state.hitKey(), state.consumer);
    }

    /** Every value of a stored key, caches cleared before the call. Sampled: see {@link Uncached}. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public int getMultipleUncached(MultiState state, MultiUncached uncached, Blackhole blackhole) throws Exception {
        state.consumer.blackhole = blackhole;
        return state.db.getMultiple(FAMILY, state.hitKey(), state.consumer);
    }

    /** Hands each value to the current blackhole. */
    static final class BlackholeConsumer implements ValueConsumer {
        Blackhole blackhole;

        @Override
        public void accept(MemorySegment value) {
            KvStore.consume(blackhole, value);
        }
    }
}
