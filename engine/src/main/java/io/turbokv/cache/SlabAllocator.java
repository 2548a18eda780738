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
 * one {@code Arena.ofShared()} segment holding up to 64 slots of one class, about a 64th of the capacity but
 * between 16 KiB and 1 MiB (so a 400 MiB cache uses 1 MiB chunks; a block over 16 KiB in a cache under 1 MiB gets
 * a chunk of its own).
 *
 * <p><b>Reclamation.</b> A slot whose block was evicted is {@link #retire retired}: it goes to a limbo list and
 * returns to its chunk's free list only once no reader announces it ({@link Readers}), i.e. every reader that could
 * have found the block has moved on. A slot that was never published
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
    private static final int MAX_CHUNK_BYTES = 1 << 20;
    private static final int MIN_CHUNK_BYTES = 16 << 10;
    private static final int MAX_SLOTS_PER_CHUNK = 64;
    static final long NO_SLOT = -1;

    private final Readers readers;
    private final int cell;
    private final long[] announced;
    private final int targetChunkBytes;
    private final long hardLimitBytes;
    private final List<ArrayDeque<Chunk>> withFree = new ArrayList<>(CLASS_COUNT);
    private Chunk[] chunksById = new Chunk[16];
    private int[] freeIds = new int[16];
    private int freeIdCount;
    private int nextId;
    private long reservedBytes;
    // limbo: a ring of retired slots
    private Chunk[] limboChunks = new Chunk[64];
    private int[] limboOffsets = new int[64];
    private int limboHead;
    private int limboCount;
    private boolean closed;

    SlabAllocator(long capacityBytes, Readers readers, int cell) {
        this.readers = readers;
        this.cell = cell;
        this.announced = new long[readers.slots()];
        this.targetChunkBytes = targetChunkBytes(capacityBytes);
        this.hardLimitBytes = capacityBytes + capacityBytes / 4
                + chunkBytes(classOf(maxSlotFor(capacityBytes)), targetChunkBytes);
        for (int i = 0; i < CLASS_COUNT; i++) {
            withFree.add(new ArrayDeque<>());
        }
    }

    /** The largest slot a cache of {@code capacityBytes} uses: a quarter of it, at most {@value #MAX_SLOT_BYTES}. */
    static int maxSlotFor(long capacityBytes) {
        return (int) Math.max(MIN_SLOT_BYTES, Math.min(MAX_SLOT_BYTES, capacityBytes / 4));
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

    /**
     * Chunks of about a 64th of the capacity, between {@value #MIN_CHUNK_BYTES} bytes and {@value #MAX_CHUNK_BYTES}
     * bytes: small caches must not spend their budget on half-empty chunks of many classes.
     */
    static int targetChunkBytes(long capacityBytes) {
        return (int) Math.max(MIN_CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, capacityBytes / 64));
    }

    static int slotsPerChunk(int sizeClass, int targetChunkBytes) {
        return Math.max(1, Math.min(MAX_SLOTS_PER_CHUNK, targetChunkBytes / slotBytes(sizeClass)));
    }

    static long chunkBytes(int sizeClass, int targetChunkBytes) {
        return (long) slotsPerChunk(sizeClass, targetChunkBytes) * slotBytes(sizeClass);
    }

    /** The most memory this allocator reserves, in bytes. */
    long hardLimitBytes() {
        return hardLimitBytes;
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
        limboCount++;
    }

    /** Returns a slot no reader was ever handed (an abandoned load) to its chunk at once. */
    synchronized void free(Chunk chunk, int offset) {
        release(chunk, offset);
    }

    /** Moves every retired slot that no reader announces back to its chunk; announced ones stay in limbo. */
    synchronized void reclaim() {
        if (limboCount == 0) {
            return;
        }
        int announcedCount = readers.announced(cell, announced);
        int mask = limboChunks.length - 1;
        for (int n = limboCount; n > 0; n--) {
            Chunk chunk = limboChunks[limboHead];
            int offset = limboOffsets[limboHead];
            limboChunks[limboHead] = null;
            limboHead = (limboHead + 1) & mask;
            limboCount--;
            if (Arrays.binarySearch(announced, 0, announcedCount, slot(chunk.id, offset)) >= 0) {
                int at = (limboHead + limboCount) & mask; // still read: back to the tail
                limboChunks[at] = chunk;
                limboOffsets[at] = offset;
                limboCount++;
            } else {
                release(chunk, offset);
            }
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
        long bytes = chunkBytes(sizeClass, targetChunkBytes);
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
        Chunk chunk = new Chunk(id, sizeClass, slotsPerChunk(sizeClass, targetChunkBytes));
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
        for (int i = 0; i < limboCount; i++) {
            int from = (limboHead + i) & (n - 1);
            chunks[i] = limboChunks[from];
            offsets[i] = limboOffsets[from];
        }
        limboChunks = chunks;
        limboOffsets = offsets;
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

        Chunk(int id, int sizeClass, int slots) {
            this.id = id;
            this.sizeClass = sizeClass;
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
