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
 * sorted and rid of duplicates (amortized over the appends that filled it: a hot key costs no room): only the
 * hashes appended since its last sort are sorted, then merged with the ascending run that sort left, through the
 * log's free room or into its grown array, so that a record allocates nothing once its log has grown. It grows
 * by doubling while it is at least half full afterwards, as long as all the logs together stay within
 * {@link #CAPACITY} hashes (one reader thread may use all of it). A log that cannot grow and stays more than three
 * quarters full after its sort records only until its free room is full, then nothing more until the next drain,
 * so compaction may file such keys as cold — a placement hint, never a question of correctness.
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
        return Arrays.copyOf(all, distinctTail(all, 0, total, new int[SORT_SCRATCH]));
    }

    /**
     * Sorts a full log's tail {@code log[sorted, count)}, the hashes appended since its last sort, and keeps each of
     * them once and only if the sorted prefix {@code log[0, sorted)} does not hold it: afterwards
     * {@code log[sorted, result)} is ascending, distinct and disjoint from the prefix. Only the tail is sorted (the
     * prefix is a run already) and nothing is allocated.
     *
     * @return the end of the kept tail
     */
    static int distinctTail(long[] log, int sorted, int count, int[] scratch) {
        sort(log, sorted, count, scratch);
        int kept = sorted;
        int inPrefix = 0;
        for (int i = sorted; i < count; i++) {
            long hash = log[i];
            if (kept > sorted && log[kept - 1] == hash) {
                continue;
            }
            while (inPrefix < sorted && log[inPrefix] < hash) {
                inPrefix++;
            }
            if (inPrefix < sorted && log[inPrefix] == hash) {
                continue;
            }
            log[kept++] = hash;
        }
        return kept;
    }

    /** Merges the two ascending runs {@code log[0, sorted)} and {@code log[sorted, end)} into {@code into[0, end)}. */
    static void mergeInto(long[] log, int sorted, int end, long[] into) {
        int left = 0;
        int right = sorted;
        int at = 0;
        while (left < sorted && right < end) {
            into[at++] = log[right] < log[left] ? log[right++] : log[left++];
        }
        System.arraycopy(log, left, into, at, sorted - left);
        System.arraycopy(log, right, into, at + sorted - left, end - right);
    }

    /**
     * Merges the two ascending runs {@code log[0, sorted)} and {@code log[sorted, end)} in place, with the free room
     * {@code log[end, length)} as the buffer: the tail if it fits there, else the prefix if it does, is copied out
     * and merged back from the side that keeps every write behind the reads still to come. If neither run fits
     * (both over a quarter of a log at most three quarters full), the two runs are sorted as one, through
     * {@code scratch}.
     */
    static void mergeInPlace(long[] log, int sorted, int end, int[] scratch) {
        int tail = end - sorted;
        int free = log.length - end;
        if (tail <= free) {
            int copy = log.length - tail;
            System.arraycopy(log, sorted, log, copy, tail);
            int left = sorted - 1;
            int right = log.length - 1;
            int at = end - 1;
            while (right >= copy) { // at = left + (right - copy) + 1 > left: the prefix is read before it is written
                log[at--] = left >= 0 && log[left] > log[right] ? log[left--] : log[right--];
            }
        } else if (sorted <= free) {
            System.arraycopy(log, 0, log, end, sorted);
            int left = end;
            int right = sorted;
            int at = 0;
            while (left < end + sorted) { // at = (left - end) + (right - sorted) < right: the tail is read first
                log[at++] = right < end && log[right] < log[left] ? log[right++] : log[left++];
            }
        } else {
            sort(log, 0, end, scratch);
        }
    }

    /** Below this many hashes a range is sorted by insertion: fewer moves than another radix pass over it. */
    private static final int INSERTION_SORT = 32;
    private static final int RADIX = 256;
    /**
     * The ints of {@link #sort}'s scratch: bucket starts for each of the 8 byte levels, then one row of fill
     * positions shared by the levels. Public, as the sort is, for bench's {@code SortTiming}.
     */
    public static final int SORT_SCRATCH = 8 * (RADIX + 1) + RADIX;

    /**
     * Sorts {@code hashes[from, to)} ascending (signed order) in place, with {@code scratch} ({@link #SORT_SCRATCH}
     * ints, which the caller keeps) as its only memory: a most-significant-byte-first radix sort that moves the
     * hashes into their buckets by cycles (American flag sort) and sorts buckets of up to {@link #INSERTION_SORT}
     * hashes by insertion. {@link Arrays#sort(long[], int, int)} allocates a buffer as large as the range (for runs
     * to merge, or a radix pass), which put heap bytes on the get path (0.44 to 0.68 B per record where keys
     * repeat). The aim is that, not speed: this sort takes about twice the CPU time of {@code Arrays.sort} on random
     * hashes (bench {@code SortTiming}, alternated in one JVM at load 10: medians 7.5 against
     * 4.1 ms for 312,000 hashes, 1.8x; 32.6 against 14.7 ms for 1,000,000, 2.2x; 2.4x for 10,000), about 24 against
     * 13 ns per hash appended to a log that sorts itself. A quicksort in place took 5 to 8 times
     * {@code Arrays.sort}'s time on 312,000 random hashes, where the XXH64 hashes' uniform top bytes suit a radix
     * sort.
     *
     * @param hashes  the array a range of which is sorted
     * @param from    the range's first index
     * @param to      the index after the range's last
     * @param scratch {@link #SORT_SCRATCH} ints, overwritten
     */
    public static void sort(long[] hashes, int from, int to, int[] scratch) {
        sortByte(hashes, from, to, 56, scratch);
    }

    private static void sortByte(long[] hashes, int from, int to, int shift, int[] scratch) {
        if (to - from <= INSERTION_SORT) {
            for (int i = from + 1; i < to; i++) {
                long hash = hashes[i];
                int j = i - 1;
                while (j >= from && hashes[j] > hash) {
                    hashes[j + 1] = hashes[j];
                    j--;
                }
                hashes[j + 1] = hash;
            }
            return;
        }
        int starts = (7 - shift / 8) * (RADIX + 1); // this level's row: bucket b is [starts + b, starts + b + 1)
        int fill = 8 * (RADIX + 1);
        Arrays.fill(scratch, starts, starts + RADIX + 1, 0);
        for (int i = from; i < to; i++) {
            scratch[starts + 1 + digit(hashes[i], shift)]++;
        }
        scratch[starts] = from;
        for (int b = 1; b <= RADIX; b++) {
            scratch[starts + b] += scratch[starts + b - 1];
        }
        System.arraycopy(scratch, starts, scratch, fill, RADIX);
        for (int b = 0; b < RADIX; b++) {
            int end = scratch[starts + b + 1];
            while (scratch[fill + b] < end) {
                long hash = hashes[scratch[fill + b]];
                int d = digit(hash, shift);
                while (d != b) { // carry the hash to its bucket and pick up the one it displaces
                    long displaced = hashes[scratch[fill + d]];
                    hashes[scratch[fill + d]++] = hash;
                    hash = displaced;
                    d = digit(hash, shift);
                }
                hashes[scratch[fill + b]++] = hash;
            }
        }
        if (shift > 0) {
            for (int b = 0; b < RADIX; b++) { // the deeper levels use rows of their own: this row stays intact
                int start = scratch[starts + b];
                int end = scratch[starts + b + 1];
                if (end - start > 1) {
                    sortByte(hashes, start, end, shift - 8, scratch);
                }
            }
        }
    }

    /** The hash's byte at {@code shift}, its sign bit flipped so that byte order is signed order. */
    private static int digit(long hash, int shift) {
        return (int) ((hash ^ Long.MIN_VALUE) >>> shift) & (RADIX - 1);
    }

    /** One stripe's log; guarded by its own monitor. */
    private static final class Stripe {
        private final AtomicInteger reserved;
        private long[] log;
        private int count;
        /** The log's first {@code sorted} hashes are ascending and distinct: what its last sort left. */
        private int sorted;
        /** The sort's memory, made at the log's first sort and kept with the log (9 KiB). */
        private int[] sortScratch;
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
                if (sortScratch == null) {
                    sortScratch = new int[SORT_SCRATCH];
                }
                int distinct = distinctTail(log, sorted, count, sortScratch);
                if (distinct >= log.length / 2 && reserve(log.length)) {
                    long[] grown = new long[log.length * 2];
                    mergeInto(log, sorted, distinct, grown);
                    log = grown;
                } else if (distinct > log.length - log.length / 4) {
                    // sorting again after a few appends would cost more than the hint is worth: the log fills its
                    // free room with its two runs unmerged (a drain sorts anyway), then records nothing more
                    saturated = true;
                    count = distinct;
                    if (count < log.length) { // no room if its sort dropped no repeat
                        log[count++] = hash;
                    }
                    return;
                } else {
                    mergeInPlace(log, sorted, distinct, sortScratch);
                }
                count = distinct;
                sorted = distinct;
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
                sortScratch = null;
            }
            count = 0;
            sorted = 0;
            saturated = false;
            return taken;
        }
    }
}
