package io.turbokv.cache;

/**
 * A store's two block caches, key blocks and value blocks, and the {@link Readers} domain they share: caches of
 * its own, or its views of {@link SharedCaches} that other stores use too. Creating caches of its own allocates no
 * off-heap memory: each cache reserves its first chunk on its first miss.
 *
 * <p>Thread-safe. {@link #close()} unmaps caches of its own, or evicts the store's blocks from shared ones and gives
 * up its reference; the store calls it only when no reader can still hold a cached block (through its version
 * tracker).
 */
public final class BlockCaches implements AutoCloseable {
    private final Readers readers;
    private final BlockCache keyBlocks;
    private final BlockCache valueBlocks;
    /** The caches these are views of, or null for caches of its own. */
    private final SharedCaches shared;
    private final int id;
    private boolean closed;

    /**
     * Caches of its own, of the given capacities in bytes (0 disables one).
     *
     * @param keyBlockCacheBytes   the capacity of the cache of decompressed key blocks, in bytes
     * @param valueBlockCacheBytes the capacity of the cache of decompressed value blocks, in bytes
     * @throws IllegalArgumentException when a capacity is negative
     */
    public BlockCaches(long keyBlockCacheBytes, long valueBlockCacheBytes) {
        this.readers = new Readers();
        this.keyBlocks = new BlockCache("key blocks", keyBlockCacheBytes, readers);
        this.valueBlocks = new BlockCache("value blocks", valueBlockCacheBytes, readers);
        this.shared = null;
        this.id = 0;
    }

    /** A store's views of {@code shared}, under id {@code id}. */
    BlockCaches(SharedCaches shared, Readers readers, BlockCache keyBlocks, BlockCache valueBlocks, int id) {
        this.readers = readers;
        this.keyBlocks = keyBlocks;
        this.valueBlocks = valueBlocks;
        this.shared = shared;
        this.id = id;
    }

    /** {@return the domain a reader enters before a lookup through these caches} */
    public Readers readers() {
        return readers;
    }

    /** {@return the decompressed key-block cache} */
    public BlockCache keyBlocks() {
        return keyBlocks;
    }

    /** {@return the decompressed value-block cache} */
    public BlockCache valueBlocks() {
        return valueBlocks;
    }

    /** {@return whether either cache can hold anything (readers need not enter otherwise)} */
    public boolean isEnabled() {
        return keyBlocks.isEnabled() || valueBlocks.isEnabled();
    }

    /** {@return whether these are views of caches other stores share} */
    public boolean isShared() {
        return shared != null;
    }

    /** Evicts every block of this store from both caches; see {@link BlockCache#clear()}. */
    public void clear() {
        keyBlocks.clear();
        valueBlocks.clear();
    }

    /** Unmaps both caches, or leaves the shared ones (see the class comment). Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        boolean keysGone = keyBlocks.closeView();
        boolean valuesGone = valueBlocks.closeView();
        if (shared != null) {
            shared.leave(this, id, keysGone && valuesGone);
        }
    }
}
