package io.turbokv.cache;

/**
 * A store's two block caches, key blocks and value blocks, and the {@link Readers} domain they
 * share. Creating it allocates no off-heap memory: each cache reserves its first chunk on its first miss.
 *
 * <p>Thread-safe. {@link #close()} unmaps both caches; the store calls it only when no reader can still hold a
 * cached block (through its version tracker).
 */
public final class BlockCaches implements AutoCloseable {
    private final Readers readers = new Readers();
    private final BlockCache keyBlocks;
    private final BlockCache valueBlocks;

    /**
     * Caches of the given capacities in bytes (0 disables one).
     *
     * @param keyBlockCacheBytes   the capacity of the cache of decompressed key blocks, in bytes
     * @param valueBlockCacheBytes the capacity of the cache of decompressed value blocks, in bytes
     * @throws IllegalArgumentException when a capacity is negative
     */
    public BlockCaches(long keyBlockCacheBytes, long valueBlockCacheBytes) {
        this.keyBlocks = new BlockCache("key blocks", keyBlockCacheBytes, readers);
        this.valueBlocks = new BlockCache("value blocks", valueBlockCacheBytes, readers);
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

    /** Evicts every block of both caches; see {@link BlockCache#clear()}. */
    public void clear() {
        keyBlocks.clear();
        valueBlocks.clear();
    }

    /** Unmaps both caches. Idempotent. */
    @Override
    public void close() {
        keyBlocks.close();
        valueBlocks.close();
    }
}
