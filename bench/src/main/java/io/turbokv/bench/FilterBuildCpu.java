package io.turbokv.bench;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The thread CPU time of building key filters, build by build in one JVM: the filters a spill or a compaction builds
 * ({@link KeyFilter#buildFromSorted} of an SST's distinct hashes, scratch from a store-like {@link WriteBufferPool}),
 * for each key count given, the first builds of the JVM (interpreted and compiling) and the warm ones. Thread CPU,
 * not wall time: on a shared machine it is what a change of the builder moves; the JIT's own threads are not in it,
 * so the first builds' figures show the interpreted cost, not the compiling.
 *
 * <pre>
 * FilterBuildCpu FINGERPRINT-BITS ROUNDS KEYS...
 * e.g. FilterBuildCpu 8 12 1000 65536 262144 1000000
 * </pre>
 * Each round builds one filter of each key count, in the order given, from fresh random hashes (a fixed seed, so two
 * JVMs build the same filters); a line per round gives each build's CPU in ms, and the last line the median of the
 * second half of the rounds per key count. The flags as for the benchmark's forks ({@code jdk-flags.txt}).
 */
public final class FilterBuildCpu {
    private FilterBuildCpu() {}

    /** Runs the rounds; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: FilterBuildCpu FINGERPRINT-BITS ROUNDS KEYS...");
        }
        int fingerprintBits = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int[] sizes = Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(42);
        long[][] nanos = new long[sizes.length][rounds];
        long checksum = 0;
        try (Arena arena = Arena.ofConfined()) {
            WriteBufferPool pool = new WriteBufferPool();
            MemorySegment[] inputs = new MemorySegment[sizes.length];
            for (int s = 0; s < sizes.length; s++) {
                inputs[s] = arena.allocate((long) sizes[s] * Long.BYTES, Long.BYTES);
            }
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
                for (int s = 0; s < sizes.length; s++) {
                    fillSortedDistinct(inputs[s], sizes[s], random);
                    try (Arena output = Arena.ofConfined()) {
                        long before = threads.getCurrentThreadCpuTime();
                        MemorySegment filter = KeyFilter.buildFromSorted(inputs[s], fingerprintBits, output, pool);
                        nanos[s][round] = threads.getCurrentThreadCpuTime() - before;
                        CRC32C crc = new CRC32C(); // of every filter: two versions of the builder must agree
                        crc.update(filter.asByteBuffer());
                        checksum = checksum * 31 + crc.getValue();
                    }
                    line.append(String.format(Locale.ROOT, " %d keys %.2f ms;", sizes[s], nanos[s][round] / 1e6));
                }
                System.out.println(line);
            }
            pool.close();
        }
        StringBuilder medians = new StringBuilder("warm median (rounds " + (rounds / 2 + 1) + "-" + rounds + "):");
        for (int s = 0; s < sizes.length; s++) {
            long[] warm = Arrays.copyOfRange(nanos[s], rounds / 2, rounds);
            Arrays.sort(warm);
            medians.append(String.format(Locale.ROOT, " %d keys %.2f ms (%.1f ns/key);", sizes[s],
                    warm[warm.length / 2] / 1e6, (double) warm[warm.length / 2] / sizes[s]));
        }
        System.out.println(medians + String.format(Locale.ROOT, " filters checksum %016x", checksum));
    }

    /** Fills {@code into} with {@code count} random hashes, distinct and ascending unsigned, as a writer collects. */
    private static void fillSortedDistinct(MemorySegment into, int count, SplittableRandom random) {
        long[] hashes = new long[count];
        int distinct = 0;
        while (distinct < count) {
            for (int i = distinct; i < count; i++) {
                hashes[i] = random.nextLong() ^ Long.MIN_VALUE; // sorted signed after the flip = unsigned order
            }
            Arrays.sort(hashes);
            distinct = 0;
            for (int i = 0; i < count; i++) {
                if (distinct == 0 || hashes[i] != hashes[distinct - 1]) {
                    hashes[distinct++] = hashes[i];
                }
            }
        }
        for (int i = 0; i < count; i++) {
            into.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, hashes[i] ^ Long.MIN_VALUE);
        }
    }
}
