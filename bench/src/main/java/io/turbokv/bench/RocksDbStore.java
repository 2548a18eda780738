package io.turbokv.bench;

import io.turbokv.DbConfig;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.openjdk.jmh.infra.Blackhole;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * RocksDB (rocksdbjni), configured after its wiki's "Setup Options and Basic Tuning": LZ4 on every level, a full
 * Bloom filter of 10 bits per key, 16 KiB blocks, an LRU block cache of 700 MiB (the sum of TurboKV's default
 * key- and value-block caches), index and filter blocks cached and pinned for L0, {@code bytes_per_sync} 1 MiB,
 * {@code IncreaseParallelism(2)} (the machine's cores), everything else default (leveled compaction with dynamic
 * level sizes).
 *
 * <p>WAL: on. A load writes {@link WriteBatch}es of 1,000 entries from two threads with {@code sync=false} and
 * ends with {@code FlushWAL(sync=true)}: every entry is durable when the load returns, as after TurboKV's commit,
 * but the load is not atomic as a whole (TurboKV's batch is). The read benchmarks open a store that was flushed
 * and fully compacted ({@code CompactRange}) after its load, as RocksDB recommends after a bulk load: its best case.
 *
 * <p>Multi-valued variant: no native multiset, so value {@code j} of key {@code k} is stored under
 * {@code k || j} (one byte), with a fixed-length prefix extractor of the key length and prefix Bloom filters;
 * {@link #getMultiple} is a prefix seek with {@code prefix_same_as_start} (merge operators were not chosen: a
 * merged value is one blob, not a set of values).
 */
public final class RocksDbStore implements KvStore, OrderedReads {
    /** Block cache bytes: TurboKV's default key-block plus value-block cache. */
    public static final long BLOCK_CACHE_BYTES =
            DbConfig.DEFAULT_KEY_BLOCK_CACHE_BYTES + DbConfig.DEFAULT_VALUE_BLOCK_CACHE_BYTES;
    private static final int WRITE_BATCH_ENTRIES = 1000;

    static {
        RocksDB.loadLibrary();
    }

    private final KeyKind keys;
    private final int valueBytes;
    private final LRUCache cache;
    private final BloomFilter filter;
    private final Options options;
    private final RocksDB db;
    private final ReadOptions readOptions = new ReadOptions();
    private final ReadOptions prefixReadOptions = new ReadOptions().setPrefixSameAsStart(true);
    /** A full scan does not fill the block cache, as RocksDB's {@code ReadOptions::fill_cache} docs advise. */
    private final ReadOptions scanReadOptions = new ReadOptions().setFillCache(false);
    private final byte[] key;
    private final MemorySegment keySegment;
    private final List<MemorySegment> batchKeySegments = new ArrayList<>();
    private final byte[] value;
    private final ByteBuffer iteratorValue;
    private final List<byte[]> batchKeys = new ArrayList<>();

    private RocksDbStore(Path dir, KeyKind keys, int valueBytes, boolean multi, boolean autoCompactions)
            throws Exception {
        this.keys = keys;
        this.valueBytes = valueBytes;
        this.cache = new LRUCache(BLOCK_CACHE_BYTES);
        this.filter = new BloomFilter(10, false);
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setBlockSize(16 << 10)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setFilterPolicy(filter)
                .setWholeKeyFiltering(!multi);
        this.options = new Options()
                .setCreateIfMissing(true)
                .setIncreaseParallelism(2)
                .setBytesPerSync(1 << 20)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table)
                .setDisableAutoCompactions(!autoCompactions);
        if (multi) {
            options.useFixedLengthPrefixExtractor(keys.lengthBytes());
            options.setMemtablePrefixBloomSizeRatio(0.1);
        }
        this.db = RocksDB.open(options, dir.toString());
        this.key = new byte[keys.lengthBytes()];
        this.keySegment = MemorySegment.ofArray(key);
        this.value = new byte[valueBytes];
        this.iteratorValue = ByteBuffer.allocateDirect(valueBytes);
    }

    /** Opens (creating when missing) the store in {@code dir}, multi-valued ({@code k || j} keys) or not. */
    public static RocksDbStore open(Path dir, KeyKind keys, int valueBytes, boolean multi) throws Exception {
        return new RocksDbStore(dir, keys, valueBytes, multi, true);
    }

    /**
     * Opens (creating when missing) a single-valued store in {@code dir} with automatic compactions disabled, for
     * {@link FullCompactionBenchmark}: its L0 files stay as written until {@link #compactAll}.
     */
    public static RocksDbStore openForCompaction(Path dir, KeyKind keys, int valueBytes) throws Exception {
        return new RocksDbStore(dir, keys, valueBytes, false, false);
    }

    /** Writes one entry to the memtable and the WAL (not synced: {@link #flush} makes it durable). */
    public void put(byte[] k, byte[] v) throws Exception {
        db.put(k, v);
    }

    /**
     * Writes {@code keys[i] -> values[i]} as one atomic {@link WriteBatch} with {@code sync=true}: durable when it
     * returns, the WAL fsynced (the small-commit benchmark's counterpart of one TurboKV commit).
     */
    public void writeSynced(byte[][] keys, byte[][] values) throws Exception {
        try (WriteBatch batch = new WriteBatch(); WriteOptions sync = new WriteOptions().setSync(true)) {
            for (int i = 0; i < keys.length; i++) {
                batch.put(keys[i], values[i]);
            }
            db.write(sync, batch);
        }
    }

    @Override
    public void load(Dataset data, ExecutorService fillers) throws Exception {
        int[] order = keys.writeOrder(data.entries());
        runOnTwo(fillers, part -> {
            try (WriteBatch batch = new WriteBatch(); WriteOptions writeOptions = new WriteOptions()) {
                ByteBuffer k = ByteBuffer.allocateDirect(keys.lengthBytes());
                MemorySegment kSegment = MemorySegment.ofBuffer(k);
                for (int j = part; j < order.length; j += 2) {
                    keys.write(order[j], kSegment, 0);
                    k.clear();
                    batch.put(k, data.valueBuffer(order[j]));
                    if (batch.count() == WRITE_BATCH_ENTRIES) {
                        db.write(writeOptions, batch);
                        batch.clear();
                    }
                }
                if (batch.count() > 0) {
                    db.write(writeOptions, batch);
                }
            }
        });
        db.flushWal(true);
    }

    @Override
    public void loadMulti(Dataset data, ExecutorService fillers) throws Exception {
        int multiKeys = data.multiKeys();
        runOnTwo(fillers, part -> {
            try (WriteBatch batch = new WriteBatch(); WriteOptions writeOptions = new WriteOptions()) {
                ByteBuffer k = ByteBuffer.allocateDirect(keys.lengthBytes() + 1);
                MemorySegment kSegment = MemorySegment.ofBuffer(k);
                for (int kIndex = part; kIndex < multiKeys; kIndex += 2) {
                    keys.write(kIndex, kSegment, 0);
                    for (int j = 0; j < Dataset.VALUES_PER_KEY; j++) {
                        k.clear();
                        k.put(keys.lengthBytes(), (byte) j);
                        batch.put(k, data.valueBuffer((long) kIndex * Dataset.VALUES_PER_KEY + j));
                    }
                    if (batch.count() >= WRITE_BATCH_ENTRIES) {
                        db.write(writeOptions, batch);
                        batch.clear();
                    }
                }
                if (batch.count() > 0) {
                    db.write(writeOptions, batch);
                }
            }
        });
        db.flushWal(true);
    }

    /** Flushes the memtables and compacts the whole key range: the state the read benchmarks start from. */
    public void flushAndCompact() throws Exception {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
        }
        db.compactRange();
    }

    @Override
    public boolean get(long index, Blackhole blackhole) throws Exception {
        keys.write(index, keySegment, 0);
        int size = db.get(readOptions, key, value);
        if (size == RocksDB.NOT_FOUND) {
            return false;
        }
        KvStore.consume(blackhole, value, Math.min(size, valueBytes));
        return true;
    }

    @Override
    public int batchGet(long[] indices, Blackhole blackhole) throws Exception {
        while (batchKeys.size() < indices.length) {
            byte[] k = new byte[keys.lengthBytes()];
            batchKeys.add(k);
            batchKeySegments.add(MemorySegment.ofArray(k));
        }
        for (int i = 0; i < indices.length; i++) {
            keys.write(indices[i], batchKeySegments.get(i), 0);
        }
        List<byte[]> values = db.multiGetAsList(readOptions, batchKeys.subList(0, indices.length));
        int found = 0;
        for (byte[] v : values) {
            if (v != null) {
                KvStore.consume(blackhole, v, v.length);
                found++;
            }
        }
        return found;
    }

    /** A {@link RocksIterator} of its own, {@code seek} to the key, then {@code next}. */
    @Override
    public int range(long index, int count, Blackhole blackhole) {
        keys.write(index, keySegment, 0);
        int visited = 0;
        try (RocksIterator iterator = db.newIterator(readOptions)) {
            for (iterator.seek(key); visited < count && iterator.isValid(); iterator.next()) {
                iteratorValue.clear();
                int size = iterator.value(iteratorValue);
                iteratorValue.limit(Math.min(size, valueBytes));
                KvStore.consume(blackhole, iteratorValue);
                visited++;
            }
        }
        return visited;
    }

    /** {@link #iterateAll}: RocksDB's own order is the key order. */
    @Override
    public long scanInKeyOrder(Blackhole blackhole) {
        return iterateAll(blackhole);
    }

    @Override
    public int getMultiple(long index, Blackhole blackhole) throws Exception {
        keys.write(index, keySegment, 0);
        int count = 0;
        try (RocksIterator iterator = db.newIterator(prefixReadOptions)) {
            for (iterator.seek(key); iterator.isValid(); iterator.next()) {
                iteratorValue.clear();
                int size = iterator.value(iteratorValue);
                iteratorValue.limit(Math.min(size, valueBytes));
                KvStore.consume(blackhole, iteratorValue);
                count++;
            }
        }
        return count;
    }

    /**
     * A {@link RocksIterator} from the first key to the last (key order), with {@code fill_cache=false}; each value
     * is copied into a direct buffer (the JNI way to read it without a {@code byte[]} per entry).
     */
    @Override
    public long iterateAll(Blackhole blackhole) {
        long count = 0;
        try (RocksIterator iterator = db.newIterator(scanReadOptions)) {
            for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                iteratorValue.clear();
                int size = iterator.value(iteratorValue);
                iteratorValue.limit(Math.min(size, valueBytes));
                KvStore.consume(blackhole, iteratorValue);
                count++;
            }
        }
        return count;
    }

    /**
     * A full manual compaction ({@code CompactRange} over the whole key range, default
     * {@code CompactRangeOptions}): what {@link CompactionBenchmark}'s RocksDB variant times.
     */
    public void compactAll() throws Exception {
        db.compactRange();
    }

    /** Flushes the memtables to an L0 file and waits for it. */
    public void flush() throws Exception {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
        }
    }

    @Override
    public void close() {
        db.close();
        readOptions.close();
        prefixReadOptions.close();
        scanReadOptions.close();
        options.close();
        filter.close();
        cache.close();
    }

    private interface Part {
        void run(int part) throws Exception;
    }

    private static void runOnTwo(ExecutorService fillers, Part body) throws Exception {
        List<Future<Void>> parts = new ArrayList<>();
        for (int part = 0; part < 2; part++) {
            int p = part;
            parts.add(fillers.submit(() -> {
                body.run(p);
                return null;
            }));
        }
        for (Future<Void> part : parts) {
            part.get();
        }
    }
}
