package io.turbokv.bench;

import io.turbokv.read.AccessedKeys;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@link AccessedKeys#sort}, the in-place radix sort of a full log, against {@link Arrays#sort(long[], int, int)}
 * on the same random hashes, alternated round by round in one JVM so that the load of a shared machine falls on
 * both alike. Each round sorts a fresh copy
 * of the same {@code SIZE} random longs (what a log holds: XXH64 hashes are uniform) with each sort, the order
 * swapped every round; after {@value #WARM_UP_ROUNDS} warm-up rounds it prints each sort's median and minimum
 * wall and thread CPU time and the ratio of the medians.
 *
 * <pre>
 * SortTiming SIZE ROUNDS
 * e.g. java -cp bench/target/turbokv-bench.jar io.turbokv.bench.SortTiming 312000 40
 * </pre>
 */
public final class SortTiming {
    private static final int WARM_UP_ROUNDS = 10;

    private SortTiming() {}

    /** Runs the rounds; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: SortTiming SIZE ROUNDS");
            System.exit(2);
        }
        int size = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int[] scratch = new int[AccessedKeys.SORT_SCRATCH];
        long[] work = new long[size];
        long[][] wall = new long[2][rounds];
        long[][] cpu = new long[2][rounds];
        long check = 0;
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            long[] hashes = new SplittableRandom(round).longs(size).toArray();
            for (int turn = 0; turn < 2; turn++) {
                int radix = (round + turn) & 1; // 1: the radix sort; which goes first alternates
                System.arraycopy(hashes, 0, work, 0, size);
                long cpuStart = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                if (radix == 1) {
                    AccessedKeys.sort(work, 0, size, scratch);
                } else {
                    Arrays.sort(work, 0, size);
                }
                long elapsed = System.nanoTime() - start;
                long cpuElapsed = threads.getCurrentThreadCpuTime() - cpuStart;
                check += work[size / 2]; // keeps the sorted array observable
                if (round >= 0) {
                    wall[radix][round] = elapsed;
                    cpu[radix][round] = cpuElapsed;
                }
            }
        }
        String[] names = {"Arrays.sort", "AccessedKeys.sort (radix)"};
        for (int m = 0; m < 2; m++) {
            Arrays.sort(wall[m]);
            Arrays.sort(cpu[m]);
            System.out.printf(Locale.ROOT,
                    "%-26s %,d hashes: wall median %7.2f ms, min %7.2f ms; cpu median %7.2f ms%n",
                    names[m], size, wall[m][rounds / 2] / 1e6, wall[m][0] / 1e6, cpu[m][rounds / 2] / 1e6);
        }
        System.out.printf(Locale.ROOT, "radix / Arrays.sort: wall median %.2f, cpu median %.2f (%d rounds; check %d)%n",
                (double) wall[1][rounds / 2] / wall[0][rounds / 2], (double) cpu[1][rounds / 2] / cpu[0][rounds / 2],
                rounds, check);
    }
}
