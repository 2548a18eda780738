package io.turbokv.cache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The off-heap memory of one {@link BlockCache}: slots of fixed size classes carved from large shared chunks,
 * never one {@link Arena} per block.
 *
 * <p><b>Size classes</b> step by quarter powers of two from {@value #MIN_SLOT_BYTES} bytes (256, 320, 384, 448,
 * 512, 640, ...) up to {@value #MAX_SLOT_BYTES} bytes, so a block wastes at most a fifth of its slot. Each chunk is
 * one {@code Arena.ofShared()} segment holding 4 to 64 slots of one class (about 1 MiB; 4 slots for the largest
 * classes).
 *
 * <p><b>Reclamation.</b> A slot whose block was evicted is {@link #retire retired}: it goes to a limbo list tagged
 * by {@link Epochs#retire()} and returns to its chunk's free list only once {@link Epochs#oldestActive()} has passed
 * the tag, i.e. every reader that could have found the block has left. A slot that was never published
 * (an abandoned load) is {@link #free freed} at once. A chunk whose slots are all free again may be closed, which
 * unmaps it: that happens only when memory is short or on {@link #trim()}, never while a slot of it is live or in
 * limbo, so no reader can reach a closed chunk.
 *
 * <p><b>Bounds.</b> The owning cache keeps the slots of its live blocks within its capacity. The chunks reserved
 * may exceed that by the limbo, partly used chunks and free slots of other classes; this allocator refuses to
 * reserve past {@code capacity + capacity/4 + 1 chunk}, so the caller then reads around the cache.
 *
 * <p>Thread-safe: every method takes this object's monitor. Callers may hold a shard's monitor (shard, then
 * allocator; never the other way round).
 */
final class SlabAllocator implements AutoCloseable {
    static final int MIN_SLOT_SHIFT = 8;
    static final int MIN_SLOT_BYTES = 1 << MIN_SLOT_SHIFT;
    static final int MAX_SLOT_BYTES = 4 << 20;
    static final int CLASS_COUNT = classOf(MAX_SLOT_BYTES) + 1;
    private static final int TARGET_CHUNK_BYTES = 1 << 20;
    private static final int MIN_SLOTS_PER_CHUNK = 4;
    private static final int MAX_SLOTS_PER_CHUNK = 64;
    static final long NO_SLOT = -1;

    private final Epochs epochs;
    private final long hardLimitBytes;
    private final List<ArrayDeque<Chunk>> withFree = new ArrayList<>(CLASS_COUNT);
    private Chunk[] chunksById = new Chunk[16];
    private int[] freeIds = new int[16];
    private int freeIdCount;
    private int nextId;
    private long reservedBytes;
    // limbo: a ring of retired slots in tag order
    private Chunk[] limboChunks = new Chunk[64];
    private int[] limboOffsets = new int[64];
    private long[] limboTags = new long[64];
    private int limboHead;
    private int limboCount;
    private boolean closed;

    SlabAllocator(long capacityBytes, Epochs epochs) {
        this.epochs = epochs;
        this.hardLimitBytes = capacityBytes + capacityBytes / 4 + chunkBytes(classOf(maxSlotFor(capacityBytes)));
        for (int i = 0; i < CLASS_COUNT; i++) {
            withFree.add(new ArrayDeque<>());
        }
    }

    /** The largest slot a cache of {@code capacityBytes} uses: a sixteenth of it, at most {@value #MAX_SLOT_BYTES}. */
    static int maxSlotFor(long capacityBytes) {
        return (int) Math.max(MIN_SLOT_BYTES, Math.min(MAX_SLOT_BYTES, capacityBytes / 16));
    }

    /** The size class of a block of {@code length} bytes ({@code 0 < length <= MAX_SLOT_BYTES}). */
    static int classOf(int length) {
        if (length <= MIN_SLOT_BYTES) {
            return 0;
        }
        int shift = 31 - Integer.numberOfLeadingZeros(length - 1);
        int mantissa = (length - 1) >>> (shift - 2); // 4..7
        return (shift - MIN_SLOT_SHIFT) * 4 + mantissa - 3;
    }

    /** The slot size of class {@code sizeClass}. */
    static int slotBytes(int sizeClass) {
        return (4 + (sizeClass & 3)) << (MIN_SLOT_SHIFT - 2 + (sizeClass >>> 2));
    }

    static int slotsPerChunk(int sizeClass) {
        return Math.max(MIN_SLOTS_PER_CHUNK, Math.min(MAX_SLOTS_PER_CHUNK, TARGET_CHUNK_BYTES / slotBytes(sizeClass)));
    }

    static long chunkBytes(int sizeClass) {
        return (long) slotsPerChunk(sizeClass) * slotBytes(sizeClass);
    }

    /** Packs a chunk id and an offset into the value {@link #allocate} returns. */
    static long slot(int chunkId, int offset) {
        return (long) chunkId << 32 | offset;
    }

    static int offsetOf(long slot) {
        return (int) slot;
    }

    /**
     * Takes a free slot of class {@code sizeClass}: a reclaimed one, else one of a new chunk if the reservation
     * limit allows, else {@link #NO_SLOT}.
     */
    synchronized long allocate(int sizeClass) {
        if (closed) {
            return NO_SLOT;
        }
        ArrayDeque<Chunk> candidates = withFree.get(sizeClass);
        if (candidates.isEmpty()) {
            reclaim();
        }
        if (candidates.isEmpty() && !reserveChunk(sizeClass)) {
            return NO_SLOT;
        }
        Chunk chunk = candidates.peekFirst();
        int offset = chunk.free[--chunk.freeCount];
        if (chunk.freeCount == 0) {
            candidates.pollFirst();
        }
        return slot(chunk.id, offset);
    }

    /** The chunk a slot of {@link #allocate} lies in. */
    synchronized Chunk chunk(long slot) {
        return chunksById[(int) (slot >>> 32)];
    }

    /** Puts a slot that was unlinked from its cache's index into limbo until every reader that could see it left. */
    synchronized void retire(Chunk chunk, int offset) {
        if (limboCount == limboChunks.length) {
            growLimbo();
        }
        int at = (limboHead + limboCount) & (limboChunks.length - 1);
        limboChunks[at] = chunk;
        limboOffsets[at] = offset;
        limboTags[at] = epochs.retire();
        limboCount++;
    }

    /** Returns a slot no reader was ever handed (an abandoned load) to its chunk at once. */
    synchronized void free(Chunk chunk, int offset) {
        release(chunk, offset);
    }

    /** Moves every retired slot that no reader can reach any more back to its chunk. */
    synchronized void reclaim() {
        if (limboCount == 0) {
            return;
        }
        long oldest = epochs.oldestActive();
        int mask = limboChunks.length - 1;
        while (limboCount > 0 && limboTags[limboHead] < oldest) {
            release(limboChunks[limboHead], limboOffsets[limboHead]);
            limboChunks[limboHead] = null;
            limboHead = (limboHead + 1) & mask;
            limboCount--;
        }
    }

    /** Reclaims what it can and unmaps every chunk whose slots are all free. */
    synchronized void trim() {
        reclaim();
        closeEmptyChunks();
    }

    /** Bytes of chunk memory reserved. */
    synchronized long reservedBytes() {
        return reservedBytes;
    }

    /** Retired slots still waiting for readers to leave. */
    synchronized int limboSlots() {
        return limboCount;
    }

    /**
     * Unmaps every chunk. The caller guarantees no reader is left (the store's close hands this to the version
     * tracker, which runs it after the last lease of an older state is released).
     */
    @Override
    public synchronized void close() {
        closed = true;
        for (Chunk chunk : chunksById) {
            if (chunk != null && chunk.arena.scope().isAlive()) {
                chunk.arena.close();
            }
        }
        Arrays.fill(chunksById, null);
        withFree.forEach(ArrayDeque::clear);
        limboCount = 0;
        reservedBytes = 0;
    }

    private void release(Chunk chunk, int offset) {
        chunk.free[chunk.freeCount++] = offset;
        if (chunk.freeCount == 1) {
            withFree.get(chunk.sizeClass).addLast(chunk);
        }
    }

    private boolean reserveChunk(int sizeClass) {
        long bytes = chunkBytes(sizeClass);
        if (reservedBytes + bytes > hardLimitBytes) {
            closeEmptyChunks();
            if (reservedBytes + bytes > hardLimitBytes) {
                return false;
            }
        }
        int id = freeIdCount == 0 ? nextId++ : freeIds[--freeIdCount];
        if (id >= chunksById.length) {
            chunksById = Arrays.copyOf(chunksById, chunksById.length * 2);
        }
        Chunk chunk = new Chunk(id, sizeClass);
        chunksById[id] = chunk;
        reservedBytes += bytes;
        withFree.get(sizeClass).addLast(chunk);
        return true;
    }

    private void closeEmptyChunks() {
        for (int id = 0; id < nextId; id++) {
            Chunk chunk = chunksById[id];
            if (chunk != null && chunk.freeCount == chunk.free.length) {
                withFree.get(chunk.sizeClass).remove(chunk);
                chunk.arena.close();
                chunksById[id] = null;
                if (freeIdCount == freeIds.length) {
                    freeIds = Arrays.copyOf(freeIds, freeIds.length * 2);
                }
                freeIds[freeIdCount++] = id;
                reservedBytes -= chunk.memory.byteSize();
            }
        }
    }

    private void growLimbo() {
        int n = limboChunks.length;
        Chunk[] chunks = new Chunk[n * 2];
        int[] offsets = new int[n * 2];
        long[] tags = new long[n * 2];
        for (int i = 0; i < limboCount; i++) {
            int from = (limboHead + i) & (n - 1);
            chunks[i] = limboChunks[from];
            offsets[i] = limboOffsets[from];
            tags[i] = limboTags[from];
        }
        limboChunks = chunks;
        limboOffsets = offsets;
        limboTags = tags;
        limboHead = 0;
    }

    /** One shared arena split into equal slots of one size class. */
    static final class Chunk {
        final int id;
        final int sizeClass;
        final Arena arena;
        final MemorySegment memory;
        final int[] free;
        int freeCount;

        Chunk(int id, int sizeClass) {
            this.id = id;
            this.sizeClass = sizeClass;
            int slots = slotsPerChunk(sizeClass);
            int slotBytes = slotBytes(sizeClass);
            this.arena = Arena.ofShared();
            this.memory = arena.allocate((long) slots * slotBytes, 64);
            this.free = new int[slots];
            for (int i = 0; i < slots; i++) {
                free[i] = (slots - 1 - i) * slotBytes;
            }
            this.freeCount = slots;
        }
    }
}
