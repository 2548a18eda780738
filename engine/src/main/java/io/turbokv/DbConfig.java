package io.turbokv;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.FileLayer;
import io.turbokv.io.MetaCopyBudget;
import io.turbokv.io.StoreDirectory;
import io.turbokv.sst.SstLimits;
import io.turbokv.sst.SstOptions;
import io.turbokv.store.StoreCore;
import io.turbokv.write.SpillLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a store is opened: its families, the sizes of its block caches, whether commits fsync, the size of its
 * {@code LOG}, whether it shows its statistics over JMX, the threshold of its slow-get JFR event, whether it
 * shares its block caches with other stores ({@link SharedBlockCache}), whether it compacts by itself
 * ({@link CompactionPolicy}), and how the SSTs it writes are laid out (block sizes, {@link Compression}, the
 * precision of their key filters). Immutable; build one with {@link #builder()}.
 *
 * <pre>{@code
 * DbConfig config = DbConfig.builder()
 *         .family("blobs", FamilyKind.SINGLE_VALUE)
 *         .family("edges", FamilyKind.MULTI_VALUE)
 *         .build();
 * }</pre>
 *
 * <p>A store records its families when it is created (its {@code SCHEMA} file) and checks them at every open: a
 * configuration that declares families must declare exactly those, and one that declares none (such as
 * {@link #storeDefined()}, or a builder given only cache sizes) opens the store with its own. Creating a store
 * needs them declared.
 */
public final class DbConfig {
    /** Default capacity of the key-block cache: 400 MiB, as turbo-persistence. */
    public static final long DEFAULT_KEY_BLOCK_CACHE_BYTES = 400L << 20;
    /** Default capacity of the value-block cache: 300 MiB, as turbo-persistence. */
    public static final long DEFAULT_VALUE_BLOCK_CACHE_BYTES = 300L << 20;
    /** Default size past which the {@code LOG} is rotated: 1 MiB, some 2,400 commits. */
    public static final long DEFAULT_LOG_FILE_BYTES = 1L << 20;
    /** Default slow-get threshold: 10 ms, some 10,000 times a get that hits the block caches. */
    public static final Duration DEFAULT_SLOW_GET_THRESHOLD = Duration.ofMillis(10);
    /** Default key block budget: {@value} bytes. */
    public static final int DEFAULT_KEY_BLOCK_BYTES = SstLimits.DEFAULT_KEY_BLOCK_SIZE;
    /** Default small value block budget: {@value} bytes. */
    public static final int DEFAULT_VALUE_BLOCK_BYTES = SstLimits.DEFAULT_SMALL_VALUE_BLOCK_SIZE;
    /** Default key filter fingerprint width: {@value} bits, about 9 bits per key and 0.39 % false positives. */
    public static final int DEFAULT_FILTER_FINGERPRINT_BITS = KeyFilter.DEFAULT_FINGERPRINT_BITS;
    /** Default (and largest) spill threshold of a write batch: {@value} bytes (64 MiB) of keys and values. */
    public static final long DEFAULT_SPILL_BYTES = SpillLimits.MAX_BYTES;
    /** Smallest spill threshold of a write batch: {@value} bytes (1 MiB) of keys and values. */
    public static final long MIN_SPILL_BYTES = SpillLimits.MIN_BYTES;
    /** Default (and largest) spill threshold of a write batch: {@value} entries. */
    public static final int DEFAULT_SPILL_ENTRIES = SpillLimits.MAX_ENTRIES;
    /** Smallest spill threshold of a write batch: {@value} entries. */
    public static final int MIN_SPILL_ENTRIES = SpillLimits.MIN_ENTRIES;

    private final List<FamilyConfig> families;
    private final long keyBlockCacheBytes;
    private final long valueBlockCacheBytes;
    private final FileLayer fileLayer;
    private final Durability durability;
    private final long logFileBytes;
    private final boolean jmx;
    private final Duration slowGetThreshold;
    private final SharedBlockCache blockCache;
    private final CompactionPolicy compactionPolicy;
    private final int writeThreads;
    private final int keyBlockBytes;
    private final int valueBlockBytes;
    private final Compression compression;
    private final int filterFingerprintBits;
    private final long spillBytes;
    private final int spillEntries;
    private final long metaCopyBytes;
    private final WriteBufferReserve writeBufferReserve;

    private DbConfig(Builder builder) {
        this.families = List.copyOf(builder.families);
        this.keyBlockCacheBytes = builder.keyBlockCacheBytes;
        this.valueBlockCacheBytes = builder.valueBlockCacheBytes;
        this.fileLayer = builder.fileLayer;
        this.durability = builder.durability;
        this.logFileBytes = builder.logFileBytes;
        this.jmx = builder.jmx;
        this.slowGetThreshold = builder.slowGetThreshold;
        this.blockCache = builder.blockCache;
        this.compactionPolicy = builder.compactionPolicy;
        this.writeThreads = builder.writeThreads;
        this.keyBlockBytes = builder.keyBlockBytes;
        this.valueBlockBytes = builder.valueBlockBytes;
        this.compression = builder.compression;
        this.filterFingerprintBits = builder.filterFingerprintBits;
        this.spillBytes = builder.spillBytes;
        this.spillEntries = builder.spillEntries;
        this.metaCopyBytes = builder.metaCopyBytes;
        this.writeBufferReserve = builder.writeBufferReserve;
    }

    /** {@return a builder with no families and the default cache sizes} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return a configuration that declares no families, with the default cache sizes: an existing store is opened
     * with the families it recorded ({@link TurboKV#open(java.nio.file.Path)})}
     */
    public static DbConfig storeDefined() {
        return new Builder().build();
    }

    /** {@return a configuration with one single-valued family named {@code default}} */
    public static DbConfig singleFamily() {
        return builder().family("default", FamilyKind.SINGLE_VALUE).build();
    }

    /**
     * {@return the families, addressed by their index in this list; empty when this configuration leaves them to the
     * store (the {@link TurboKV#config()} of an open store always lists them)}
     */
    public List<FamilyConfig> families() {
        return families;
    }

    /**
     * {@return the family at {@code index}}
     *
     * @param index the family's index, from 0
     * @throws IllegalArgumentException when there is no such family; the message names the valid range
     */
    public FamilyConfig family(int index) {
        if (index < 0 || index >= families.size()) {
            throw new IllegalArgumentException("family " + index + " does not exist (families: 0.."
                    + (families.size() - 1) + ")");
        }
        return families.get(index);
    }

    /**
     * {@return the block caches the store shares with other stores, or {@code null} when it has caches of its own
     * ({@link #keyBlockCacheBytes()}, {@link #valueBlockCacheBytes()})}
     */
    public SharedBlockCache blockCache() {
        return blockCache;
    }

    /**
     * {@return the native write buffers the store passes on to other stores when it closes and draws on before it
     * allocates, or {@code null} (the default) when a closing store frees them}
     */
    public WriteBufferReserve writeBufferReserve() {
        return writeBufferReserve;
    }

    /** {@return the capacity of the decompressed key-block cache in bytes, unless {@link #blockCache()} is set} */
    public long keyBlockCacheBytes() {
        return keyBlockCacheBytes;
    }

    /** {@return the capacity of the decompressed value-block cache in bytes, unless {@link #blockCache()} is set} */
    public long valueBlockCacheBytes() {
        return valueBlockCacheBytes;
    }

    /** {@return whether commits fsync; {@link Durability#SYNC} unless the builder said otherwise} */
    public Durability durability() {
        return durability;
    }

    /** {@return the size past which the store's {@code LOG} is rotated, in bytes} */
    public long logFileBytes() {
        return logFileBytes;
    }

    /** {@return whether the store registers its {@link StoreMXBean} while open; false unless the builder said so} */
    public boolean jmx() {
        return jmx;
    }

    /**
     * {@return the duration from which a point read emits the JFR event {@code io.turbokv.SlowGet};
     * {@link #DEFAULT_SLOW_GET_THRESHOLD} unless the builder said otherwise}
     */
    public Duration slowGetThreshold() {
        return slowGetThreshold;
    }

    /** {@return whether and when the store compacts by itself; {@link CompactionPolicy#manual()} by default} */
    public CompactionPolicy compactionPolicy() {
        return compactionPolicy;
    }

    /** {@return the threads of a writable store's spill and merge pool; the processor count by default} */
    public int writeThreads() {
        return writeThreads;
    }

    /** {@return the budget of a key block of the SSTs the store writes, in bytes} */
    public int keyBlockBytes() {
        return keyBlockBytes;
    }

    /** {@return the budget of a small value block of the SSTs the store writes, in bytes} */
    public int valueBlockBytes() {
        return valueBlockBytes;
    }

    /** {@return whether the SSTs the store writes compress their blocks} */
    public Compression compression() {
        return compression;
    }

    /** {@return the fingerprint width of the key filters of the SSTs the store writes, 8 or 16 bits} */
    public int filterFingerprintBits() {
        return filterFingerprintBits;
    }

    /** {@return the key and value bytes at which a write batch spills a family's entries to an SST of their own} */
    public long spillBytes() {
        return spillBytes;
    }

    /** {@return the entries at which a write batch spills a family's entries to an SST of their own} */
    public int spillEntries() {
        return spillEntries;
    }

    /** The sizes and limits of the store's parts. */
    StoreCore.Settings settings() {
        return new StoreCore.Settings(keyBlockCacheBytes, valueBlockCacheBytes,
                blockCache == null ? null : blockCache.caches(), logFileBytes, jmx, slowGetThreshold.toNanos(),
                compactionPolicy, writeThreads,
                new SstOptions(keyBlockBytes, valueBlockBytes, compression == Compression.LZ4, filterFingerprintBits),
                new SpillLimits(spillBytes, spillEntries),
                writeBufferReserve == null ? null : writeBufferReserve.reserve());
    }

    /** The layer as configured, fsyncing: for what must be durable whatever the store's commits are (checkpoints). */
    FileLayer fileLayer() {
        return fileLayer;
    }

    /** The layer the store's own writes go through: {@link #fileLayer()}, without its fsyncs under NO_SYNC. */
    FileLayer storeLayer() {
        return durability == Durability.NO_SYNC ? FileLayer.withoutSync(fileLayer) : fileLayer;
    }

    /** The store's directory with the layer its writes go through and a meta copy budget of its own. */
    StoreDirectory storeDirectory(Path directory) {
        return new StoreDirectory(directory, storeLayer(), new MetaCopyBudget(metaCopyBytes));
    }

    /** The handle of the family named {@code name}; the message of a miss lists the families. */
    Family handle(String name) {
        for (int i = 0; i < families.size(); i++) {
            if (families.get(i).name().equals(name)) {
                return new Family(i, name, families.get(i).kind());
            }
        }
        throw new IllegalArgumentException("no family named '" + name + "' (families: "
                + families.stream().map(FamilyConfig::name).toList() + ")");
    }

    /**
     * @throws IllegalArgumentException when {@code family} does not exist or is not key-ordered
     */
    void checkKeyOrdered(int family, String operation) {
        FamilyConfig declared = family(family);
        if (!declared.keyOrdered()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s on family %d '%s', which is hash-ordered: declare it key-ordered (FamilyConfig.ordered)"
                            + " when the store is created",
                    operation, family, declared.name()));
        }
    }

    /** The index of {@code family}, checked against this configuration's family at that index. */
    int indexOf(Family family) {
        FamilyConfig declared = family(family.index());
        if (!declared.name().equals(family.name()) || declared.kind() != family.kind()) {
            throw new IllegalArgumentException("family handle " + family + " does not match family "
                    + family.index() + " of this store, '" + declared.name() + "' (" + declared.kind() + ")");
        }
        return family.index();
    }

    /**
     * @throws IllegalArgumentException when {@code family} does not exist or is not of kind {@code expected}, naming
     *                                  the read form to use instead
     */
    void checkKind(int family, FamilyKind expected, String operation) {
        FamilyConfig declared = family(family);
        if (declared.kind() != expected) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s on family %d '%s', which is %s (use %s)", operation, family, declared.name(), declared.kind(),
                    expected == FamilyKind.SINGLE_VALUE ? "getMultiple" : "get"));
        }
    }

    /** This configuration with {@code recorded} as its families (the store's own). */
    DbConfig withFamilies(List<FamilyConfig> recorded) {
        return builderWith(recorded).build();
    }

    /**
     * {@return a builder holding every setting of this configuration, families included}: what it builds unchanged
     * equals this configuration, setting by setting, so that a copy with one setting changed keeps all the others
     * (a setting added later included)
     */
    public Builder toBuilder() {
        return builderWith(families);
    }

    /**
     * {@return this configuration with {@code policy} as its compaction policy, every other setting kept}
     *
     * @param policy the policy
     * @throws NullPointerException when {@code policy} is null
     */
    public DbConfig withCompactionPolicy(CompactionPolicy policy) {
        return toBuilder().compactionPolicy(policy).build();
    }

    /** A builder with every setting of this configuration but its families, which are {@code familiesToUse}. */
    private Builder builderWith(List<FamilyConfig> familiesToUse) {
        Builder builder = new Builder();
        familiesToUse.forEach(builder::family);
        return builder.keyBlockCacheBytes(keyBlockCacheBytes).valueBlockCacheBytes(valueBlockCacheBytes)
                .durability(durability).logFileBytes(logFileBytes).jmx(jmx).slowGetThreshold(slowGetThreshold)
                .blockCache(blockCache).compactionPolicy(compactionPolicy).writeThreads(writeThreads)
                .keyBlockBytes(keyBlockBytes).valueBlockBytes(valueBlockBytes).compression(compression)
                .filterFingerprintBits(filterFingerprintBits)
                .spillBytes(spillBytes).spillEntries(spillEntries)
                .fileLayer(fileLayer).metaCopyBytes(metaCopyBytes).writeBufferReserve(writeBufferReserve);
    }

    /** Builds a {@link DbConfig}. Not thread-safe. */
    public static final class Builder {
        private final List<FamilyConfig> families = new ArrayList<>();
        private long keyBlockCacheBytes = DEFAULT_KEY_BLOCK_CACHE_BYTES;
        private long valueBlockCacheBytes = DEFAULT_VALUE_BLOCK_CACHE_BYTES;
        private FileLayer fileLayer = FileLayer.standard();
        private Durability durability = Durability.SYNC;
        private long logFileBytes = DEFAULT_LOG_FILE_BYTES;
        private boolean jmx;
        private Duration slowGetThreshold = DEFAULT_SLOW_GET_THRESHOLD;
        private SharedBlockCache blockCache;
        private CompactionPolicy compactionPolicy = CompactionPolicy.manual();
        private int writeThreads = Runtime.getRuntime().availableProcessors();
        private int keyBlockBytes = DEFAULT_KEY_BLOCK_BYTES;
        private int valueBlockBytes = DEFAULT_VALUE_BLOCK_BYTES;
        private Compression compression = Compression.LZ4;
        private int filterFingerprintBits = DEFAULT_FILTER_FINGERPRINT_BITS;
        private long spillBytes = DEFAULT_SPILL_BYTES;
        private int spillEntries = DEFAULT_SPILL_ENTRIES;
        private long metaCopyBytes = MetaCopyBudget.DEFAULT_BYTES;
        private WriteBufferReserve writeBufferReserve;

        private Builder() {}

        /**
         * Adds the next family (its index is the number of families added before it).
         *
         * @param name the family's name, unique in the store
         * @param kind whether a key has one value or many
         * @return this builder
         */
        public Builder family(String name, FamilyKind kind) {
            families.add(new FamilyConfig(name, kind));
            return this;
        }

        /**
         * Adds the next family, declared in full (its index is the number of families added before it): for a
         * key-ordered family, {@code family(FamilyConfig.ordered(name, kind))}.
         *
         * @param family the family
         * @return this builder
         */
        public Builder family(FamilyConfig family) {
            families.add(Objects.requireNonNull(family, "family"));
            return this;
        }

        /**
         * Sets the key-block cache capacity in bytes (0 disables caching of key blocks; default
         * {@link #DEFAULT_KEY_BLOCK_CACHE_BYTES}). Only blocks stored compressed are cached, decoded: on data LZ4
         * cannot shrink the size changes nothing. Measured ({@code docs/perf/sst-options.md}, 1,000,000 entries of
         * compressible 100-byte values, random present gets): p50 3.2 us with the defaults, which hold every
         * decoded key block, 10.1 us with no caches, 11.7 us with 16 MiB (smaller than what random keys reach).
         *
         * @param bytes the capacity, not negative
         * @return this builder
         */
        public Builder keyBlockCacheBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("keyBlockCacheBytes: " + bytes + " (expected: >= 0)");
            }
            this.keyBlockCacheBytes = bytes;
            return this;
        }

        /**
         * Sets the value-block cache capacity in bytes (0 disables caching of value blocks; default
         * {@link #DEFAULT_VALUE_BLOCK_CACHE_BYTES}). As for {@link #keyBlockCacheBytes}: only compressed blocks are
         * cached, and a cache smaller than the blocks the reads reach gains nothing; values of up to 128
         * bytes live in the key blocks and never use this cache.
         *
         * @param bytes the capacity, not negative
         * @return this builder
         */
        public Builder valueBlockCacheBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("valueBlockCacheBytes: " + bytes + " (expected: >= 0)");
            }
            this.valueBlockCacheBytes = bytes;
            return this;
        }

        /**
         * Sets whether commits fsync (default {@link Durability#SYNC}). {@link Durability#NO_SYNC} keeps commits
         * atomic and safe from a crash of the process but not from a power cut, for a commit latency that depends
         * far less on the disk. A one-key commit of {@code SmallCommitBenchmark} (100-byte value, store on an
         * ext4 virtual disk, a busy two-core machine) took 27.6 ms at the median with {@code SYNC} and 4.0 ms with
         * {@code NO_SYNC} (6.8x less; RocksDB's {@code sync=true} write in the same run: 0.9 ms).
         *
         * @param durability the durability of commits
         * @return this builder
         */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Sets the size past which the store's {@code LOG} (one human-readable record of some 440 bytes per commit
         * and compaction, never read back) is renamed to {@code LOG.old}, replacing the previous one: the two take
         * at most twice this on disk (a single record longer than this, such as a large compaction's list of the
         * SSTs it wrote, gets a {@code LOG} of its own). Default {@link #DEFAULT_LOG_FILE_BYTES}.
         *
         * @param bytes the limit, positive
         * @return this builder
         */
        public Builder logFileBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("logFileBytes: " + bytes + " (expected: > 0)");
            }
            this.logFileBytes = bytes;
            return this;
        }

        /**
         * Sets whether the store registers a {@link StoreMXBean} with the platform MBean server while it is open
         * (default false): its statistics then show in JConsole, VisualVM or any JMX exporter. Costs nothing until
         * an attribute is read; each read takes one {@link TurboKV#statistics()} snapshot.
         *
         * @param enabled whether to register the MXBean
         * @return this builder
         */
        public Builder jmx(boolean enabled) {
            this.jmx = enabled;
            return this;
        }

        /**
         * Sets the duration from which a point read ({@code get}, {@code getMultiple}, {@code batchGet}, a
         * {@link ReadScope} read) emits the JFR event {@code io.turbokv.SlowGet} with its family, key length,
         * outcome, duration and the SSTs it probed (default {@link #DEFAULT_SLOW_GET_THRESHOLD}; 0 records every
         * read). While no recording enables the event a read pays one volatile read for it; while one does, two
         * clock reads, and a read under the threshold still allocates nothing.
         *
         * @param threshold the threshold, not negative
         * @return this builder
         */
        public Builder slowGetThreshold(Duration threshold) {
            if (threshold.isNegative()) {
                throw new IllegalArgumentException("slowGetThreshold: " + threshold + " (expected: >= 0)");
            }
            this.slowGetThreshold = threshold;
            return this;
        }

        /**
         * Makes the store use {@code cache}, shared with other stores, instead of block caches of its own (whose
         * sizes, {@link #keyBlockCacheBytes} and {@link #valueBlockCacheBytes}, are then unused); {@code null}
         * (the default) gives the store its own. The store holds the cache until it closes; opening a store with a
         * cache already closed fails with {@link IllegalStateException}.
         *
         * @param cache the shared caches, or null
         * @return this builder
         */
        public Builder blockCache(SharedBlockCache cache) {
            this.blockCache = cache;
            return this;
        }

        /**
         * Shares the store's native write buffers with other stores of the JVM through {@code reserve} (default
         * null: none); see {@link WriteBufferReserve}. A read-only store writes nothing and ignores it. The reserve
         * stays its creator's: closing a store does not close it, and a reserve closed before or while a store uses
         * it only stops keeping memory.
         *
         * @param reserve the reserve, or null
         * @return this builder
         */
        public Builder writeBufferReserve(WriteBufferReserve reserve) {
            this.writeBufferReserve = reserve;
            return this;
        }

        /**
         * Sets whether and when a writable store compacts by itself, on the engine's shared compaction threads
         * (default {@link CompactionPolicy#manual()}: never); see {@link CompactionPolicy} for what the threads do
         * and how their failures are reported.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder compactionPolicy(CompactionPolicy policy) {
            this.compactionPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the threads of a writable store's pool (default: {@link Runtime#availableProcessors()}), started with
         * the store and stopped at its close: they write a batch's spills while its fillers go on, and the hash
         * ranges of a compaction's large merges ({@link CompactConfig#maxSubcompactions()}). A task that finds no
         * thread free runs on the thread that asked for it, so one thread is enough to work, only slower.
         * Measured on the shared 2-core machine (load 12-13), 1,000,000 entries of 16-byte keys and 100-byte values
         * in 4 batches without fsync, then {@code fullCompact()}, 3 rounds each: with 1 thread the writes took 7.98 s
         * at the median (5.80-12.05) and the compaction 3.85 s (3.10-5.81); with 2 (the default there) 6.84 s
         * (6.21-12.53) and 2.84 s (2.14-3.88): 14 % and 26 % less, within the machine's noise for the writes.
         *
         * @param threads the pool's size, at least 1
         * @return this builder
         */
        public Builder writeThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("writeThreads: " + threads + " (expected: >= 1)");
            }
            this.writeThreads = threads;
            return this;
        }

        /**
         * Sets the budget of a key block of the SSTs the store writes (default {@link #DEFAULT_KEY_BLOCK_BYTES}):
         * a key block takes entries until their keys, inline values (of up to 128 bytes) and 20 bytes each reach
         * it, and a get decodes (or finds in the key-block cache) one key block. Smaller blocks make a get
         * that misses the cache read and decode less, and make the SST index larger; larger ones compress keys
         * better. Like every SST option, it is not recorded in the store: it applies to the SSTs written (by
         * batches and compactions) while the store is open with this configuration, and a store's SSTs may mix
         * budgets. Blocks larger than a cache shard's largest slot (a quarter of the shard) are never cached.
         *
         * <p>Measured ({@code SstOptionsBenchmark}, 1,000,000 entries of 16-byte keys and 100-byte values, fully
         * compacted; {@code docs/perf/sst-options.md}): 125.6, 125.4 and 125.2 bytes per entry at 8, 16 and 64 KiB;
         * absent gets 100-110 ns at the median at each; no effect on present gets beyond the noise of that machine.
         *
         * @param bytes the budget, {@value SstLimits#MIN_KEY_BLOCK_SIZE} to {@value SstLimits#MAX_KEY_BLOCK_SIZE}
         *              (below it, a write batch's spill could need more blocks than one SST can address)
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes} is out of range
         */
        public Builder keyBlockBytes(int bytes) {
            this.keyBlockBytes = checkedOptions(bytes, valueBlockBytes, filterFingerprintBits).keyBlockBytes();
            return this;
        }

        /**
         * Sets the budget of a small value block of the SSTs the store writes (default
         * {@link #DEFAULT_VALUE_BLOCK_BYTES}): values of 129 to 4,096 bytes share value blocks, each written once
         * it holds this many bytes, and a get of such a value decodes (or finds in the value-block cache) its whole
         * block. Applies to the SSTs written from then on. A block is written once it reaches its budget, so it is
         * a little larger; one larger than a cache shard's largest slot (a quarter of the shard) is never cached
         * and decoded again by every get.
         *
         * <p>Measured ({@code docs/perf/sst-options.md}, 1,000,000 entries of 1,000-byte values): 1,034.6 bytes per
         * entry by default, 1,033.4 with 64 KiB blocks; no latency effect beyond the noise of that machine.
         *
         * @param bytes the budget, {@value SstLimits#MIN_SMALL_VALUE_BLOCK_SIZE} to
         *              {@value SstLimits#MAX_SMALL_VALUE_BLOCK_SIZE}
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes} is out of range
         */
        public Builder valueBlockBytes(int bytes) {
            this.valueBlockBytes = checkedOptions(keyBlockBytes, bytes, filterFingerprintBits).valueBlockBytes();
            return this;
        }

        /**
         * Sets whether the SSTs the store writes compress their blocks (default {@link Compression#LZ4}). Applies
         * to the SSTs written from then on.
         *
         * <p>Measured ({@code docs/perf/sst-options.md}): random keys and values do not compress (125.4 bytes per
         * entry either way at 100-byte values, and no latency effect beyond the noise); blocks of repeated bytes take
         * over five times the disk without it ({@code SstOptionsTest}).
         *
         * @param compression the compression of new blocks
         * @return this builder
         */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /**
         * Sets the fingerprint width of the key filters of the SSTs the store writes (default
         * {@link #DEFAULT_FILTER_FINGERPRINT_BITS}): a get of an absent key asks each SST's filter, and reads that
         * SST's key block only on a false positive. 8 bits: about 9.0 bits per key and 0.39 % false positives; 16
         * bits: about 18.1 bits per key and 0.0015 % (2<sup>-16</sup>; 0.0020 % measured on 1,000,000 keys). Filters live in the meta files, read into memory (or mapped when over the store's meta copy budget) while the store is
         * open. Applies to the SSTs written from then on.
         *
         * <p>Measured ({@code docs/perf/sst-options.md}): 125.4 and 126.5 bytes per entry at 8 and 16 bits
         * (1,000,000 entries of 100-byte values); absent gets 110 and 111 ns at the median, 1,152 and 261 ns at the
         * 99th percentile in one run on a loaded machine.
         *
         * @param bits 8 or 16
         * @return this builder
         * @throws IllegalArgumentException when {@code bits} is neither 8 nor 16
         */
        public Builder filterFingerprintBits(int bits) {
            this.filterFingerprintBits = checkedOptions(keyBlockBytes, valueBlockBytes, bits).filterFingerprintBits();
            return this;
        }

        /**
         * Sets the key and value bytes at which a write batch cuts what it collected for one family and spills it
         * to an SST of its own while the batch goes on filling (default {@link #DEFAULT_SPILL_BYTES}, also the
         * largest). A batch holds native memory for at most the spills in flight (the processor count plus one)
         * and the buffer each family fills, about this much each, plus a chunk of up to 1 MiB per collector stripe
         * ({@link WriteBatch#nativeMemoryBytes()} reports it): a smaller threshold bounds that memory, at the cost
         * of more and smaller SSTs per batch (and so more work for compaction). It is not recorded in the store.
         *
         * <p>Measured ({@code docs/perf/write-path.md}, 1,000,000 entries of 16-byte keys and 100-byte values put
         * by 2 threads into one batch of a fresh store, then a durable commit; loads 3-5 of one JVM on a shared
         * 2-core machine at load 15-20): at 64 MiB the batch held at most 129-145 MiB of native memory
         * ({@link WriteBatch#peakNativeMemoryBytes()}) and wrote 5 SSTs; at 16 MiB 94-104 MiB and 8 SSTs; at 4 MiB
         * 35.5 MiB and 32; at 2 MiB 25 MiB and 65 (measured with 2 MiB collector chunks; they are 1 MiB now,
         * which holds less). The load's CPU (1.1-2.7 s) and wall time (3.4-5.9 s) did not differ beyond that
         * machine's noise. The SSTs are the lasting cost: until a compaction merges them, a
         * get of an absent key asks one more key filter per SST.
         *
         * @param bytes the threshold, {@value #MIN_SPILL_BYTES} to {@value #DEFAULT_SPILL_BYTES} (a spill is one
         *              SST, whose blocks must stay addressable at the smallest block budgets; below 1 MiB a
         *              family buffer would still hold one whole chunk)
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes} is out of range; the message gives the range
         */
        public Builder spillBytes(long bytes) {
            this.spillBytes = new SpillLimits(bytes, spillEntries).bytes();
            return this;
        }

        /**
         * Sets the entries at which a write batch cuts what it collected for one family and spills it, as
         * {@link #spillBytes} (whichever threshold comes first; default {@link #DEFAULT_SPILL_ENTRIES}, also the
         * largest). Small entries reach this one first: at 16-byte keys and 100-byte values the default cuts at
         * about 30 MiB.
         *
         * @param entries the threshold, {@value #MIN_SPILL_ENTRIES} to {@value #DEFAULT_SPILL_ENTRIES}
         * @return this builder
         * @throws IllegalArgumentException when {@code entries} is out of range; the message gives the range
         */
        public Builder spillEntries(int entries) {
            this.spillEntries = new SpillLimits(spillBytes, entries).entries();
            return this;
        }

        /** The SST options with these values, which validates them. */
        private SstOptions checkedOptions(int keyBlock, int valueBlock, int filterBits) {
            return new SstOptions(keyBlock, valueBlock, compression == Compression.LZ4, filterBits);
        }

        /** Replaces the file layer; tests use this to inject faults. */
        Builder fileLayer(FileLayer layer) {
            this.fileLayer = Objects.requireNonNull(layer, "layer");
            return this;
        }

        /**
         * Replaces the store's meta copy budget ({@link MetaCopyBudget}, default
         * {@link MetaCopyBudget#DEFAULT_BYTES}); tests use 0 to run a store on mapped meta files only.
         */
        Builder metaCopyBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("metaCopyBytes: " + bytes + " (expected: >= 0)");
            }
            this.metaCopyBytes = bytes;
            return this;
        }

        /**
         * Builds the configuration. Without a family it opens an existing store with the families the store
         * recorded, and cannot create one.
         *
         * @return the configuration
         * @throws IllegalArgumentException when two families share a name
         */
        public DbConfig build() {
            HashSet<String> names = new HashSet<>();
            for (FamilyConfig family : families) {
                if (!names.add(family.name())) {
                    throw new IllegalArgumentException("two families are named '" + family.name() + "'");
                }
            }
            return new DbConfig(this);
        }
    }
}
