package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.ValueConsumer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
 * Issue 6: point reads on {@link TenBatchStore} (10 overlapping write batches, one family) as the batches left it
 * ({@code state=uncompacted}: 10 meta files, one per commit, whose SSTs all overlap in hash range, so a lookup may
 * consult every one of them, newest first) and after {@code fullCompact()} ({@code state=compacted}: no key stored
 * twice, SSTs that do not overlap). One thread, the zero-copy {@code get(family, MemorySegment, ValueConsumer)},
 * default block caches; each value's length and every byte of it go to the {@link Blackhole}. {@link #getPresent}
 * reads a random key that a batch wrote, {@link #getAbsent} a random key that none did (same shape, outside the
 * key space). The setup checks a sample of both, and that each value read back starts with its key's number,
 * before anything is measured.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *      -cp bench/target/turbokv-bench.jar org.openjdk.jmh.Main 'bench\.CompactionGetBenchmark\.'
 * </pre>
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CompactionGetBenchmark {
    /** {@code uncompacted}: the 10 batches' SSTs as committed; {@code compacted}: after {@code fullCompact()}. */
    @Param({"uncompacted", "compacted"})
    public String state;
    /** Value length in bytes, as {@link CompactionBenchmark}'s. */
    @Param({"24"})
    public int valueBytes;

    private Path dir;
    private TurboKV db;
    private int[] presentKeys;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key = arena.allocate(TenBatchStore.KEY_BYTES);
    private final WholeValueConsumer consumer = new WholeValueConsumer();
    private final RandomIndex random = new RandomIndex(7);

    /** Hands the value's length and every byte of it to the blackhole. */
    private static final class WholeValueConsumer implements ValueConsumer {
        Blackhole blackhole;
        int firstInt;

        @Override
        public void accept(MemorySegment value) {
            long size = value.byteSize();
            blackhole.consume(size);
            long i = 0;
            for (; i + Long.BYTES <= size; i += Long.BYTES) {
                blackhole.consume(value.get(ValueLayout.JAVA_LONG_UNALIGNED, i));
            }
            for (; i < size; i++) {
                blackhole.consume(value.get(ValueLayout.JAVA_BYTE, i));
            }
            firstInt = size >= Integer.BYTES ? value.get(TenBatchStore.BIG_ENDIAN_INT, 0) : -1;
        }
    }

    /** Writes the store, compacts it for {@code state=compacted}, opens it and checks a sample of keys. */
    @Setup(Level.Trial)
    public void openStore() throws IOException {
        if (!state.equals("uncompacted") && !state.equals("compacted")) {
            throw new IllegalArgumentException("state '" + state + "' (expected: uncompacted or compacted)");
        }
        dir = Files.createTempDirectory("turbokv-compaction-get-bench");
        boolean[] written = TenBatchStore.write(dir, valueBytes);
        int count = 0;
        for (boolean w : written) {
            count += w ? 1 : 0;
        }
        presentKeys = new int[count];
        for (int k = 0, i = 0; k < written.length; k++) {
            if (written[k]) {
                presentKeys[i++] = k;
            }
        }
        db = TurboKV.open(dir, DbConfig.singleFamily());
        if (state.equals("compacted")) {
            db.fullCompact();
        }
        long[] sst = TenBatchStore.sstEntriesAndBytes(db);
        int ssts = db.metaInfo().stream().mapToInt(meta -> meta.ssts().size()).sum();
        System.out.printf(Locale.ROOT, "%nCompactionGetBenchmark %s: %d distinct keys; %d SSTs in %d meta files,"
                + " %d entries, %.1f MB%n", state, presentKeys.length, ssts, db.metaInfo().size(), sst[0],
                sst[1] / 1e6);
        consumer.blackhole = Sinks.blackhole();
        RandomIndex sample = new RandomIndex(99);
        for (int i = 0; i < 1_000; i++) {
            int present = presentKeys[sample.next(presentKeys.length)];
            TenBatchStore.key(present, key);
            if (!db.get(0, key, consumer) || consumer.firstInt != present) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s: key %d should be present with a value starting with it", state, present));
            }
            int absent = TenBatchStore.KEY_SPACE + sample.next(TenBatchStore.KEY_SPACE);
            TenBatchStore.key(absent, key);
            if (db.get(0, key, consumer)) {
                throw new IllegalStateException(String.format(Locale.ROOT, "%s: key %d should be absent", state,
                        absent));
            }
        }
    }

    /** Closes and deletes the store. */
    @TearDown(Level.Trial)
    public void closeStore() throws IOException {
        db.close();
        arena.close();
        TenBatchStore.delete(dir);
    }

    /** A random key that a batch wrote; its value goes to the blackhole. */
    @Benchmark
    public boolean getPresent(Blackhole blackhole) throws IOException {
        TenBatchStore.key(presentKeys[random.next(presentKeys.length)], key);
        consumer.blackhole = blackhole;
        return db.get(0, key, consumer);
    }

    /** A random key that no batch wrote (numbers {@code KEY_SPACE..2*KEY_SPACE-1}). */
    @Benchmark
    public boolean getAbsent(Blackhole blackhole) throws IOException {
        TenBatchStore.key(TenBatchStore.KEY_SPACE + random.next(TenBatchStore.KEY_SPACE), key);
        consumer.blackhole = blackhole;
        return db.get(0, key, consumer);
    }
}
