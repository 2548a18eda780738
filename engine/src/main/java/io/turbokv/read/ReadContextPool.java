package io.turbokv.read;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Lends {@link ReadContext}s to reader threads without allocating and without {@code ThreadLocal}s (which leak
 * with virtual threads and cannot be freed at close): a fixed array of slots, probed from a place picked by the
 * thread id. A reader that finds every slot taken (more concurrent readers than slots) makes a fresh context and
 * frees it after use.
 */
public final class ReadContextPool implements AutoCloseable {
    private final AtomicReferenceArray<ReadContext> slots;
    private final int mask;
    private final LookupCounters counters;
    private volatile boolean closed;

    /**
     * A pool with room for four contexts per available processor (rounded up to a power of two); contexts are created
     * on demand, each counting its calls in a tally of {@code counters}.
     *
     * @param counters where the contexts' calls are counted
     */
    public ReadContextPool(LookupCounters counters) {
        this.counters = counters;
        int size = Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    /** {@return a free context, or a new one when none is pooled} */
    public ReadContext acquire() {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= mask; i++) {
            ReadContext context = slots.getAndSet((start + i) & mask, null);
            if (context != null) {
                return context;
            }
        }
        return new ReadContext(counters);
    }

    /**
     * Takes {@code context} back for the next lookup, or closes it when the pool is closed or full.
     *
     * @param context a context this thread acquired and is done with
     */
    public void release(ReadContext context) {
        context.clear();
        if (closed) {
            context.close();
            return;
        }
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i <= mask; i++) {
            int slot = (start + i) & mask;
            if (slots.compareAndSet(slot, null, context)) {
                // close() may have swept this slot between the check above and the store: then it set closed
                // first, and whichever of its sweep and this take-back empties the slot frees the context
                if (closed && slots.compareAndSet(slot, context, null)) {
                    context.close();
                }
                return;
            }
        }
        context.close();
    }

    /** Frees every pooled context. Contexts lent out at the time are freed by their release. */
    @Override
    public void close() {
        closed = true;
        for (int i = 0; i <= mask; i++) {
            ReadContext context = slots.getAndSet(i, null);
            if (context != null) {
                context.close();
            }
        }
    }
}
