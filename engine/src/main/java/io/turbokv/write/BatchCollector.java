package io.turbokv.write;

import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Collects a write batch's entries from many threads at once, without a global lock on the hot path and without
 * copying an entry after it was appended.
 *
 * <p>Each family has a small array of stripes; an entry goes to the stripe its key hash picks, under that
 * stripe's lock, so two fillers rarely contend. A stripe appends to an {@link EntryChunk} of its own (the first of
 * a batch {@value #FIRST_CHUNK_BYTES} bytes, the next ones sized for {@value #MAX_CHUNK_ENTRIES} records like the
 * last one's, up to {@value #MAX_CHUNK_BYTES}); a chunk that is full or holds {@value #MAX_CHUNK_ENTRIES} records
 * is handed, whole, to its family's {@link EntryBuffer}: under the family's lock only a reference is appended. A
 * family buffer that would pass its {@link SpillLimits} is cut: it takes the next sequence number, under the family's
 * lock, and goes to the {@link SpillRunner}, which sorts it and writes it as one SST while filling
 * goes on.
 *
 * <p><b>Why the stripe follows the key, and the number is taken at the cut.</b> Readers take the SST with the higher
 * number as the newer, so the writes of one key must reach SSTs in the order they were made. All writes of a key
 * go through one stripe, appended under its lock in happens-before order (one thread, or threads that synchronize);
 * a stripe hands its chunks over under its own lock, so they arrive in order; and the family's buffer is cut, and
 * numbered, in that same order under its lock. Within one buffer, the later record of a key has the larger ref. A
 * stripe chosen by thread instead would let an earlier write wait in a quiet thread's stripe while a later one from
 * a busy thread was spilled first; a number taken when the spill finished sorting would let a small last spill
 * overtake a larger one still sorting.
 *
 * <p><b>Memory.</b> A family buffer about to be cut first reserves a place among the spills in flight
 * ({@link SpillRunner#reserve()}), holding the family's lock: fillers wait until a spill ends. So a batch holds at
 * most the spilling buffers ({@code maxInFlight}), one buffer per family (and per multi-valued family one of
 * tombstones) and one chunk per stripe, whatever its size ({@link BatchMemory} counts it).
 *
 * <p>Tombstones of a multi-valued family go to a collector of their own, never to a stripe: such a delete removes
 * the values of earlier batches only, so its SST must be older than every SST holding this batch's values of the
 * key, before or after the delete. {@link SpillRunner} marks those SSTs and the commit orders them first
 * ({@link SpillOrder}).
 *
 * <p>The chunks are borrowed from the store's {@link WriteBufferPool} and go back to it when the batch is done
 * with them, so the same memory serves the next batch. Stripes are sealed, under their locks, by {@link #flush()}
 * and {@link #close()}, before the family buffers: a filler that adds after that gets
 * {@link IllegalStateException} and never reaches a chunk that was returned (and may be lent to another batch by
 * then).
 */
public final class BatchCollector implements AutoCloseable {
    /** The size of a stripe's first chunk in a batch: a small commit borrows little. */
    static final long FIRST_CHUNK_BYTES = 64 << 10;
    /** The smallest chunk after the first. */
    static final long MIN_CHUNK_BYTES = WriteBufferPool.MIN_BUFFER_BYTES;
    /** The largest chunk; a record larger than this gets a chunk of its own size. */
    static final long MAX_CHUNK_BYTES = 1 << 20;
    /**
     * The most records a chunk takes: the granularity at which a family buffer is cut, so an SST holds at most this
     * many entries fewer than its {@link SpillLimits#entries()} before the last one.
     */
    static final int MAX_CHUNK_ENTRIES = 2_048;
    /** A commit's last family buffer up to this many data bytes is spilled by the committing thread itself. */
    static final long SPILL_NOW_BYTES = 512 << 10;

    private final boolean[] multiValued;
    private final Stripe[][] stripes;
    private final Family[] families;
    /** Per multi-valued family, the batch's tombstones (null for a single-valued family). */
    private final Stripe[] tombstoneStripes;
    private final Family[] tombstoneFamilies;
    private final SpillRunner spills;
    private final SpillLimits limits;
    private final BatchMemory memory;
    private final int stripeMask;
    private final LongAdder entries = new LongAdder();

    /**
     * An empty batch collector for a store with {@code multiValued.length} families. Chunks are borrowed on the
     * first add to each stripe.
     *
     * @param multiValued per family, whether it is multi-valued
     * @param keyOrdered  per family, whether it is key-ordered (its spills sort by key)
     * @param spills      where full family buffers go
     * @param limits      where a family buffer is cut and spilled
     * @param buffers     where the chunks come from and go back to
     */
    public BatchCollector(boolean[] multiValued, boolean[] keyOrdered, SpillRunner spills, SpillLimits limits,
                          WriteBufferPool buffers) {
        this.multiValued = multiValued.clone();
        this.spills = spills;
        this.limits = limits;
        this.memory = new BatchMemory(buffers);
        int stripeCount = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1) * 2;
        this.stripeMask = stripeCount - 1;
        this.stripes = new Stripe[multiValued.length][stripeCount];
        this.families = new Family[multiValued.length];
        this.tombstoneStripes = new Stripe[multiValued.length];
        this.tombstoneFamilies = new Family[multiValued.length];
        for (int family = 0; family < multiValued.length; family++) {
            families[family] = new Family(family, multiValued[family], keyOrdered[family], false);
            for (int i = 0; i < stripeCount; i++) {
                stripes[family][i] = new Stripe(families[family]);
            }
            if (multiValued[family]) {
                tombstoneFamilies[family] = new Family(family, true, keyOrdered[family], true);
                tombstoneStripes[family] = new Stripe(tombstoneFamilies[family]);
            }
        }
    }

    /**
     * Adds a value.
     *
     * @param family the key family's index
     * @param hash   the key's hash, which picks the stripe and orders the SST
     * @param key    the key's bytes, copied into the batch
     * @param value  the value's bytes, copied into the batch
     * @throws IllegalStateException when the batch was flushed for its commit or closed
     */
    public void addValue(int family, long hash, MemorySegment key, MemorySegment value) {
        Stripe stripe = stripeOf(family, hash);
        stripe.lock.lock();
        try {
            stripe.chunkFor(EntryChunk.recordBytes(key.byteSize(), value.byteSize())).addValue(hash, key, value);
        } finally {
            stripe.lock.unlock();
        }
        entries.increment();
    }

    /**
     * Adds a key tombstone.
     *
     * @param family the key family's index
     * @param hash   the key's hash, which picks the stripe and orders the SST
     * @param key    the key's bytes, copied into the batch
     * @throws IllegalStateException when the batch was flushed for its commit or closed
     */
    public void addTombstone(int family, long hash, MemorySegment key) {
        Stripe stripe = multiValued[family] ? tombstoneStripes[family] : stripeOf(family, hash);
        stripe.lock.lock();
        try {
            stripe.chunkFor(EntryChunk.recordBytes(key.byteSize(), 0)).addTombstone(hash, key);
        } finally {
            stripe.lock.unlock();
        }
        entries.increment();
    }

    /**
     * Adds a reference to blob file {@code blobSeq}, already written and synced.
     *
     * @param family the key family's index
     * @param hash   the key's hash, which picks the stripe and orders the SST
     * @param key    the key's bytes, copied into the batch
     * @param blobSeq the sequence number of the blob file holding the value
     * @throws IllegalStateException when the batch was flushed for its commit or closed
     */
    public void addBlob(int family, long hash, MemorySegment key, int blobSeq) {
        Stripe stripe = stripeOf(family, hash);
        stripe.lock.lock();
        try {
            stripe.chunkFor(EntryChunk.recordBytes(key.byteSize(), 0)).addBlob(hash, key, blobSeq);
        } finally {
            stripe.lock.unlock();
        }
        entries.increment();
    }

    /** {@return how many entries were added so far} */
    public long entryCount() {
        return entries.sum();
    }

    /** {@return the bytes of native memory the batch holds now (its chunks)} */
    public long heldBytes() {
        return memory.heldBytes();
    }

    /** {@return the most bytes of native memory the batch held at once} */
    public long peakHeldBytes() {
        return memory.peakBytes();
    }

    private Stripe stripeOf(int family, long hash) {
        return stripes[family][(int) (hash ^ (hash >>> 32)) & stripeMask];
    }

    /**
     * Hands every stripe's chunk to its family buffer and spills what is left; seals the stripes, so a later add
     * throws. Called once, by the committing thread, after every filler has returned.
     */
    public void flush() {
        for (int family = 0; family < stripes.length; family++) {
            for (Stripe stripe : stripes[family]) {
                stripe.seal(true);
            }
            families[family].spillRest();
            if (tombstoneStripes[family] != null) {
                tombstoneStripes[family].seal(true);
                tombstoneFamilies[family].spillRest();
            }
        }
    }

    /**
     * Seals every stripe and returns the chunks still held to the pool (spills return their own). Idempotent.
     * Every stripe is sealed before the family buffers are touched: a filler between its stripe and the family
     * buffer holds that stripe's lock, so it has finished by then.
     */
    @Override
    public void close() {
        for (int family = 0; family < stripes.length; family++) {
            for (Stripe stripe : stripes[family]) {
                stripe.seal(false);
            }
            if (tombstoneStripes[family] != null) {
                tombstoneStripes[family].seal(false);
            }
        }
        for (int family = 0; family < stripes.length; family++) {
            families[family].discard();
            if (tombstoneFamilies[family] != null) {
                tombstoneFamilies[family].discard();
            }
        }
    }

    /**
     * The size of the chunk after {@code full}: what {@value #MAX_CHUNK_ENTRIES} records of its average size take,
     * rounded down to a power of two (so the chunk fills up before it reaches the entry limit), within
     * [{@value #MIN_CHUNK_BYTES}, {@value #MAX_CHUNK_BYTES}].
     */
    private static long chunkBytesAfter(EntryChunk full) {
        long average = full.usedBytes() / full.count();
        long bytes = Long.highestOneBit(Math.max(1, MAX_CHUNK_ENTRIES * average));
        return Math.clamp(bytes, MIN_CHUNK_BYTES, MAX_CHUNK_BYTES);
    }

    /** One stripe: the chunk its fillers append to, behind its lock. */
    private final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final Family family;
        /** Guarded by {@link #lock}. */
        EntryChunk chunk;
        /** Guarded by {@link #lock}: the size of the next chunk, from the records of the last one. */
        long nextChunkBytes = FIRST_CHUNK_BYTES;
        /** Set by flush and close, guarded by {@link #lock}: no entry may be added any more. */
        boolean sealed;

        Stripe(Family family) {
            this.family = family;
        }

        /** The chunk to append a record of {@code recordBytes} bytes to, under {@link #lock}. */
        EntryChunk chunkFor(long recordBytes) {
            if (sealed) {
                throw new IllegalStateException("this write batch was already committed or closed");
            }
            if (chunk != null && chunk.hasRoom(recordBytes) && chunk.count() < MAX_CHUNK_ENTRIES) {
                return chunk;
            }
            if (chunk != null) {
                EntryChunk full = chunk;
                chunk = null;
                nextChunkBytes = chunkBytesAfter(full);
                family.add(full); // may wait for a spill: bounds the batch's memory
            }
            chunk = new EntryChunk(memory, Math.max(nextChunkBytes, recordBytes));
            return chunk;
        }

        /** Seals the stripe; hands its chunk to the family buffer ({@code keep}) or returns it to the pool. */
        void seal(boolean keep) {
            lock.lock();
            try {
                sealed = true;
                if (chunk != null) {
                    EntryChunk last = chunk;
                    chunk = null;
                    if (keep && last.count() > 0) {
                        family.add(last);
                    } else {
                        last.close();
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** A family's buffer being filled (or its multi-valued tombstones'), behind its lock. */
    private final class Family {
        final ReentrantLock lock = new ReentrantLock();
        final int index;
        final boolean multiValued;
        final boolean keyOrdered;
        final boolean tombstones;
        /** Guarded by {@link #lock}. */
        EntryBuffer buffer;
        /** Set by flush and close, guarded by {@link #lock}: no chunk may be added any more. */
        boolean sealed;

        Family(int index, boolean multiValued, boolean keyOrdered, boolean tombstones) {
            this.index = index;
            this.multiValued = multiValued;
            this.keyOrdered = keyOrdered;
            this.tombstones = tombstones;
        }

        /**
         * Appends {@code chunk} (taking ownership); first cuts and spills the buffer when the chunk would take it
         * past the spill limits, so an SST never holds more (unless one entry alone is larger).
         */
        void add(EntryChunk chunk) {
            EntryBuffer full = null;
            int seq = 0;
            lock.lock();
            try {
                if (sealed) { // stripes are sealed first, so only a bug gets here; never keep the chunk
                    chunk.close();
                    throw new IllegalStateException("this write batch was already committed or closed");
                }
                if (buffer != null && (buffer.count() + chunk.count() > limits.entries()
                        || buffer.dataBytes() + chunk.dataBytes() > limits.bytes())) {
                    spills.reserve(); // under the lock: no filler adds to this family until a spill ends
                    full = buffer;
                    buffer = null;
                    seq = spills.nextSeq(); // under the lock: cuts are numbered in the order they are made
                }
                if (buffer == null) {
                    buffer = new EntryBuffer(memory);
                }
                buffer.add(chunk);
            } finally {
                lock.unlock();
            }
            if (full != null) {
                spills.submit(index, multiValued, keyOrdered, full, seq, tombstones);
            }
        }

        /**
         * Seals the family and spills what it holds: a small rest on the calling thread, which would only wait; a
         * large one of values in two halves, on the calling thread and the pool.
         */
        void spillRest() {
            EntryBuffer rest;
            int seq = 0;
            lock.lock();
            try {
                sealed = true;
                rest = buffer;
                buffer = null;
                if (rest != null) {
                    seq = spills.nextSeq();
                }
            } finally {
                lock.unlock();
            }
            if (rest == null) {
                return;
            }
            if (rest.dataBytes() <= SPILL_NOW_BYTES) {
                spills.spillNow(index, multiValued, keyOrdered, rest, seq, tombstones);
            } else if (!tombstones && rest.count() >= SpillRunner.SPLIT_ENTRIES
                    && Runtime.getRuntime().availableProcessors() > 1) {
                spills.spillInTwo(index, multiValued, keyOrdered, rest, seq, tombstones);
            } else {
                spills.reserve();
                spills.submit(index, multiValued, keyOrdered, rest, seq, tombstones);
            }
        }

        /** Seals the family and returns the chunks it holds. */
        void discard() {
            lock.lock();
            try {
                sealed = true;
                if (buffer != null) {
                    buffer.close();
                    buffer = null;
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
