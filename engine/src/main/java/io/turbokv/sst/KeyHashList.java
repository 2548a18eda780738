package io.turbokv.sst;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.turbokv.ffm.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The distinct key hashes of the SST being written, in the order they arrive (ascending unsigned), as 8-byte longs
 * in native byte order off the heap: an SST of a million keys would otherwise grow, copy and drop 8 to 24 MB of
 * {@code long[]} on the heap per file. The list never leaves the {@link SstWriter} that owns it, which
 * {@link #close()}s it at the end of {@code finish()}. Its hashes reach the heap once, in {@code finish()}, in two
 * cases: when the filter is built by a task on another thread (a compaction's writers: the list is confined to the
 * writer's thread) and for a key-ordered SST (its hashes must be sorted first), the writer copies them into a
 * {@code long[]} (8 bytes per key) that lives as long as the build; otherwise (a hash-ordered SST finished without
 * a filter task) the filter is built from {@link #segment()} in place. A spill's writer collects no hashes: the
 * spill builds its SST's filter from its own sorted hashes.
 *
 * <p>Thread confinement: the memory is in a confined {@link Arena}, opened by the first {@link #add} (not by the
 * constructor, so a writer may be created on one thread and filled on another), and every later call, the
 * {@link #close()} included, must come from that thread. Growing doubles the capacity into a new arena and frees
 * the old one right after the copy, so only the current buffer stays allocated. The memory is not zeroed
 * ({@link LibC#malloc}): only what {@link #add} wrote is ever read, and zeroing each new buffer was 2-3 % of a full
 * compaction's CPU.
 */
final class KeyHashList implements AutoCloseable {
    /** 1,024 hashes: 8 KiB, what the old heap list started with. */
    private static final long INITIAL_CAPACITY = 1024;

    private Arena arena;
    private MemorySegment hashes;
    private long count;
    /** Hashes {@link #hashes} holds; 0 before the first {@link #add}. */
    private long capacity;

    /**
     * Appends {@code hash}; the first call allocates, on the calling thread's confined arena. The allocation is
     * {@link #grow()}'s, out of this method: an SST writer calls this in its per-key-block loop, which C2 compiles
     * with it inlined, and the allocation path inlined there was most of that compilation.
     */
    void add(long hash) {
        if (count == capacity) {
            grow();
        }
        hashes.setAtIndex(JAVA_LONG, count++, hash);
    }

    /** Allocates the first buffer, or one twice as large with the hashes copied, the old one freed. */
    private void grow() {
        long grownCapacity = capacity == 0 ? INITIAL_CAPACITY : capacity * 2;
        Arena grown = Arena.ofConfined();
        MemorySegment bigger = LibC.malloc(grownCapacity * Long.BYTES, grown);
        if (hashes != null) {
            MemorySegment.copy(hashes, 0, bigger, 0, count * Long.BYTES);
            arena.close();
        }
        arena = grown;
        hashes = bigger;
        capacity = grownCapacity;
    }

    /** How many hashes were added. */
    long count() {
        return count;
    }

    /** The hashes added so far, a view valid until the next {@link #add} or {@link #close()}. */
    MemorySegment segment() {
        return hashes == null ? MemorySegment.NULL : hashes.asSlice(0, count * Long.BYTES);
    }

    /** Frees the memory; idempotent. Must run on the thread that made the first {@link #add}. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
