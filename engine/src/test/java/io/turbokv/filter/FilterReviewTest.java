package io.turbokv.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No false negatives, and the same bytes from {@link KeyFilter#build} and {@link KeyFilter#buildFromSorted}, at every
 * segment-length boundary up to 1.2 million keys, at 1,000,000 and 1 Mi keys, and for structured hash sets; the
 * scratch comes from a pool whose buffers were dirtied first, so no step may rely on zeroed memory.
 */
class FilterReviewTest {
    private static void dirty(WriteBufferPool pool) {
        for (long bytes = WriteBufferPool.MIN_BUFFER_BYTES; bytes <= 64L << 20; bytes *= 2) {
            WriteBufferPool.Buffer b = pool.borrow(bytes);
            b.segment().fill((byte) -1);
            pool.release(b);
        }
    }

    private static long[] sortedUnsignedDistinct(long[] hashes) {
        long[] s = hashes.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] ^= Long.MIN_VALUE; // signed order of the flipped values is unsigned order
        }
        Arrays.sort(s);
        int d = 0;
        for (int i = 0; i < s.length; i++) {
            if (d == 0 || s[i] != s[d - 1]) {
                s[d++] = s[i];
            }
        }
        s = Arrays.copyOf(s, d);
        for (int i = 0; i < s.length; i++) {
            s[i] ^= Long.MIN_VALUE;
        }
        return s;
    }

    private static void checkAll(long[] hashes, WriteBufferPool pool, Arena arena, String what) throws Exception {
        long[] sorted = sortedUnsignedDistinct(hashes);
        for (int bits : new int[] {8, 16}) {
            MemorySegment off = arena.allocate((long) sorted.length * 8 + 8, 8).asSlice(4, (long) sorted.length * 8);
            MemorySegment.copy(MemorySegment.ofArray(sorted), 0, off, 0, off.byteSize());
            MemorySegment a = KeyFilter.buildFromSorted(off, bits, arena, pool);
            MemorySegment b = KeyFilter.build(hashes.clone(), hashes.length, bits, arena, pool);
            assertEquals(-1, a.mismatch(b), what + " " + bits);
            KeyFilter.check(a, java.nio.file.Path.of("x.meta"), 0);
            for (long h : hashes) {
                if (!KeyFilter.mayContain(a, h)) {
                    throw new AssertionError(what + ", " + bits + "-bit: false negative for " + Long.toHexString(h));
                }
            }
        }
    }

    @Test
    void noFalseNegativeEitherSideOfEverySegmentLengthChange() throws Exception {
        List<Integer> sizes = new ArrayList<>();
        int last = KeyFilter.segmentLengthLog2(2);
        for (int n = 2; n <= 1_200_000; n++) {
            int l = KeyFilter.segmentLengthLog2(n);
            if (l != last) {
                sizes.add(n - 1);
                sizes.add(n);
                sizes.add(n + 1);
                last = l;
            }
        }
        SplittableRandom random = new SplittableRandom(7);
        try (WriteBufferPool pool = new WriteBufferPool(); Arena arena = Arena.ofConfined()) {
            dirty(pool);
            for (int n : sizes) {
                checkAll(random.longs(n).toArray(), pool, arena, "random " + n);
            }
        }
    }

    @Test
    void noFalseNegativeForSequentialHighBitAndTopOfRangeHashes() throws Exception {
        try (WriteBufferPool pool = new WriteBufferPool(); Arena arena = Arena.ofConfined()) {
            dirty(pool);
            for (int n : new int[] {2, 3, 64, 65, 1000, 4096, 65_536, 262_144}) {
                long[] seq = new long[n], high = new long[n], wrap = new long[n];
                for (int i = 0; i < n; i++) {
                    seq[i] = i;
                    high[i] = (long) i << 40;
                    wrap[i] = -1L - i;
                }
                checkAll(seq, pool, arena, "sequential " + n);
                checkAll(high, pool, arena, "high bits " + n);
                checkAll(wrap, pool, arena, "top of range " + n);
            }
        }
    }

    /** The default suite's share of the large sizes: a quarter million keys either side of 2^18, one repeated. */
    @Test
    void noFalseNegativeAtAQuarterMillionKeysWithADuplicate() throws Exception {
        randomWithADuplicate(262_143, 1 << 18);
    }

    /** 1,000,000 keys (a full spill) and 1 Mi (the compaction maximum); about 16 s, so behind the stress profile. */
    @Test
    @Tag("stress")
    void noFalseNegativeAtOneMillionKeysAndTheCompactionMaximum() throws Exception {
        randomWithADuplicate(1_000_000, 1 << 20);
    }

    private static void randomWithADuplicate(int... sizes) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        try (WriteBufferPool pool = new WriteBufferPool(); Arena arena = Arena.ofConfined()) {
            dirty(pool);
            for (int n : sizes) {
                long[] h = random.longs(n).toArray();
                h[n / 3] = h[n / 5]; // a duplicate (a key's many values)
                checkAll(h, pool, arena, "random " + n);
            }
        }
    }
}
