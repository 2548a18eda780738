package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A full compaction, TurboKV ({@code fullCompact()}) against RocksDB ({@code CompactRange} over the whole key
 * range), of a store built as {@link CompactionBenchmark}'s is: {@value #BATCHES} overlapping write batches of
 * {@code entries / 10} distinct keys each, drawn at random from a space of {@code 0.4 x entries} keys of the
 * {@code keys} kind (so a key is written about 2.5 times), one family. LMDB (a B+tree updated in place) and Chronicle
 * Map (a hash table updated in place) have no compaction: the comparison table shows "n/a" for them.
 *
 * <p>TurboKV: {@link DbConfig#singleFamily()}, each batch one {@link WriteBatch} commit. RocksDB: the options of
 * {@link RocksDbStore} with automatic compactions disabled, each batch written and then flushed to its own L0 file,
 * so that its 10 L0 files overlap as TurboKV's 10 batches do; {@code CompactRange} with default
 * {@code CompactRangeOptions} merges them into the bottom level ({@code IncreaseParallelism(2)}, one subcompaction).
 * The store is written once per trial into a template directory; every invocation opens a fresh copy (not timed)
 * and times exactly one full compaction of {@code entries} input entries. The score is milliseconds per compaction;
 * the comparison table shows input entries per second.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FullCompactionBenchmark {
    private static final int BATCHES = 10;

    /**
     * Store under test: the two that compact. Not named {@code store}, so that the comparison's
     * {@code store=turbokv,rocksdb,lmdb} parameter does not reach it.
     */
    @Param({"turbokv", "rocksdb"})
    public String compactingStore;
    /** Key kind label. */
    @Param({"bytes16"})
    public String keys;
    /** Value length in bytes. */
    @Param({"100", "2048"})
    public int valueBytes;
    /** Input entries: the sum of the 10 batches. */
    @Param({"1000000"})
    public int entries;

    private Path template;
    private Path work;
    private TurboKV turbo;
    private RocksDbStore rocks;

    /** Writes the template store: {@value #BATCHES} batches of distinct random keys each. */
    @Setup(Level.Trial)
    public void writeTemplate() throws Exception {
        String store = compactingStore;
        if (!store.equals("turbokv") && !store.equals("rocksdb")) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "store '%s' has no compaction (expected: turbokv or rocksdb)", store));
        }
        KeyKind kind = KeyKind.of(keys);
        template = Stores.benchDir().resolve("compaction-" + store + "-" + keys + "-" + valueBytes + "-" + entries);
        Stores.deleteTree(template);
        Files.createDirectories(template);
        int batchEntries = entries / BATCHES;
        int keySpace = Math.max(batchEntries, (int) (entries * 0.4));
        SplittableRandom random = new SplittableRandom(6);
        byte[] key = new byte[kind.lengthBytes()];
        MemorySegment keySegment = MemorySegment.ofArray(key);
        byte[] value = new byte[valueBytes];
        MemorySegment valueSegment = MemorySegment.ofArray(value);
        try (TurboKV turboStore = store.equals("turbokv") ? TurboKV.open(template, DbConfig.singleFamily()) : null;
             RocksDbStore rocksStore = store.equals("rocksdb") ? RocksDbStore.openForCompaction(template, kind,
                     valueBytes) : null) {
            for (int b = 0; b < BATCHES; b++) {
                boolean[] taken = new boolean[keySpace];
                try (WriteBatch batch = turboStore == null ? null : turboStore.writeBatch()) {
                    for (int written = 0; written < batchEntries;) {
                        int k = random.nextInt(keySpace);
                        if (taken[k]) {
                            continue;
                        }
                        taken[k] = true;
                        kind.write(k, keySegment, 0);
                        valueSegment.fill((byte) (k + b));
                        if (batch != null) {
                            batch.put(0, key, value);
                        } else {
                            rocksStore.put(key, value);
                        }
                        written++;
                    }
                    if (batch != null) {
                        batch.commit();
                    } else {
                        rocksStore.flush();
                    }
                }
            }
        }
    }

    /** Deletes the template. */
    @TearDown(Level.Trial)
    public void deleteTemplate() {
        Stores.deleteTree(template);
    }

    /** A fresh copy of the template, opened. */
    @Setup(Level.Invocation)
    public void openCopy() throws Exception {
        work = template.resolveSibling(template.getFileName() + "-run");
        Stores.deleteTree(work);
        Files.createDirectories(work);
        try (Stream<Path> files = Files.list(template)) {
            for (Path file : files.toList()) {
                Files.copy(file, work.resolve(file.getFileName()));
            }
        }
        if (compactingStore.equals("turbokv")) {
            turbo = TurboKV.open(work, DbConfig.singleFamily());
        } else {
            rocks = RocksDbStore.openForCompaction(work, KeyKind.of(keys), valueBytes);
        }
    }

    /** Closes and deletes the copy. */
    @TearDown(Level.Invocation)
    public void deleteCopy() throws IOException {
        if (turbo != null) {
            turbo.close();
            turbo = null;
        }
        if (rocks != null) {
            rocks.close();
            rocks = null;
        }
        Stores.deleteTree(work);
    }

    /** One full compaction of the copy. */
    @Benchmark
    public Object fullCompact() throws Exception {
        if (turbo != null) {
            turbo.fullCompact();
            return turbo;
        }
        rocks.compactAll();
        return rocks;
    }
}
