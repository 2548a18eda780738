package io.turbokv.sst;

import io.turbokv.cache.BlockCache;
import io.turbokv.cache.Readers;

/**
 * Reusable working memory for {@link SstReader#lookup}: off-heap buffers that compressed blocks are decoded into,
 * and the cursors over them. One per thread: the caller owns it, reuses it for every lookup on any
 * {@link SstReader}, and closes it to free its memory. Not thread-safe. Buffers grow to the largest block decoded
 * (at most {@value SstLimits#MAX_BLOCK_LENGTH} bytes each).
 */
public final class LookupScratch implements AutoCloseable {
    final BlockBuffer keyBuffer = new BlockBuffer();
    final BlockBuffer valueBuffer = new BlockBuffer();
    final BlockView keyView = new BlockView();
    final BlockView valueView = new BlockView();
    final KeyBlock keyBlock = new KeyBlock();
    final BlockChecksum checksum = new BlockChecksum();

    /** Creates the scratch; its buffers take memory at the first block they decode. */
    public LookupScratch() {
        // Buffers are allocated by the fields above.
    }

    /**
     * Routes the next lookups' compressed key blocks and value blocks through these caches (either may be null:
     * decoded into this scratch, as without caches). The caller has entered the caches' {@link Readers} domain as
     * {@code readerSlot} and exits it only after it is done with the values handed out (and calls this again with
     * nulls and {@link Readers#NO_SLOT} before reusing the scratch outside that entry).
     *
     * @param keyBlocks   the cache of decompressed key blocks, or null
     * @param valueBlocks the cache of decompressed value blocks, or null
     * @param readerSlot  the caller's slot in the caches' {@link Readers} domain, or {@link Readers#NO_SLOT}
     */
    public void useCaches(BlockCache keyBlocks, BlockCache valueBlocks, int readerSlot) {
        keyBuffer.cache = keyBlocks;
        keyBuffer.handle.bind(readerSlot);
        valueBuffer.cache = valueBlocks;
        valueBuffer.handle.bind(readerSlot);
    }

    /** Frees the buffers; values handed out from them are invalid afterwards. Idempotent. */
    @Override
    public void close() {
        keyBuffer.close();
        valueBuffer.close();
        checksum.close();
    }
}
