package io.turbokv.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Review: every split of a log into two runs, and a full 1 Mi log merged in place by each branch. */
class AccessedKeysReviewTest {
    @Test
    void everySplitOfEveryLogMergesInPlace() {
        SplittableRandom random = new SplittableRandom(1);
        int[] scratch = new int[AccessedKeys.SORT_SCRATCH];
        for (int length : new int[] {1, 2, 3, 4, 16, 64, 100}) {
            for (int prefix = 0; prefix <= length; prefix++) {
                for (int tail = 0; prefix + tail <= length; tail++) {
                    for (int trial = 0; trial < 5; trial++) {
                        long[] all = random.longs().distinct().limit(prefix + tail).toArray();
                        if (trial == 0) { // interleaved small values, negatives, extremes
                            for (int i = 0; i < all.length; i++) {
                                all[i] = (i - all.length / 2) * 3L;
                            }
                        }
                        long[] log = new long[length];
                        Arrays.fill(log, 7777);
                        long[] p = Arrays.copyOf(all, prefix);
                        long[] t = Arrays.copyOfRange(all, prefix, all.length);
                        Arrays.sort(p);
                        Arrays.sort(t);
                        System.arraycopy(p, 0, log, 0, prefix);
                        System.arraycopy(t, 0, log, prefix, tail);
                        long[] expected = LongStream.of(all).sorted().toArray();
                        long[] grown = new long[2 * length];
                        AccessedKeys.mergeInto(log, prefix, all.length, grown);
                        AccessedKeys.mergeInPlace(log, prefix, all.length, scratch);
                        String what = prefix + " + " + tail + " in " + length;
                        assertArrayEquals(expected, Arrays.copyOf(log, all.length), what);
                        assertArrayEquals(expected, Arrays.copyOf(grown, all.length), what);
                    }
                }
            }
        }
    }

    @Test
    void sortAroundTheInsertionThresholdAndDeepBuckets() {
        SplittableRandom random = new SplittableRandom(2);
        int[] scratch = new int[AccessedKeys.SORT_SCRATCH];
        for (int size = 0; size <= 600; size++) {
            for (int shape = 0; shape < 4; shape++) {
                final int s = shape;
                long[] h = LongStream.range(0, size).map(i -> switch (s) {
                    case 0 -> random.nextLong();
                    case 1 -> random.nextLong(3) << (8 * random.nextInt(8)); // one byte level differs
                    case 2 -> (random.nextLong(40) - 20) ^ (random.nextBoolean() ? Long.MIN_VALUE : 0);
                    default -> 0x0101010101010101L * random.nextInt(3);
                }).toArray();
                long[] e = h.clone();
                Arrays.sort(e);
                AccessedKeys.sort(h, 0, size, scratch);
                assertArrayEquals(e, h, size + "/" + shape);
            }
        }
    }

    /**
     * One thread takes the whole capacity and keeps its 1 Mi log over a drain; refilled, the log cannot grow, so
     * each sort merges in place: {prefix, tail} plans that reach all three branches of mergeInPlace (the tail
     * fits the free room, only the prefix does, neither does).
     */
    @Test
    void aLogThatCannotGrowKeepsEveryHash() {
        AccessedKeys keys = new AccessedKeys();
        SplittableRandom random = new SplittableRandom(3);
        int capacity = AccessedKeys.CAPACITY;
        LongStream.range(0, capacity).forEach(keys::record); // grows to 1 Mi = CAPACITY
        keys.drain(); // kept: it was full
        for (int[] plan : new int[][] {{360_000, 400_000}, {300_000, 480_000}, {0, 700_000}, {500_000, 200_000}}) {
            long[] a = random.longs(plan[0]).toArray();
            long[] b = random.longs(plan[1]).toArray();
            boolean[] bRecorded = new boolean[plan[1]];
            for (int n = 0; n < capacity; n++) { // fills the log once: its first sort leaves the a's as the prefix
                if (plan[0] == 0) {
                    keys.record(b[n % plan[1]]);
                    bRecorded[n % plan[1]] = true;
                } else {
                    keys.record(a[n % plan[0]]);
                }
            }
            for (int i = 0; i < 3 * capacity; i++) { // b's in order first (a long tail), then at random
                int at = i < capacity ? i % plan[1] : random.nextInt(plan[1]);
                keys.record(b[at]);
                bRecorded[at] = true;
            }
            LongStream.Builder expected = LongStream.builder();
            LongStream.of(a).forEach(expected);
            for (int i = 0; i < plan[1]; i++) {
                if (bRecorded[i]) {
                    expected.add(b[i]);
                }
            }
            assertArrayEquals(expected.build().sorted().distinct().toArray(), keys.drain(),
                    plan[0] + " then " + plan[1]);
        }
    }
}
