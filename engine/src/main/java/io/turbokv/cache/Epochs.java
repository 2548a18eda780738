package io.turbokv.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Epoch-based reclamation for the block caches (DESIGN.md §5.7): cached memory that a reader may still be reading
 * is recycled only after that reader has left.
 *
 * <p>A reader {@link #enter()}s before its first cache lookup and {@link #exit(int)}s after it has used (or
 * copied) every cached byte it was handed. Entering publishes the global epoch the reader saw in a slot of its
 * own. A cache that evicts a block first unlinks it from its index, then {@link #retire() retires} it: the
 * retirement tag is the global epoch, which is then advanced. The block's memory may be reused once every
 * occupied slot holds an epoch greater than the tag ({@link #oldestActive()}): any reader that could have found
 * the block entered at or before the tag and still holds its slot.
 *
 * <p>Slots are a fixed array (no {@code ThreadLocal}, which leaks with virtual threads), claimed by CAS from a
 * place picked by the thread id and spaced a cache line apart. A reader that finds every slot taken gets
 * {@link #NO_SLOT} and must read around the caches for that lookup. Entering and exiting allocate nothing.
 *
 * <p>Thread-safe.
 */
public final class Epochs {
    /** What {@link #enter()} returns when every slot is taken: the caller must not use the caches. */
    public static final int NO_SLOT = -1;
    /** An unoccupied slot: it holds back no reclamation. */
    private static final long IDLE = Long.MAX_VALUE;
    /** Longs between two slots: 64 bytes, so that readers on different cores do not share a cache line. */
    private static final int SPACING = 8;

    private final AtomicLong global = new AtomicLong(1);
    private final AtomicLongArray slots;
    private final int mask;

    /** Creates a domain with enough slots for four readers per available processor (at least 64). */
    public Epochs() {
        this(Math.max(64, Runtime.getRuntime().availableProcessors() * 4));
    }

    /** Creates a domain with {@code readers} slots, rounded up to a power of two. */
    public Epochs(int readers) {
        int count = Integer.highestOneBit(Math.max(1, readers) - 1) << 1;
        count = Math.max(1, count);
        this.slots = new AtomicLongArray(count * SPACING);
        this.mask = count - 1;
        for (int i = 0; i < count; i++) {
            slots.set(i * SPACING, IDLE);
        }
    }

    /**
     * Enters the current epoch: until {@link #exit(int)}, no cached block this reader can find is reused.
     *
     * @return the slot to pass to {@link #exit(int)}, or {@link #NO_SLOT} when every slot is taken
     */
    public int enter() {
        long epoch = global.get();
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= mask; i++) {
            int slot = (start + i) & mask;
            // a volatile CAS: the slot is visible before any index read that follows
            if (slots.get(slot * SPACING) == IDLE && slots.compareAndSet(slot * SPACING, IDLE, epoch)) {
                return slot;
            }
        }
        return NO_SLOT;
    }

    /** Leaves the epoch entered as {@code slot}; every cached byte handed out meanwhile must no longer be used. */
    public void exit(int slot) {
        if (slot != NO_SLOT) {
            slots.set(slot * SPACING, IDLE);
        }
    }

    /** Tags a block that was just unlinked from its cache's index: the current epoch, which then advances. */
    long retire() {
        return global.getAndIncrement();
    }

    /**
     * The oldest epoch an occupied slot holds, or {@link Long#MAX_VALUE} when none is occupied: memory retired with
     * a tag below it can be reused.
     */
    long oldestActive() {
        long oldest = IDLE;
        for (int i = 0; i <= mask; i++) {
            oldest = Math.min(oldest, slots.get(i * SPACING));
        }
        return oldest;
    }
}
