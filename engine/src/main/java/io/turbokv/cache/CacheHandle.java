package io.turbokv.cache;

import java.lang.foreign.MemorySegment;

/**
 * A reader's reusable handle on one {@link BlockCache} lookup, so that a lookup allocates nothing.
 *
 * <p>After a hit, {@link #segment()}{@code [offset, offset + length)} holds the block. The segment is the cache's
 * whole chunk: only that range belongs to the block, and it stays valid and unchanged until the next lookup through
 * this handle or the reader's {@link Readers#exit(int)}. After a miss, {@link #isReserved()} says whether
 * this reader must load the block and hand it to {@link BlockCache#fill} (or {@link BlockCache#abandon} it on
 * failure), or read around the cache.
 *
 * <p>Not thread-safe: one per reader (per scratch buffer).
 */
public final class CacheHandle {
    int reader = Readers.NO_SLOT;
    MemorySegment segment;
    long offset;
    long length;
    // a reservation made by a miss: where the loaded block goes
    CacheShard shard;
    int entry = -1;
    long key;
    // a load by another reader that this one waits for
    CacheShard.Flight flight;
    long flightGeneration;

    /** Creates an empty handle. */
    public CacheHandle() {
        // fields are set by BlockCache
    }

    /**
     * Binds the handle to the reader slot that {@link Readers#enter()} returned (or {@link Readers#NO_SLOT}: the
     * handle then always misses without reserving).
     *
     * @param readerSlot the reader's slot, under which its lookups announce the blocks they hold
     */
    public void bind(int readerSlot) {
        this.reader = readerSlot;
    }

    /**
     * {@return the memory holding the block after a hit} Only {@code [offset, offset + length)} is the block's.
     */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return where the block starts in {@link #segment()}} */
    public long offset() {
        return offset;
    }

    /** {@return the block's length in bytes} */
    public long length() {
        return length;
    }

    /**
     * {@return whether the last miss reserved a slot that this reader must {@link BlockCache#fill} or abandon}
     */
    public boolean isReserved() {
        return entry >= 0;
    }

    void hit(MemorySegment segment, long offset, long length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
    }

    void reserve(CacheShard shard, int entry, long key) {
        this.shard = shard;
        this.entry = entry;
        this.key = key;
    }

    void clearReservation() {
        this.shard = null;
        this.entry = -1;
    }
}
