package io.turbokv.sst;

import java.lang.foreign.MemorySegment;

/**
 * Where a loaded block's decoded bytes are: {@code segment[offset, offset + length)}. Either a range of the
 * mapped file (a block stored as is) or the start of a scratch buffer (a decompressed block). A mutable holder, so
 * that loading a block allocates nothing.
 */
final class BlockView {
    MemorySegment segment;
    long offset;
    long length;

    void set(MemorySegment segment, long offset, long length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
    }
}
