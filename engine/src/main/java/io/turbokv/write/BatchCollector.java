package io.turbokv.write;

import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Collects a write batch's entries from many threads at once, without a global lock on the hot path.
 *
 * <p>Each family has a small array of stripes; an entry goes to the stripe its key hash picks, under that
 * stripe's lock, so two fillers rarely contend. A stripe that reaches {@link #STRIPE_ENTRIES} entries or
 * {@link #STRIPE_BYTES} bytes (initial-file limits {@code >> 7}) moves into its family's global collector; a global
 * collector that reaches the initial-file limits is cut: it takes the next sequence number, under the global
 * collector's lock, and goes to the {@link SpillRunner}, which sorts it and writes it as one SST while filling goes
 * on.
 *
 * <p><b>Why the stripe follows the key, and the number is taken at the cut.</b> Readers take the SST with the higher
 * number as the newer, so the writes of one key must reach SSTs in the order they were made. All writes of a key
 * go through one stripe, appended under its lock in happens-before order (one thread, or threads that synchronize);
 * a stripe moves to the global collector under its own lock, so its chunks arrive there in order; and the global
 * collector is cut, and numbered, in that same order under its lock. Within one collector, the later record of a
 * key has the larger offset. A stripe chosen by thread instead would let an earlier write wait in a quiet thread's
 * stripe while a later one from a busy thread was spilled first; a number taken when the spill finished sorting
 * would let a small last spill overtake a larger one still sorting.
 *
 * <p>Tombstones of a multi-valued family go to a collector of their own, never to a stripe: such a delete removes
 * the values of earlier batches only, so its SST must be older than every SST holding this batch's values of the
 * key, before or after the delete. {@link SpillRunner} marks those SSTs and the commit orders them first
 * ({@link SpillOrder}).
 *
 * <p>The buffers are borrowed from the store's {@link WriteBufferPool} and go back to it when the batch is done
 * with them, so the same memory serves the next batch. A stripe is sealed, under its lock, by {@link #flush()} and
 * {@link #close()}: a filler that adds after that gets {@link IllegalStateException} and never reaches a buffer
 * that was returned (and may be lent to another batch by then).
 */
public final class BatchCollector implements AutoCloseable {
    static final int STRIPE_ENTRIES = SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE >> 7;
    static final long STRIPE_BYTES = SpillRunner.DATA_THRESHOLD_PER_INITIAL_FILE >> 7;

    private final boolean[] multiValued;
    private final Stripe[][] stripes;
    private final Global[] globals;
    private final SpillRunner spills;
    private final WriteBufferPool buffers;
    private final int stripeMask;
    private final LongAdder entries = new LongAdder();
    /** Per multi-valued family, the batch's tombstones (null for a single-valued family). */
    private final Global[] multiValuedTombstones;

    /**
     * An empty batch collector for a store with {@code multiValued.length} families. Its buffers are borrowed on
     * the first add to each stripe.
     *
     * @param multiValued per family, whether it is multi-valued
     * @param spills      where full collectors go
     * @param buffers     where the collectors' memory comes from and goes back to
     */
    public BatchCollector(boolean[] multiValued, SpillRunner spills, WriteBufferPool buffers) {
        this.multiValued = multiValued.clone();
        this.spills = spills;
        this.buffers = buffers;
        int stripeCount = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1) * 2;
        this.stripeMask = stripeCount - 1;
        this.stripes = new Stripe[multiValued.length][stripeCount];
        this.globals = new Global[multiValued.length];
        this.multiValuedTombstones = new Global[multiValued.length];
        for (int family = 0; family < multiValued.length; family++) {
            globals[family] = new Global();
            multiValuedTombstones[family] = multiValued[family] ? new Global() : null;
            for (int i = 0; i < stripeCount; i++) {
                stripes[family][i] = new Stripe(buffers);
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
            stripe.buffer().addValue(hash, key, value);
            afterAdd(family, stripe);
        } finally {
            stripe.lock.unlock();
        }
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
        if (multiValued[family]) {
            addMultiValuedTombstone(family, hash, key);
            return;
        }
        Stripe stripe = stripeOf(family, hash);
        stripe.lock.lock();
        try {
            stripe.buffer().addTombstone(hash, key);
            afterAdd(family, stripe);
        } finally {
            stripe.lock.unlock();
        }
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
            stripe.buffer().addBlob(hash, key, blobSeq);
            afterAdd(family, stripe);
        } finally {
            stripe.lock.unlock();
        }
    }

    /** {@return how many entries were added so far} */
    public long entryCount() {
        return entries.sum();
    }

    private Stripe stripeOf(int family, long hash) {
        return stripes[family][(int) (hash ^ (hash >>> 32)) & stripeMask];
    }

    private void addMultiValuedTombstone(int family, long hash, MemorySegment key) {
        Global tombstones = multiValuedTombstones[family];
        EntryBuffer full = null;
        int seq = 0;
        tombstones.lock.lock();
        try {
            if (tombstones.sealed) {
                throw new IllegalStateException("this write batch was already committed or closed");
            }
            if (tombstones.buffer == null) {
                tombstones.buffer = new EntryBuffer(buffers, 64 << 10, 256);
            }
            tombstones.buffer.addTombstone(hash, key);
            entries.increment();
            if (isFull(tombstones.buffer)) {
                full = tombstones.buffer;
                tombstones.buffer = null;
                seq = spills.nextSeq();
            }
        } finally {
            tombstones.lock.unlock();
        }
        if (full != null) {
            spills.submit(family, true, full, seq, true);
        }
    }

    private static boolean isFull(EntryBuffer buffer) {
        return buffer.count() >= SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE
                || buffer.dataBytes() >= SpillRunner.DATA_THRESHOLD_PER_INITIAL_FILE;
    }

    private void afterAdd(int family, Stripe stripe) {
        entries.increment();
        EntryBuffer buffer = stripe.buffer;
        if (buffer.count() >= STRIPE_ENTRIES || buffer.dataBytes() >= STRIPE_BYTES) {
            moveToGlobal(family, buffer);
        }
    }

    private void moveToGlobal(int family, EntryBuffer stripeBuffer) {
        Global global = globals[family];
        EntryBuffer full = null;
        int seq = 0;
        global.lock.lock();
        try {
            if (global.buffer == null) {
                // sized for what arrives, growing by doubling: a small commit must not allocate (and zero) megabytes
                long bytes = stripeBuffer.dataBytes() + (long) stripeBuffer.count() * EntryBuffer.HEADER;
                global.buffer = new EntryBuffer(buffers, Math.max(64 << 10, 2 * bytes),
                        Math.max(256, 2 * stripeBuffer.count()));
            }
            global.buffer.addAll(stripeBuffer);
            stripeBuffer.clear();
            if (isFull(global.buffer)) {
                full = global.buffer;
                global.buffer = null;
                seq = spills.nextSeq(); // under the lock: cuts are numbered in the order they are made
            }
        } finally {
            global.lock.unlock();
        }
        if (full != null) {
            spills.submit(family, multiValued[family], full, seq, false); // may block: bounds the batch's memory
        }
    }

    /**
     * Moves every stripe into its global collector and spills what is left; seals the stripes, so a later add
     * throws. Called once, by the committing thread, after every filler has returned.
     */
    public void flush() {
        for (int family = 0; family < stripes.length; family++) {
            for (Stripe stripe : stripes[family]) {
                stripe.lock.lock();
                try {
                    stripe.sealed = true;
                    if (stripe.buffer != null && stripe.buffer.count() > 0) {
                        moveToGlobal(family, stripe.buffer);
                    }
                } finally {
                    stripe.lock.unlock();
                }
            }
            spillRest(family, globals[family], false);
            if (multiValuedTombstones[family] != null) {
                spillRest(family, multiValuedTombstones[family], true);
            }
        }
    }

    /** Seals {@code global} and spills what it holds. */
    private void spillRest(int family, Global global, boolean tombstones) {
        EntryBuffer rest;
        int seq = 0;
        global.lock.lock();
        try {
            global.sealed = true;
            rest = global.buffer;
            global.buffer = null;
            if (rest != null && rest.count() > 0) {
                seq = spills.nextSeq();
            }
        } finally {
            global.lock.unlock();
        }
        if (rest != null && rest.count() > 0 && rest.dataBytes() <= STRIPE_BYTES) {
            spills.spillNow(family, multiValued[family], rest, seq, tombstones); // the committer would only wait
        } else if (rest != null && rest.count() > 0) {
            spills.submit(family, multiValued[family], rest, seq, tombstones);
        } else if (rest != null) {
            rest.close();
        }
    }

    /**
     * Seals every stripe and returns the buffers still held to the pool (spills return their own). Idempotent.
     * Every stripe is sealed before the global buffers are touched: a filler between its stripe and the global
     * buffer holds that stripe's lock, so it has finished by then.
     */
    @Override
    public void close() {
        for (Stripe[] familyStripes : stripes) {
            for (Stripe stripe : familyStripes) {
                stripe.lock.lock();
                try {
                    stripe.sealed = true;
                    if (stripe.buffer != null) {
                        stripe.buffer.close();
                        stripe.buffer = null;
                    }
                } finally {
                    stripe.lock.unlock();
                }
            }
        }
        for (Global global : allGlobals()) {
            global.lock.lock();
            try {
                global.sealed = true;
                if (global.buffer != null) {
                    global.buffer.close();
                    global.buffer = null;
                }
            } finally {
                global.lock.unlock();
            }
        }
    }

    private static final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final WriteBufferPool buffers;
        /** Guarded by {@link #lock}. */
        EntryBuffer buffer;
        /** Set by flush and close, guarded by {@link #lock}: no entry may be added any more. */
        boolean sealed;

        Stripe(WriteBufferPool buffers) {
            this.buffers = buffers;
        }

        /** The buffer to append to, under {@link #lock}. */
        EntryBuffer buffer() {
            if (sealed) {
                throw new IllegalStateException("this write batch was already committed or closed");
            }
            if (buffer == null) {
                buffer = new EntryBuffer(buffers, 64 * 1024, 256);
            }
            return buffer;
        }
    }

    private List<Global> allGlobals() {
        List<Global> all = new ArrayList<>(Arrays.asList(globals));
        for (Global tombstones : multiValuedTombstones) {
            if (tombstones != null) {
                all.add(tombstones);
            }
        }
        return all;
    }

    private static final class Global {
        final ReentrantLock lock = new ReentrantLock();
        /** Guarded by {@link #lock}. */
        EntryBuffer buffer;
        /** Set by flush and close, guarded by {@link #lock}: no entry may be added any more. */
        boolean sealed;
    }
}
