package io.turbokv.read;

import org.agrona.collections.LongHashSet;

/**
 * The hashes of keys read since the last commit, for one family: every hit, tombstone included,
 * records its hash; a commit drains the set into the new meta file's used-key filter, which compaction uses to
 * split warm from cold data.
 *
 * <p>Striped by hash over primitive sets, each behind its own lock held for one insertion: readers on different
 * stripes never contend, and a repeated hit allocates nothing. The set is bounded ({@link #CAPACITY} hashes): a
 * store that is read far more than written would otherwise grow it with every distinct key read, resizing under
 * the lock on the read path. Past the bound, further keys are not recorded until the next commit drains the set,
 * so compaction may file them as cold — a placement hint, never a question of correctness.
 */
public final class AccessedKeys {
    /** The most hashes recorded between two commits of the family: 1 Mi, about 16 MiB of sets. */
    static final int CAPACITY = 1 << 20;
    private static final int STRIPES = 64;
    private static final int STRIPE_CAPACITY = CAPACITY / STRIPES;

    private final LongHashSet[] stripes = new LongHashSet[STRIPES];

    /** Creates an empty set. */
    public AccessedKeys() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new LongHashSet();
        }
    }

    /**
     * Records a key that a read found, unless its stripe is full.
     *
     * @param hash the key's hash, whose top six bits pick the stripe
     */
    public void record(long hash) {
        LongHashSet stripe = stripes[(int) (hash >>> 58)];
        synchronized (stripe) {
            if (stripe.size() < STRIPE_CAPACITY) {
                stripe.add(hash);
            }
        }
    }

    /**
     * Takes every recorded hash out of the set; hashes recorded meanwhile go to the next drain.
     *
     * @return the recorded hashes, in no particular order, each once
     */
    public long[] drain() {
        long[][] parts = new long[STRIPES][];
        int total = 0;
        for (int i = 0; i < STRIPES; i++) {
            LongHashSet stripe = stripes[i];
            synchronized (stripe) {
                long[] part = new long[stripe.size()];
                int n = 0;
                LongHashSet.LongIterator iterator = stripe.iterator();
                while (iterator.hasNext()) {
                    part[n++] = iterator.nextValue();
                }
                stripe.clear();
                parts[i] = part;
                total += n;
            }
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
