package io.turbokv.io;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many bytes of meta files a store may hold read into memory of their own at once; a meta file that would
 * exceed it is mapped instead (see {@code io.turbokv.meta.MetaFile}). One per open store, shared by its open, its commits (each
 * reads its new meta file back) and its compactions, so an open reads (and the store holds) at most this many
 * bytes of meta files whatever their number: a store of many small meta files (manual compaction writes one per
 * family per commit) maps all but the first few, as before copies existed. A closed meta file gives its
 * bytes back. Thread-safe.
 */
public final class MetaCopyBudget {
    /**
     * 4 MiB: room for the meta files of a compacted store of about 3,500,000 keys at 8-bit filters (1.16 MB per
     * 1,000,000; half as many at 16-bit), or for two files of the largest size a meta file is copied at (2 MiB).
     */
    public static final long DEFAULT_BYTES = 4L << 20;

    private final AtomicLong remaining;

    /**
     * A budget of {@code bytes}.
     *
     * @param bytes how many bytes may be held in copies at once; 0 maps every meta file
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public MetaCopyBudget(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("meta copy budget: " + bytes + " bytes (expected: >= 0)");
        }
        this.remaining = new AtomicLong(bytes);
    }

    /**
     * {@return whether {@code bytes} were taken from the budget; nothing is taken when they do not fit}
     *
     * @param bytes the size of the copy about to be made
     */
    public boolean tryTake(long bytes) {
        long left = remaining.get();
        while (bytes <= left) {
            long witness = remaining.compareAndExchange(left, left - bytes);
            if (witness == left) {
                return true;
            }
            left = witness;
        }
        return false;
    }

    /**
     * Gives back {@code bytes} taken by {@link #tryTake}, when their copy is freed.
     *
     * @param bytes what {@link #tryTake} took
     */
    public void giveBack(long bytes) {
        remaining.addAndGet(bytes);
    }

    /** {@return how many bytes are left} */
    public long remaining() {
        return remaining.get();
    }
}
