package io.turbokv.cache;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which cached blocks readers may still be reading: the reclamation protocol of the block caches,
 * hazard pointers in the sense of Michael (2004). An evicted block's memory is reused only when no reader
 * announces it.
 *
 * <p>A reader {@link #enter()}s before a lookup and gets a record of its own. Each cache that hands the reader a
 * block announces that block's slot in the reader's cell for that cache, <em>while still holding the shard monitor
 * under which it found the block</em>; an eviction unlinks a block under the same monitor, so a reclaimer that later
 * scans the cells either sees the announcement or the reader never found the block. A reader holds at most one
 * block per cache at a time (the lookup path uses the key block, then a value block, and never returns to an
 * earlier one), so a new announcement replaces the previous one. {@link #exit(int)} withdraws them all.
 *
 * <p>Compared with epochs, a reader that is descheduled in the middle of a lookup holds back one block per cache,
 * not every block retired since it entered: with more reader threads than cores, epochs starved the allocator
 * (measured: 98 % of misses found no free slot under 8 readers on 2 cores).
 *
 * <p>Records are a fixed array, claimed by CAS from a place picked by the thread id (no {@code ThreadLocal}, which
 * leaks with virtual threads), one 64-byte line each: a state word and up to {@value #MAX_CACHES} cells. A reader
 * that finds every record taken gets {@link #NO_SLOT} and reads around the caches. Entering, announcing and exiting
 * allocate nothing.
 *
 * <p>Thread-safe.
 */
public final class Readers {
    /** What {@link #enter()} returns when every record is taken: the caller must not use the caches. */
    public static final int NO_SLOT = -1;
    /** Caches one domain serves. */
    static final int MAX_CACHES = 7;
    /** An empty cell. */
    static final long NONE = -1;
    private static final int RECORD_LONGS = 8;
    private static final long IDLE = 0;
    private static final long BUSY = 1;

    private final AtomicLongArray records;
    private final int slots;
    private final AtomicInteger caches = new AtomicInteger();

    /** Creates a domain with a record for eight readers per available processor (at least 64). */
    public Readers() {
        this(Math.max(64, Runtime.getRuntime().availableProcessors() * 8));
    }

    /**
     * Creates a domain with {@code readers} records, rounded up to a power of two.
     *
     * @param readers how many readers may be inside the domain at once; more get {@link #NO_SLOT}
     */
    public Readers(int readers) {
        this.slots = Math.max(1, Integer.highestOneBit(Math.max(1, readers) - 1) << 1);
        this.records = new AtomicLongArray(slots * RECORD_LONGS);
        for (int i = 0; i < slots * RECORD_LONGS; i++) {
            records.set(i, i % RECORD_LONGS == 0 ? IDLE : NONE);
        }
    }

    /**
     * Claims a reader record for one lookup.
     *
     * @return the slot to pass to the caches' handles and to {@link #exit(int)}, or {@link #NO_SLOT} when every
     *         record is taken
     */
    public int enter() {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i < slots; i++) {
            int slot = (start + i) & (slots - 1);
            int state = slot * RECORD_LONGS;
            if (records.get(state) == IDLE && records.compareAndSet(state, IDLE, BUSY)) {
                return slot;
            }
        }
        return NO_SLOT;
    }

    /**
     * Withdraws every announcement of {@code slot} and frees it: no cached byte handed out may be used any more.
     *
     * @param slot the slot {@link #enter()} returned; {@link #NO_SLOT} is a no-op
     */
    public void exit(int slot) {
        if (slot == NO_SLOT) {
            return;
        }
        int base = slot * RECORD_LONGS;
        int used = caches.get();
        for (int cell = 1; cell <= used; cell++) {
            records.setRelease(base + cell, NONE);
        }
        records.set(base, IDLE);
    }

    /** Gives a new cache its cell. */
    int register() {
        int cell = caches.incrementAndGet();
        if (cell > MAX_CACHES) {
            throw new IllegalStateException("a Readers domain serves at most " + MAX_CACHES + " caches");
        }
        return cell;
    }

    /** Announces that reader {@code slot} reads block memory {@code address} of the cache owning {@code cell}. */
    void announce(int slot, int cell, long address) {
        records.set(slot * RECORD_LONGS + cell, address);
    }

    /**
     * The addresses announced in {@code cell} by all readers, sorted, in {@code into} (which has at least
     * {@link #slots()} elements); returns how many.
     */
    int announced(int cell, long[] into) {
        int count = 0;
        for (int slot = 0; slot < slots; slot++) {
            long address = records.get(slot * RECORD_LONGS + cell);
            if (address != NONE) {
                into[count++] = address;
            }
        }
        Arrays.sort(into, 0, count);
        return count;
    }

    /** Reader records in this domain. */
    int slots() {
        return slots;
    }
}
