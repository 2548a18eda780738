package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.ValueConsumer;
import io.turbokv.WriteBatch;
import io.turbokv.cache.BlockCache;
import io.turbokv.cache.CacheHandle;
import io.turbokv.cache.Readers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 5's block caches. Store level: a random {@code get} (zero-copy, by callback) of a store whose key and value
 * blocks are compressed, with warm caches, without caches, and after {@code clearCache} before each batch of 1000
 * gets (which also drops the SST mappings). Cache level: {@code BlockCache} lookups that hit, and loads of new
 * 8 KiB blocks into a full cache (a miss, a reservation, an eviction, a copy, a publish), under 1 and 2 threads;
 * each operation enters and exits the readers' domain as a store lookup does.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/turbokv-bench.jar \
 *      org.openjdk.jmh.Main BlockCacheBenchmark -prof gc
 * </pre>
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BlockCacheBenchmark {
    private static final int STORE_KEYS = 200_000;
    private static final int BATCH = 1000;
    private static final int BLOCK_BYTES = 8 << 10;
    private static final int CACHED_BLOCKS = 4096;

    static byte[] key(int i) {
        return String.format(Locale.ROOT, "bench-key-%010d", i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(int i) {
        return String.format(Locale.ROOT, "value %010d ", i).repeat(6).getBytes(StandardCharsets.UTF_8);
    }

    /** A store of {@value #STORE_KEYS} keys with compressible keys and 102-byte values. */
    @State(Scope.Benchmark)
    public static class Store {
        /** Whether the store has its block caches (default sizes) or none. */
        @Param({"true", "false"})
        public boolean caches;

        TurboKV db;
        Path dir;
        MemorySegment[] keys;

        /** Writes the store and reads every key once (filling the caches). */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("turbokv-cache-bench");
            DbConfig.Builder config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE);
            if (!caches) {
                config.keyBlockCacheBytes(0).valueBlockCacheBytes(0);
            }
            db = TurboKV.open(dir, config.build());
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < STORE_KEYS; i++) {
                    batch.put(0, key(i), value(i));
                }
                batch.commit();
            }
            keys = new MemorySegment[STORE_KEYS];
            for (int i = 0; i < STORE_KEYS; i++) {
                keys[i] = MemorySegment.ofArray(key(i));
                if (db.get(0, key(i)).isEmpty()) {
                    throw new IllegalStateException("key " + i + " missing");
                }
            }
        }

        /** Closes and deletes the store. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            db.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    /** A reader's random source and value sink. */
    @State(Scope.Thread)
    public static class Reader implements ValueConsumer {
        final SplittableRandom random = new SplittableRandom(42);
        long sum;

        @Override
        public void accept(MemorySegment value) {
            sum += value.get(ValueLayout.JAVA_BYTE, value.byteSize() - 2);
        }
    }

    /** One random get. */
    @Benchmark
    public long get(Store store, Reader reader) throws IOException {
        store.db.get(0, store.keys[reader.random.nextInt(STORE_KEYS)], reader);
        return reader.sum;
    }

    /** {@code clearCache}, then {@value #BATCH} random gets; per get. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long getAfterClearCache(Store store, Reader reader) throws IOException {
        store.db.clearCache();
        for (int i = 0; i < BATCH; i++) {
            store.db.get(0, store.keys[reader.random.nextInt(STORE_KEYS)], reader);
        }
        return reader.sum;
    }

    /** A 64 MiB cache holding {@value #CACHED_BLOCKS} blocks of 8 KiB. */
    @State(Scope.Benchmark)
    public static class Cache {
        final Readers readers = new Readers();
        BlockCache cache;
        final AtomicInteger threads = new AtomicInteger();
        Arena arena;
        MemorySegment block;

        /** Fills the cache. */
        @Setup(Level.Trial)
        public void setUp() {
            cache = new BlockCache("bench", 64L << 20, readers);
            arena = Arena.ofShared();
            block = arena.allocate(BLOCK_BYTES);
            CacheHandle handle = new CacheHandle();
            int slot = readers.enter();
            handle.bind(slot);
            for (int i = 0; i < CACHED_BLOCKS; i++) {
                if (!cache.lookup(i, BLOCK_BYTES, handle) && handle.isReserved()) {
                    cache.fill(handle, block, 0);
                }
            }
            readers.exit(slot);
        }

        /** Frees the cache. */
        @TearDown(Level.Trial)
        public void tearDown() {
            cache.close();
            arena.close();
        }
    }

    /** A thread's handle and its stream of new keys. */
    @State(Scope.Thread)
    public static class CacheUser {
        final CacheHandle handle = new CacheHandle();
        final SplittableRandom random = new SplittableRandom(7);
        long nextKey;

        /** Gives the thread a key range of its own. */
        @Setup(Level.Trial)
        public void setUp(Cache cache) {
            nextKey = (long) (cache.threads.incrementAndGet()) << 40;
        }
    }

    /** A lookup that hits: enter, look up, read a byte, exit. */
    @Benchmark
    @Threads(1)
    public long cacheGet1Thread(Cache cache, CacheUser user) {
        return hit(cache, user);
    }

    /** As {@link #cacheGet1Thread}, two threads on one cache. */
    @Benchmark
    @Threads(2)
    public long cacheGet2Threads(Cache cache, CacheUser user) {
        return hit(cache, user);
    }

    /** A new 8 KiB block loaded into the full cache: miss, reserve (evicting), copy, publish. */
    @Benchmark
    @Threads(1)
    public long cachePut1Thread(Cache cache, CacheUser user) {
        return put(cache, user);
    }

    /** As {@link #cachePut1Thread}, two threads on one cache. */
    @Benchmark
    @Threads(2)
    public long cachePut2Threads(Cache cache, CacheUser user) {
        return put(cache, user);
    }

    private static long hit(Cache cache, CacheUser user) {
        int slot = cache.readers.enter();
        user.handle.bind(slot);
        try {
            long key = user.random.nextInt(CACHED_BLOCKS / 2); // stays resident: puts evict by S3-FIFO
            if (cache.cache.lookup(key, BLOCK_BYTES, user.handle)) {
                return user.handle.segment().get(ValueLayout.JAVA_BYTE, user.handle.offset());
            }
            if (user.handle.isReserved()) {
                cache.cache.fill(user.handle, cache.block, 0);
            }
            return 0;
        } finally {
            cache.readers.exit(slot);
        }
    }

    private static long put(Cache cache, CacheUser user) {
        int slot = cache.readers.enter();
        user.handle.bind(slot);
        try {
            long key = user.nextKey++;
            if (!cache.cache.lookup(key, BLOCK_BYTES, user.handle) && user.handle.isReserved()) {
                cache.cache.fill(user.handle, cache.block, 0);
                return 1;
            }
            return 0;
        } finally {
            cache.readers.exit(slot);
        }
    }
}
