package io.turbokv.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a reader sees right after opening a store: per store and open, the time of the open and its first get,
 * then the wall time of each of the next {@code gets} random present gets, then its close, after
 * {@link #WARM_UP_OPENS} opens of each store that are not counted. The stores take turns, open after open, as in
 * {@link InterleavedGets}. With {@code cold = 1} every file of a store is dropped from the page cache
 * ({@code posix_fadvise(POSIX_FADV_DONTNEED)}) before each of its opens, so the first gets read from the disk;
 * otherwise the files stay cached and only the new mappings' page tables start empty. Prints per store the median
 * open + first get over the opens (wall time, and the opening thread's CPU time, which a loaded machine does not
 * inflate; a store's own background threads are not in it), the p50 and p99 of all the gets after it, and the
 * median close (wall and thread CPU: JMH's {@code OpenBenchmark} does not time the close, a service that opens
 * often pays it), and the median of the opening thread's minor page faults during the open + first get
 * ({@code /proc/thread-self/stat}, read outside the timed spans): on this virtual machine a fault, or a page a
 * kernel call maps, costs microseconds, and it is what grows with a store's size.
 *
 * <p>Stores interleaved with {@code GETS = 1000} leave each other's open with cold CPU caches: at 100,000 entries
 * LMDB's open + first get then cost 3.7 times the CPU it took in a run of its own, TurboKV's 2.1 times
 * (docs/perf/open-and-filter.md). JMH's {@code OpenBenchmark} opens one store over and over; to compare with it,
 * run one store per fork.
 *
 * <pre>
 * FirstGets BENCH-DIR KEYS VALUE-BYTES ENTRIES OPENS GETS COLD STORE...
 * e.g. FirstGets bench/target/bench-data bytes16 100 1000000 20 1000 0 turbokv lmdb chronicle
 * </pre>
 * The stores are the ones {@link Stores#populated} keeps (loaded first when missing); the flags as for
 * {@link InterleavedGets}.
 */
public final class FirstGets {
    private static final int POSIX_FADV_DONTNEED = 4;
    /**
     * Opens of each store before the measured ones, so that the code is compiled when they run: 5 unless the
     * system property {@code turbokv.bench.warmUpOpens} says otherwise (a few hundred to compare compiled opens, as
     * JMH's {@code OpenBenchmark} does).
     */
    private static final int WARM_UP_OPENS = Integer.getInteger("turbokv.bench.warmUpOpens", 5);

    private FirstGets() {}

    /** Runs the opens; see the class comment for the arguments. */
    public static void main(String[] args) throws Throwable {
        if (args.length < 8) {
            System.err.println("usage: FirstGets BENCH-DIR KEYS VALUE-BYTES ENTRIES OPENS GETS COLD STORE...");
            System.exit(2);
        }
        System.setProperty("turbokv.bench.dir", Path.of(args[0]).toAbsolutePath().toString());
        KeyKind keys = KeyKind.of(args[1]);
        int entries = Integer.parseInt(args[3]);
        int opens = Integer.parseInt(args[4]);
        int gets = Integer.parseInt(args[5]);
        boolean cold = args[6].equals("1");
        String[] names = Arrays.copyOfRange(args, 7, args.length);
        Dataset data = new Dataset(keys, entries, Integer.parseInt(args[2]));
        Blackhole blackhole = Sinks.blackhole();
        Path[] dirs = new Path[names.length];
        for (int s = 0; s < names.length; s++) {
            dirs[s] = Stores.storeDir(Stores.populated(names[s], data, false));
        }
        long[][] openNanos = new long[names.length][opens];
        long[][] openCpuNanos = new long[names.length][opens];
        long[][] closeNanos = new long[names.length][opens];
        long[][] closeCpuNanos = new long[names.length][opens];
        long[][] openFaults = new long[names.length][opens];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[][] getNanos = new long[names.length][opens * gets];
        RandomIndex random = new RandomIndex(42);
        for (int open = -WARM_UP_OPENS; open < opens; open++) {
            for (int s = 0; s < names.length; s++) {
                if (cold) {
                    dropFromPageCache(dirs[s]);
                }
                long startFaults = minorFaults();
                long start = System.nanoTime();
                long startCpu = threads.getCurrentThreadCpuTime();
                KvStore store = Stores.open(names[s], dirs[s], data, false);
                try {
                    store.get(random.next(entries), blackhole);
                    long opened = System.nanoTime() - start;
                    long openedCpu = threads.getCurrentThreadCpuTime() - startCpu;
                    long faults = minorFaults() - startFaults;
                    for (int i = 0; i < gets; i++) {
                        long index = random.next(entries);
                        long getStart = System.nanoTime();
                        store.get(index, blackhole);
                        if (open >= 0) {
                            getNanos[s][open * gets + i] = System.nanoTime() - getStart;
                        }
                    }
                    if (open >= 0) {
                        openNanos[s][open] = opened;
                        openCpuNanos[s][open] = openedCpu;
                        openFaults[s][open] = faults;
                    }
                } finally {
                    long closeStart = System.nanoTime();
                    long closeStartCpu = threads.getCurrentThreadCpuTime();
                    store.close();
                    if (open >= 0) {
                        closeNanos[s][open] = System.nanoTime() - closeStart;
                        closeCpuNanos[s][open] = threads.getCurrentThreadCpuTime() - closeStartCpu;
                    }
                }
            }
        }
        for (int s = 0; s < names.length; s++) {
            Arrays.sort(openNanos[s]);
            Arrays.sort(openCpuNanos[s]);
            Arrays.sort(getNanos[s]);
            Arrays.sort(closeNanos[s]);
            Arrays.sort(closeCpuNanos[s]);
            Arrays.sort(openFaults[s]);
            long[] all = getNanos[s];
            System.out.printf(Locale.ROOT, "%-20s open + first get %9.1f us (%.0f/s), thread CPU %8.1f us, %d faults"
                    + "  next %d gets p50 %8d ns  p99 %9d ns  close %8.1f us, thread CPU %8.1f us  (%d opens%s)%n",
                    names[s], openNanos[s][opens / 2] / 1e3, 1e9 / openNanos[s][opens / 2],
                    openCpuNanos[s][opens / 2] / 1e3, openFaults[s][opens / 2], gets, all[all.length / 2],
                    all[(int) (all.length * 0.99)],
                    closeNanos[s][opens / 2] / 1e3, closeCpuNanos[s][opens / 2] / 1e3, opens,
                    cold ? ", page cache dropped" : "");
        }
        data.close();
    }

    /** {@return the calling thread's minor page faults so far}: field 10 of {@code /proc/thread-self/stat} */
    private static long minorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        // the command name (field 2) is in parentheses and may hold spaces: count fields after its ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]);
    }

    /** Asks the kernel to drop every file under {@code dir} from the page cache (clean pages only). */
    @SuppressWarnings("restricted") // libc's open, posix_fadvise and close; the forks run with native access
    private static void dropFromPageCache(Path dir) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle fadvise = linker.downcallHandle(linker.defaultLookup().find("posix_fadvise").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        try (Arena arena = Arena.ofConfined()) {
            for (Path file : files) {
                MemorySegment name = arena.allocateFrom(file.toString());
                int fd = (int) open.invokeExact(name, 0);
                if (fd >= 0) {
                    int ignored = (int) fadvise.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
                    int closed = (int) close.invokeExact(fd);
                }
            }
        }
    }
}
