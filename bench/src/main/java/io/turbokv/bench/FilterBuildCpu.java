package io.turbokv.bench;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.WriteBufferPool;
import java.io.PrintStream;
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
 * FilterBuildCpu [--input=native|heap|alternate] FINGERPRINT-BITS ROUNDS KEYS...
 * e.g. FilterBuildCpu --input=alternate 8 12 1000 65536 262144 1000000
 * </pre>
 * Each round builds one filter of each key count, in the order given, from fresh random hashes (a fixed seed, so two
 * JVMs build the same filters); a line per round gives each build's CPU in ms, and the last line the median of the
 * second half of the rounds per input and key count, and a checksum of every filter built (two versions of the
 * builder, or two inputs, must print the same).
 *
 * <p>The input: {@code native} (the default, what the figures of docs/perf/write-path.md step 8 were measured with)
 * holds the hashes off the heap, as a compaction writer's {@code KeyHashList} does when the writer builds its own
 * filter; {@code heap} in a {@code long[]}, as a spill's sorted hashes and the copy a compaction's filter task reads;
 * {@code alternate} switches round by round, starting with the heap, as a store's builder sees both: the two kinds
 * of segment make its accesses polymorphic, which a single-input run would not show.
 */
public final class FilterBuildCpu {
    /** The most keys a build may take: the largest {@code long[]} (the heap input) a JVM allocates. */
    private static final int MAX_KEYS = Integer.MAX_VALUE - 8;
    private static final String USAGE = "usage: FilterBuildCpu [--input=native|heap|alternate] FINGERPRINT-BITS"
            + " ROUNDS KEYS... (ROUNDS >= 1, >= 3 to alternate; each KEYS 1.." + MAX_KEYS + ")";

    private FilterBuildCpu() {}

    /** Where a round's input hashes live. */
    private enum Input {
        NATIVE, HEAP;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Runs the rounds; see the class comment for the arguments. */
    public static void main(String[] args) {
        run(args, System.out);
    }

    /**
     * Runs the rounds, printing to {@code out}.
     *
     * @throws IllegalArgumentException when the arguments are not as the class comment says
     */
    static void run(String[] args, PrintStream out) {
        int first = 0;
        boolean alternate = false;
        Input only = Input.NATIVE;
        if (args.length > 0 && args[0].startsWith("--input=")) {
            switch (args[0].substring("--input=".length())) {
                case "native" -> only = Input.NATIVE;
                case "heap" -> only = Input.HEAP;
                case "alternate" -> alternate = true;
                default -> throw new IllegalArgumentException("unknown input " + args[0] + "; " + USAGE);
            }
            first = 1;
        }
        if (args.length - first < 3) {
            throw new IllegalArgumentException(USAGE);
        }
        int fingerprintBits = number(args[first], "FINGERPRINT-BITS");
        KeyFilter.checkFingerprintBits(fingerprintBits);
        int rounds = number(args[first + 1], "ROUNDS");
        // the warm half (rounds / 2 .. rounds - 1) must hold a round, and when alternating a round of each input
        if (rounds < (alternate ? 3 : 1)) {
            throw new IllegalArgumentException("ROUNDS " + rounds + " too few; " + USAGE);
        }
        int[] sizes = new int[args.length - first - 2];
        for (int s = 0; s < sizes.length; s++) {
            sizes[s] = number(args[first + 2 + s], "KEYS");
            if (sizes[s] < 1 || sizes[s] > MAX_KEYS) {
                throw new IllegalArgumentException("KEYS " + sizes[s] + " out of range; " + USAGE);
            }
        }
        Input[] inputOf = new Input[rounds];
        for (int round = 0; round < rounds; round++) {
            inputOf[round] = !alternate ? only : round % 2 == 0 ? Input.HEAP : Input.NATIVE;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(42);
        long[][] nanos = new long[sizes.length][rounds];
        long checksum = 0;
        try (Arena arena = Arena.ofConfined(); WriteBufferPool pool = new WriteBufferPool()) {
            MemorySegment[][] inputs = new MemorySegment[Input.values().length][sizes.length];
            boolean heap = alternate || only == Input.HEAP;
            boolean offHeap = alternate || only == Input.NATIVE;
            for (int s = 0; s < sizes.length; s++) {
                if (offHeap) {
                    inputs[Input.NATIVE.ordinal()][s] = arena.allocate((long) sizes[s] * Long.BYTES, Long.BYTES);
                }
                if (heap) {
                    inputs[Input.HEAP.ordinal()][s] = MemorySegment.ofArray(new long[sizes[s]]);
                }
            }
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("round " + (round + 1) + " (" + inputOf[round].label() + "):");
                for (int s = 0; s < sizes.length; s++) {
                    MemorySegment input = inputs[inputOf[round].ordinal()][s];
                    fillSortedDistinct(input, sizes[s], random);
                    try (Arena output = Arena.ofConfined()) {
                        long before = threads.getCurrentThreadCpuTime();
                        MemorySegment filter = KeyFilter.buildFromSorted(input, fingerprintBits, output, pool);
                        nanos[s][round] = threads.getCurrentThreadCpuTime() - before;
                        CRC32C crc = new CRC32C(); // of every filter: two versions of the builder must agree
                        crc.update(filter.asByteBuffer());
                        checksum = checksum * 31 + crc.getValue();
                    }
                    line.append(String.format(Locale.ROOT, " %d keys %.2f ms;", sizes[s], nanos[s][round] / 1e6));
                }
                out.println(line);
            }
        }
        StringBuilder medians = new StringBuilder("warm median (rounds " + (rounds / 2 + 1) + "-" + rounds + "):");
        for (Input input : Input.values()) {
            for (int s = 0; s < sizes.length; s++) {
                long[] warm = new long[rounds];
                int count = 0;
                for (int round = rounds / 2; round < rounds; round++) {
                    if (inputOf[round] == input) {
                        warm[count++] = nanos[s][round];
                    }
                }
                if (count > 0) {
                    double median = median(Arrays.copyOf(warm, count));
                    medians.append(String.format(Locale.ROOT, " %s %d keys %.2f ms (%.1f ns/key);", input.label(),
                            sizes[s], median / 1e6, median / sizes[s]));
                }
            }
        }
        out.println(medians + String.format(Locale.ROOT, " filters checksum %016x", checksum));
    }

    /** The median of {@code values} (reordered), the mean of the middle two when their count is even; not empty. */
    static double median(long[] values) {
        Arrays.sort(values);
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
    }

    private static int number(String text, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a number: " + text + "; " + USAGE, e);
        }
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
