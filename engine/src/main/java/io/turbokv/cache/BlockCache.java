package io.turbokv.cache;

import io.turbokv.CacheStatistics;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * One store's cache of decompressed SST blocks in off-heap memory, bounded by bytes: the store's view of a
 * {@link CacheCore} it owns alone, or shares with other stores ({@link SharedCaches}).
 *
 * <p>Keys are {@link #key(int, int) (sst seq &lt;&lt; 16 | block index)}: sequence numbers are never reused while
 * a store is open, so a key never goes stale. In the core, the store's id takes the top 16 bits, so stores sharing
 * a core never see each other's blocks; a shared store's {@link #close()} evicts its blocks before its id can be
 * given to another store. Nothing is allocated, on or off the heap, until the first lookup.
 *
 * <p><b>Protocol.</b> A reader {@link Readers#enter() enters} the {@link Readers} domain the cache was built with,
 * {@link CacheHandle#bind binds} its handle to the slot it got, then calls {@link #lookup}:
 * <ul>
 * <li>a hit sets the {@link CacheHandle} to the block and announces it in the reader's record: the block stays
 *     valid and unchanged until the reader's next lookup on this cache or its {@link Readers#exit exit}, even if
 *     it is evicted meanwhile (its slot is recycled only once no reader announces it);</li>
 * <li>a miss either reserves a slot ({@link CacheHandle#isReserved()}): the reader decodes the block, then calls
 *     {@link #fill} (or {@link #abandon} when decoding failed); or leaves the handle unreserved: the reader decodes
 *     into memory of its own (the block is larger than a quarter of its shard, or memory is short);</li>
 * <li>concurrent misses on one block decode it once: later readers wait for the first one's load
 *     (single-flight), then hit.</li>
 * </ul>
 * A hit allocates nothing on the heap. Hits, misses and bypasses are counted per store.
 *
 * <p>Thread-safe.
 */
public final class BlockCache implements AutoCloseable {
    /** Where a store's id starts in a core's keys. */
    static final int STORE_SHIFT = 48;
    /**
     * Stores one core serves at once: ids 0 to 65,534 (the id 65,535 with the largest sequence number and block
     * index would make the key -1, the index's "missing").
     */
    static final int MAX_STORES = (1 << 16) - 1;

    private final CacheCore core;
    private final int store;
    private final long prefix;
    private final boolean ownsCore;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bypasses = new LongAdder();
    private volatile boolean closed;

    /**
     * A cache of its own, of at most {@code capacityBytes} of block memory; 0 disables it ({@link #lookup} then
     * always misses without reserving).
     *
     * @param name          for statistics and messages ("key blocks", "value blocks")
     * @param capacityBytes the most block memory the cache may hold, in bytes
     * @param readers       the readers' domain; may be shared with other caches (at most seven)
     */
    public BlockCache(String name, long capacityBytes, Readers readers) {
        this(new CacheCore(name, capacityBytes, readers), 0, true);
    }

    /** Store {@code store}'s view of {@code core}, which it closes with itself when it {@code ownsCore}. */
    BlockCache(CacheCore core, int store, boolean ownsCore) {
        if (store < 0 || store >= MAX_STORES) {
            throw new IllegalArgumentException("store id " + store + " (expected: 0.." + (MAX_STORES - 1) + ")");
        }
        this.core = core;
        this.store = store;
        this.prefix = (long) store << STORE_SHIFT;
        this.ownsCore = ownsCore;
    }

    /**
     * {@return the cache key of block {@code block} of the SST with sequence number {@code seq} (unsigned)}
     *
     * @param seq   the SST's sequence number, never reused while the store is open
     * @param block the block's index in that SST (below 2<sup>16</sup>)
     */
    public static long key(int seq, int block) {
        return Integer.toUnsignedLong(seq) << 16 | block;
    }

    /** The id of the store a core's key belongs to. */
    static int storeOf(long coreKey) {
        return (int) (coreKey >>> STORE_SHIFT);
    }

    /** {@return the name given at construction} */
    public String name() {
        return core.name();
    }

    /** {@return the capacity in bytes (0 = disabled), shared with the other stores of a shared cache} */
    public long capacityBytes() {
        return core.capacityBytes();
    }

    /** {@return the domain readers of this cache enter} */
    public Readers readers() {
        return core.readers();
    }

    /** {@return whether lookups can hit or reserve: a positive capacity and not closed} */
    public boolean isEnabled() {
        return core.capacityBytes() > 0 && !closed;
    }

    /**
     * Looks up block {@code key}, whose decoded length is {@code length}. The caller has entered {@link #readers()}
     * and bound {@code handle} to its slot (an unbound handle always misses), and holds no reservation on it.
     *
     * @param key    the block's cache key, from {@link #key(int, int)}
     * @param length the block's decoded length in bytes, which a reserved slot gets
     * @param handle the caller's handle, which the hit or the reservation is written to
     * @return true on a hit ({@code handle} points at the block); false on a miss, after which
     *         {@link CacheHandle#isReserved()} says whether the caller must {@link #fill} or {@link #abandon}
     */
    public boolean lookup(long key, int length, CacheHandle handle) {
        if (!isEnabled() || handle.reader == Readers.NO_SLOT) {
            misses.increment();
            return false;
        }
        int outcome = core.lookup(prefix | key, length, handle);
        if (outcome == CacheShard.HIT) {
            hits.increment();
            return true;
        }
        misses.increment();
        if (outcome == CacheShard.BYPASS) {
            bypasses.increment();
        }
        return false;
    }

    /**
     * Copies the block the caller decoded, {@code source[offset, offset + length)}, into its reserved slot and
     * publishes it to other readers.
     *
     * @param handle the handle whose last {@link #lookup} reserved a slot
     * @param source the memory the caller decoded the block into
     * @param offset where the block starts in {@code source}; its length is the one given to the lookup
     */
    public void fill(CacheHandle handle, MemorySegment source, long offset) {
        MemorySegment.copy(source, offset, handle.segment, handle.offset, handle.length);
        handle.shard.publish(handle);
    }

    /**
     * Gives up the handle's reservation (decoding failed); waiting readers then load the block themselves.
     *
     * @param handle the handle whose last {@link #lookup} missed; a no-op when it holds no reservation
     */
    public void abandon(CacheHandle handle) {
        if (handle.isReserved()) {
            handle.shard.abandon(handle);
        }
    }

    /**
     * Evicts every block of this store (of a cache of its own, every block). Readers keep what they were handed;
     * the memory is recycled, and chunks no longer used unmapped, once they have left.
     */
    public void clear() {
        if (ownsCore) {
            core.clear();
        } else {
            core.evict(store);
        }
    }

    /**
     * {@return this store's hits, misses and bypasses, with the items and memory of the cache (of all the stores
     * that share it)}
     */
    public CacheStatistics statistics() {
        return core.statistics(hits.sum(), misses.sum(), bypasses.sum());
    }

    /** {@return this store's hits, misses and bypasses so far} */
    long[] counts() {
        return new long[] {hits.sum(), misses.sum(), bypasses.sum()};
    }

    /**
     * Closes this store's view. The caller guarantees that no reader of this store still holds or loads a block
     * (a store hands this to its version tracker); lookups afterwards miss. A cache of its own is unmapped; in a
     * shared one, the store's blocks are evicted (their memory is recycled once readers of other stores no longer
     * announce it). Idempotent.
     *
     * @return whether the store's id may be given to another store: none of its blocks is left (always true when
     *         the precondition holds)
     */
    boolean closeView() {
        closed = true;
        if (ownsCore) {
            core.close();
            return true;
        }
        return core.evict(store) == 0;
    }

    /** Closes this store's view, as {@link #closeView()}. Idempotent. */
    @Override
    public void close() {
        closeView();
    }

    /** The most memory the allocator reserves, for tests. */
    long hardLimitBytes() {
        return core.hardLimitBytes();
    }

    /** Memory reserved by the allocator, for tests. */
    long reservedBytes() {
        return core.reservedBytes();
    }

    /** Retired slots waiting for readers, for tests. */
    int limboSlots() {
        return core.limboSlots();
    }

    int shardCount() {
        return core.shardCount();
    }
}
