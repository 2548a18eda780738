package io.turbokv.sst;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A growable off-heap buffer that decompressed blocks are decoded into. It owns its memory: growing frees the old
 * buffer, {@link #close()} frees the current one. Not thread-safe; one per scratch object.
 */
final class BlockBuffer implements AutoCloseable {
    private static final long INITIAL_BYTES = 64 << 10;

    private Arena arena;
    private MemorySegment segment;

    BlockBuffer() {
        arena = Arena.ofShared();
        segment = arena.allocate(INITIAL_BYTES);
    }

    /** A buffer of at least {@code length} bytes; its contents are undefined. */
    MemorySegment atLeast(long length) {
        if (segment.byteSize() < length) {
            Arena grown = Arena.ofShared();
            MemorySegment bigger = grown.allocate(Math.max(length, Math.min(segment.byteSize() * 2,
                    SstLimits.MAX_BLOCK_LENGTH)));
            arena.close();
            arena = grown;
            segment = bigger;
        }
        return segment;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
