package io.turbokv.sst;

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

    /** Creates the scratch with small initial buffers. */
    public LookupScratch() {
        // Buffers are allocated by the fields above.
    }

    /** Frees the buffers; values handed out from them are invalid afterwards. Idempotent. */
    @Override
    public void close() {
        keyBuffer.close();
        valueBuffer.close();
        checksum.close();
    }
}
