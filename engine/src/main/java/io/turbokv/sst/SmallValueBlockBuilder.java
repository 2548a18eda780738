package io.turbokv.sst;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Packs small values (9..4096 bytes) into one small value block: the values back to back, nothing else (the
 * 8-byte block header is the only framing). Key entries address a value by (block, u16 size, u32 offset). The
 * writer emits the block once it holds its budget ({@link SstOptions#valueBlockBytes()}, by default
 * {@value SstLimits#DEFAULT_SMALL_VALUE_BLOCK_SIZE} bytes), so a block has 8 to 12 KiB by default, or less when a
 * key block has to be flushed first.
 */
final class SmallValueBlockBuilder {
    private final int budget;
    private final byte[] bytes;
    private final MemorySegment segment;
    /** The one buffer view of {@link #bytes}, handed to {@link BlockFraming} for every block. */
    private final ByteBuffer view;
    private int length;

    /** @param budget the block is full once it holds this many bytes ({@link SstOptions#valueBlockBytes()}) */
    SmallValueBlockBuilder(int budget) {
        this.budget = budget;
        this.bytes = new byte[budget + SstLimits.MAX_SMALL_VALUE_SIZE];
        this.segment = MemorySegment.ofArray(bytes);
        this.view = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    /** Appends {@code value[valueOffset, valueOffset + valueLength)}; returns its offset in the block. */
    int add(MemorySegment value, long valueOffset, int valueLength) {
        int offset = length;
        MemorySegment.copy(value, valueOffset, segment, offset, valueLength);
        length += valueLength;
        return offset;
    }

    boolean isEmpty() {
        return length == 0;
    }

    /** Bytes of values held. */
    int length() {
        return length;
    }

    boolean isFull() {
        return length >= budget;
    }

    /**
     * The block's data, {@code [position, limit)} of the builder's one view (no allocation); valid until
     * {@link #clear()}.
     */
    ByteBuffer data() {
        view.limit(length);
        view.position(0);
        return view;
    }

    void clear() {
        length = 0;
    }
}
