package io.turbokv.io;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sequence numbers one write operation gives its files. Every file a store writes is named by a number above
 * the one {@code CURRENT} holds when the operation starts ({@link #committed()}), taken here in increasing order
 * from any thread ({@link #next()}); the commit writes the highest one taken ({@link #last()}) into {@code CURRENT},
 * and a rollback deletes every file numbered above {@link #committed()}. Numbers are compared unsigned. Thread-safe.
 */
public final class SequenceAllocator {
    private final int committed;
    private final AtomicInteger last;

    /**
     * An allocator whose first number is {@code committed + 1}.
     *
     * @param committed the number {@code CURRENT} holds when the operation starts
     */
    public SequenceAllocator(int committed) {
        this.committed = committed;
        this.last = new AtomicInteger(committed);
    }

    /** {@return the next number, above every number taken before} */
    public int next() {
        return last.incrementAndGet();
    }

    /** {@return the highest number taken so far, or {@link #committed()} when none was} */
    public int last() {
        return last.get();
    }

    /** {@return the number {@code CURRENT} held when the operation started} */
    public int committed() {
        return committed;
    }
}
