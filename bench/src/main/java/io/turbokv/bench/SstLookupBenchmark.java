package io.turbokv.bench;

import io.turbokv.io.KeyHash;
import io.turbokv.sst.EntryVisitor;
import io.turbokv.sst.LookupResult;
import io.turbokv.sst.LookupScratch;
import io.turbokv.sst.SstOptions;
import io.turbokv.sst.SstReader;
import io.turbokv.sst.SstSummary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issue 3's SST reader: {@code SstReader.lookup} of random present and absent keys in one file of
 * {@code entries} entries (written in the setup), key hashing included, with one {@code LookupScratch}. No meta
 * file, filter or cache is involved: this is the cost of one SST probe.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SstLookupBenchmark {
    /** Key kind label. */
    @Param({"int-rnd", "bytes16"})
    public String keys;
    /** Value length in bytes. */
    @Param({"100"})
    public int valueBytes;
    /** Entries in the file. */
    @Param({"1000000"})
    public int entries;
    /**
     * The key block budget in KiB ({@code SstOptions.keyBlockBytes}): 16 is the default, 256 the largest, whose
     * blocks of short entries put some 33 entries in each bucket of a block's bucket table.
     */
    @Param({"16"})
    public int keyBlockKiB;

    private Dataset data;
    private Path path;
    private SstReader reader;
    private final LookupScratch scratch = new LookupScratch();
    private final Arena arena = Arena.ofConfined();
    private MemorySegment key;
    private final Visitor visitor = new Visitor();
    private final RandomIndex random = new RandomIndex(1);

    /** Writes the file and opens it. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        data = new Dataset(KeyKind.of(keys), entries, valueBytes);
        Files.createDirectories(Stores.benchDir());
        path = Stores.benchDir().resolve("sst-lookup-" + data.name() + "-" + keyBlockKiB + "k.sst");
        SstOptions options = new SstOptions(keyBlockKiB << 10, SstOptions.DEFAULT.valueBlockBytes(),
                SstOptions.DEFAULT.compress(), SstOptions.DEFAULT.filterFingerprintBits());
        SstSummary summary = new SstData(data).write(path, options);
        reader = SstReader.open(path, 1, summary.blockCount(), summary.fileSize());
        key = arena.allocate(data.keys().lengthBytes());
        visitor.blackhole = Sinks.blackhole();
        for (int i = 0; i < 1000; i++) {
            if (probe(i) != LookupResult.FOUND || probe(entries + (long) i) != LookupResult.ABSENT) {
                throw new IllegalStateException("SST lookup check failed at key " + i + " of " + path);
            }
        }
    }

    /** Closes and deletes the file. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        reader.close();
        scratch.close();
        arena.close();
        Files.deleteIfExists(path);
        data.close();
    }

    private LookupResult probe(long index) throws Exception {
        data.keys().write(index, key, 0);
        return reader.lookup(KeyHash.hash(key), key, scratch, visitor);
    }

    /** A random present key; the value goes to the blackhole. */
    @Benchmark
    public LookupResult lookup(Blackhole blackhole) throws Exception {
        visitor.blackhole = blackhole;
        return probe(random.next(entries));
    }

    /** A random absent key. */
    @Benchmark
    public LookupResult lookupAbsent(Blackhole blackhole) throws Exception {
        visitor.blackhole = blackhole;
        return probe(entries + (long) random.next(entries));
    }

    private static final class Visitor implements EntryVisitor {
        Blackhole blackhole;

        @Override
        public void onValue(MemorySegment bytes, long offset, long length) {
            blackhole.consume(length);
            blackhole.consume(bytes.get(ValueLayout.JAVA_BYTE, offset));
            blackhole.consume(bytes.get(ValueLayout.JAVA_BYTE, offset + length - 1));
        }

        @Override
        public void onBlob(int blobSeq) {
            blackhole.consume(blobSeq);
        }

        @Override
        public void onTombstone() {
            blackhole.consume(0);
        }
    }
}
