package io.turbokv.sst;

/**
 * The value block an iterator decoded last: its index and where its decoded bytes are. Small values of one block
 * are consecutive in an SST (the writer fills a block, then the next), so an iterator that keeps this skips the
 * reload, the CRC and the LZ4 decode of the block for every small value but the first. The view points into the
 * mapping (a block stored as is) or into the iterator's value buffer, which only value loads of the same iterator
 * overwrite, and every such load updates this memo. Not thread-safe; one per iterator.
 */
final class LastValueBlock {
    /** The block index {@link #view} holds, or -1. */
    int block = -1;
    final BlockView view = new BlockView();

    void remember(int block, BlockView loaded) {
        this.block = block;
        view.set(loaded.segment, loaded.offset, loaded.length);
    }
}
