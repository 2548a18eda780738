package io.turbokv.write;

import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Collects a write batch's entries from many threads at once, without a global lock on the hot path.
 *
 * <p>Each family has a small array of stripes; a thread always appends to the stripe its thread id picks, under
 * that stripe's lock, so two fillers rarely contend and one thread's writes keep their order. A stripe that
 * reaches {@link #STRIPE_ENTRIES} entries or {@link #STRIPE_BYTES} bytes (the Rust thread-local limits:
 * initial-file limits {@code >> 7}) moves into its family's global collector; a global collector that reaches
 * the initial-file limits is handed to the {@link SpillRunner}, which sorts it and writes an SST while filling
 * goes on.
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

    /**
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
        for (int family = 0; family < multiValued.length; family++) {
            globals[family] = new Global();
            for (int i = 0; i < stripeCount; i++) {
                stripes[family][i] = new Stripe(buffers);
            }
        }
    }

    /**
     * Adds a value.
     *
     * @throws IllegalStateException when the batch was flushed for its commit or closed
     */
    public void addValue(int family, long hash, MemorySegment key, MemorySegment value) {
        Stripe stripe = stripeOf(family);
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
     * @throws IllegalStateException when the batch was flushed for its commit or closed
     */
    public void addTombstone(int family, long hash, MemorySegment key) {
        Stripe stripe = stripeOf(family);
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
     * @throws IllegalStateException when the batch was flushed for its commit or closed
     */
    public void addBlob(int family, long hash, MemorySegment key, int blobSeq) {
        Stripe stripe = stripeOf(family);
        stripe.lock.lock();
        try {
            stripe.buffer().addBlob(hash, key, blobSeq);
            afterAdd(family, stripe);
        } finally {
            stripe.lock.unlock();
        }
    }

    /** Entries added so far. */
    public long entryCount() {
        return entries.sum();
    }

    private Stripe stripeOf(int family) {
        return stripes[family][(int) Thread.currentThread().threadId() & stripeMask];
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
            if (global.buffer.count() >= SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE
                    || global.buffer.dataBytes() >= SpillRunner.DATA_THRESHOLD_PER_INITIAL_FILE) {
                full = global.buffer;
                global.buffer = null;
            }
        } finally {
            global.lock.unlock();
        }
        if (full != null) {
            spills.submit(family, multiValued[family], full); // may block: bounds the batch's memory
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
            Global global = globals[family];
            EntryBuffer rest;
            global.lock.lock();
            try {
                rest = global.buffer;
                global.buffer = null;
            } finally {
                global.lock.unlock();
            }
            if (rest != null && rest.count() > 0 && rest.dataBytes() <= STRIPE_BYTES) {
                spills.spillNow(family, multiValued[family], rest); // the committer would only wait for it
            } else if (rest != null && rest.count() > 0) {
                spills.submit(family, multiValued[family], rest);
            } else if (rest != null) {
                rest.close();
            }
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
        for (Global global : globals) {
            global.lock.lock();
            try {
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

    private static final class Global {
        final ReentrantLock lock = new ReentrantLock();
        EntryBuffer buffer;
    }
}
