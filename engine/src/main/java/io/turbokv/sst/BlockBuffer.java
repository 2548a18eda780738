package io.turbokv.sst;

import io.turbokv.cache.BlockCache;
import io.turbokv.cache.CacheHandle;
import io.turbokv.ffm.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A growable off-heap buffer that decompressed blocks are decoded into. It owns its memory: growing frees the old
 * buffer, {@link #close()} frees the current one. Nothing is allocated before the first {@link #atLeast}: an
 * iterator over an SST whose blocks are all stored as is (a small commit's) needs none, and each shared arena
 * allocated would cost a zeroed allocation and, on close, a handshake with every thread. Not thread-safe; one per
 * scratch object.
 */
final class BlockBuffer implements AutoCloseable {
    private static final long INITIAL_BYTES = 64 << 10;

    /** The cache blocks loaded through this buffer are looked up in, or null (iterators, checksums). */
    BlockCache cache;
    /** This buffer's handle on {@link #cache}; null in a cursor's buffer, which is never given a cache. */
    final CacheHandle handle;
    private Arena arena;
    private MemorySegment segment;
    private ByteBuffer byteBuffer;
    /**
     * Whether this buffer belongs to a cursor: its memory is confined to the thread that first fills it (no
     * handshake with every thread at close), and growing keeps the old memory allocated until {@link #close()},
     * because a cursor hands out views of it that must stay safe to touch until the cursor closes.
     */
    private final boolean forCursor;
    /** A cursor buffer's memory replaced by growing, freed at {@link #close()}. */
    private List<Arena> retired;

    /** A buffer for lookups and iterators: shared memory, the old one freed at once when it grows. */
    BlockBuffer() {
        this(false);
    }

    /**
     * A buffer; {@code forCursor}: confined to the thread that first fills it, every memory it ever had kept until
     * {@link #close()} (at most about as much again as its current size, since it grows by doubling).
     */
    BlockBuffer(boolean forCursor) {
        this.forCursor = forCursor;
        this.handle = forCursor ? null : new CacheHandle(); // a cursor opens several per SST: no heap it never uses
    }

    private Arena newArena() {
        return forCursor ? Arena.ofConfined() : Arena.ofShared();
    }

    /**
     * A buffer of at least {@code length} bytes; its contents are undefined. Not zeroed ({@link LibC#malloc}): a
     * block is decoded over it, and zeroing first made a reader of a 64 MiB medium value pay twice.
     */
    MemorySegment atLeast(long length) {
        if (segment == null) {
            arena = newArena();
            segment = LibC.malloc(Math.max(length, INITIAL_BYTES), arena);
            byteBuffer = segment.asByteBuffer();
        } else if (segment.byteSize() < length) {
            Arena grown = newArena();
            MemorySegment bigger = LibC.malloc(Math.max(length, Math.min(segment.byteSize() * 2,
                    SstLimits.MAX_BLOCK_LENGTH)), grown);
            if (forCursor) {
                if (retired == null) {
                    retired = new ArrayList<>();
                }
                retired.add(arena);
            } else {
                arena.close();
            }
            arena = grown;
            segment = bigger;
            byteBuffer = bigger.asByteBuffer();
        }
        return segment;
    }

    /**
     * The current buffer as a {@link ByteBuffer} over the same memory, for codecs addressed by absolute offsets;
     * call {@link #atLeast} first.
     */
    ByteBuffer byteBuffer() {
        return byteBuffer;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
        if (retired != null) {
            retired.forEach(Arena::close);
            retired = null;
        }
    }
}
