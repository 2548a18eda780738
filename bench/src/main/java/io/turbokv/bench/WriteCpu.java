package io.turbokv.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU a write load costs, load by load in one JVM: {@link WriteBenchmark}'s load (two filler threads, one batch,
 * durable commit, a fresh store each time), each printed with the process CPU time (every thread: fillers, spills,
 * key filters, JIT compilers, GC), the wall time, and the CPU time of every Java thread that used more than 20 ms
 * of it. The first load is the JVM's first (issue 18's cold start); on a machine shared with other work the wall
 * time follows the load, the CPU time is what a change of the code moves.
 *
 * <pre>
 * WriteCpu STORE KEYS VALUE-BYTES ENTRIES LOADS
 * e.g. WriteCpu turbokv bytes16 100 1000000 5
 * </pre>
 * STORE is {@code turbokv}, {@code lmdb} or {@code rocksdb}, KEYS a {@link KeyKind} label; the flags and
 * {@code -Dturbokv.bench.dir} as for the benchmark's forks (docs/perf/write-path.md).
 */
public final class WriteCpu {
    /** Threads below this much CPU in a load are left out of its line. */
    private static final long MIN_THREAD_NANOS = 20_000_000;

    private WriteCpu() {}

    /** The CPU time of this process, all threads (on Linux in steps of the kernel's clock tick, 10 ms). */
    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("this platform reports no process CPU time"))
                .toNanos();
    }

    /** Runs the loads; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: WriteCpu STORE KEYS VALUE-BYTES ENTRIES LOADS");
        }
        WriteBenchmark benchmark = new WriteBenchmark();
        benchmark.store = args[0];
        benchmark.keys = args[1];
        benchmark.valueBytes = Integer.parseInt(args[2]);
        benchmark.entries = Integer.parseInt(args[3]);
        int loads = Integer.parseInt(args[4]);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        benchmark.setUpTrial();
        try {
            for (int load = 1; load <= loads; load++) {
                benchmark.setUp();
                Map<Long, Long> threadNanosBefore = new HashMap<>();
                for (long id : threads.getAllThreadIds()) {
                    threadNanosBefore.put(id, threads.getThreadCpuTime(id));
                }
                long cpuBefore = processCpuNanos();
                long wallBefore = System.nanoTime();
                benchmark.load();
                long wallNanos = System.nanoTime() - wallBefore;
                long cpuNanos = processCpuNanos() - cpuBefore;
                StringBuilder perThread = new StringBuilder();
                for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
                    if (thread != null) {
                        long used = threads.getThreadCpuTime(thread.getThreadId())
                                - threadNanosBefore.getOrDefault(thread.getThreadId(), 0L);
                        if (used > MIN_THREAD_NANOS) {
                            perThread.append(String.format(Locale.ROOT, " %s=%d", thread.getThreadName(),
                                    used / 1_000_000));
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "%s load %d: process CPU %d ms, wall %d ms, threads (CPU ms):%s,"
                        + " load %.1f%n", args[0], load, cpuNanos / 1_000_000, wallNanos / 1_000_000, perThread,
                        os.getSystemLoadAverage());
                benchmark.tearDown();
            }
        } finally {
            benchmark.tearDownTrial();
        }
    }
}
