package io.turbokv.read;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hashes of keys read since the last commit, for one family: every hit, tombstone included,
 * records its hash; a commit drains them into the new meta file's used-key filter, which compaction uses to
 * split warm from cold data.
 *
 * <p>Recording is on the path of every hit, so it must not cost a cache miss: a hash set of up to a million
 * hashes puts each one in a random slot of megabytes (11 % of a get at 1,000,000 entries, measured). Instead each
 * reader thread appends to a log of its own stripe (picked by thread id, behind a lock that is uncontended unless
 * more threads than stripes read at once), so a record writes the line the previous one wrote. A full log is
 * sorted and rid of duplicates in place (amortized over the appends that filled it: a hot key costs no room) and
 * grows by doubling while it is at least half full afterwards, as long as all the logs together stay within
 * {@link #CAPACITY} hashes (one reader thread may use all of it). A log that cannot grow and stays more than three
 * quarters full records nothing more until the next drain, so compaction may file such keys as cold — a placement
 * hint, never a question of correctness.
 *
 * <p>A drain copies each log out and keeps its array for the hashes after it: the reads after a commit record
 * into the memory the reads before it grew, without allocating (when each commit started the logs afresh, they
 * grew again by doubling: 30 to 54 heap bytes per get over the first million hits after every commit). A log
 * filled to less than a quarter since the last drain gives its array back if it grew past its first size, so
 * that the capacity goes to the threads that read now.
 */
public final class AccessedKeys {
    /** The most hashes the logs of one family hold together between two commits: 1 Mi, 8 MiB. */
    static final int CAPACITY = 1 << 20;
    private static final int STRIPES = 64;
    private static final int INITIAL_LOG = 256;

    private final Stripe[] stripes = new Stripe[STRIPES];
    /** The summed length of the stripes' logs, at most {@link #CAPACITY}. */
    private final AtomicInteger reserved = new AtomicInteger();

    /** Creates an empty record; a stripe takes memory when its first hash arrives. */
    public AccessedKeys() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(reserved);
        }
    }

    /**
     * Records a key that a read found, unless the calling thread's stripe is full of distinct hashes.
     *
     * @param hash the key's hash
     */
    public void record(long hash) {
        Stripe stripe = stripes[(int) Thread.currentThread().threadId() & (STRIPES - 1)];
        synchronized (stripe) {
            stripe.append(hash);
        }
    }

    /**
     * Takes every recorded hash out; hashes recorded meanwhile go to the next drain.
     *
     * @return the recorded hashes, each once, ascending (signed order)
     */
    public long[] drain() {
        long[][] logs = new long[STRIPES][];
        int total = 0;
        for (int i = 0; i < STRIPES; i++) {
            Stripe stripe = stripes[i];
            synchronized (stripe) {
                logs[i] = stripe.take();
            }
            total += logs[i].length;
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] log : logs) {
            System.arraycopy(log, 0, all, at, log.length);
            at += log.length;
        }
        return Arrays.copyOf(all, sortDistinct(all, total));
    }

    /** Sorts {@code hashes[0, count)} and moves each distinct value once to its front; returns how many there are. */
    private static int sortDistinct(long[] hashes, int count) {
        Arrays.sort(hashes, 0, count);
        int distinct = 0;
        for (int i = 0; i < count; i++) {
            if (distinct == 0 || hashes[distinct - 1] != hashes[i]) {
                hashes[distinct++] = hashes[i];
            }
        }
        return distinct;
    }

    /** One stripe's log; guarded by its own monitor. */
    private static final class Stripe {
        private final AtomicInteger reserved;
        private long[] log;
        private int count;
        /** No room left for distinct hashes until the next drain. */
        private boolean saturated;

        Stripe(AtomicInteger reserved) {
            this.reserved = reserved;
        }

        void append(long hash) {
            if (log == null) {
                if (!reserve(INITIAL_LOG)) {
                    return;
                }
                log = new long[INITIAL_LOG];
            } else if (count == log.length) {
                if (saturated) {
                    return;
                }
                count = sortDistinct(log, count);
                if (count >= log.length / 2 && reserve(log.length)) {
                    log = Arrays.copyOf(log, log.length * 2);
                } else if (count > log.length - log.length / 4) {
                    saturated = true; // sorting again after a few appends would cost more than the hint is worth
                    return;
                }
            }
            log[count++] = hash;
        }

        private boolean reserve(int length) {
            if (reserved.addAndGet(length) <= CAPACITY) {
                return true;
            }
            reserved.addAndGet(-length);
            return false;
        }

        /**
         * The hashes appended since the last call (with repeats), leaving the stripe empty; its array stays for the
         * next appends unless it grew past its first size and is less than a quarter full.
         */
        long[] take() {
            if (log == null) {
                return new long[0];
            }
            long[] taken = Arrays.copyOf(log, count);
            if (log.length > INITIAL_LOG && count < log.length / 4) {
                reserved.addAndGet(-log.length);
                log = null;
            }
            count = 0;
            saturated = false;
            return taken;
        }
    }
}
