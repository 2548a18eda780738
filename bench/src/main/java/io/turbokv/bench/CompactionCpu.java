package io.turbokv.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU a full compaction costs, shot by shot in one JVM: {@link FullCompactionBenchmark}'s store (written once in
 * this JVM, as the benchmark's trial does), then {@code SHOTS} compactions of fresh copies, each printed with the
 * process CPU time (every thread: merging, key filters, JIT compilers, GC), the wall time, and the CPU time of every
 * Java thread that used more than 20 ms of it. On a machine shared with other work the wall time follows the load;
 * the CPU time is what a change of the code moves, and the per-thread times show how the work spread over the
 * threads (the first shot's CPU beyond the Java threads' sum is mostly the JIT compiling).
 *
 * <pre>
 * CompactionCpu STORE ENTRIES VALUE-BYTES SHOTS
 * e.g. CompactionCpu turbokv 1000000 100 4
 * </pre>
 * STORE is {@code turbokv} or {@code rocksdb}; the flags and {@code -Dturbokv.bench.dir} as for the benchmark's
 * forks (docs/perf/compaction.md).
 */
public final class CompactionCpu {
    /** Threads below this much CPU in a shot are left out of its line. */
    private static final long MIN_THREAD_NANOS = 20_000_000;

    private CompactionCpu() {}

    /** The CPU time of this process, all threads (on Linux in steps of the kernel's clock tick, 10 ms). */
    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("this platform reports no process CPU time"))
                .toNanos();
    }

    /** Runs the shots; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: CompactionCpu STORE ENTRIES VALUE-BYTES SHOTS");
        }
        FullCompactionBenchmark benchmark = new FullCompactionBenchmark();
        benchmark.compactingStore = args[0];
        benchmark.keys = "bytes16";
        benchmark.entries = Integer.parseInt(args[1]);
        benchmark.valueBytes = Integer.parseInt(args[2]);
        int shots = Integer.parseInt(args[3]);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        benchmark.writeTemplate();
        try {
            for (int shot = 1; shot <= shots; shot++) {
                benchmark.openCopy();
                Map<Long, Long> threadNanosBefore = new HashMap<>();
                for (long id : threads.getAllThreadIds()) {
                    threadNanosBefore.put(id, threads.getThreadCpuTime(id));
                }
                long cpuBefore = processCpuNanos();
                long wallBefore = System.nanoTime();
                benchmark.fullCompact();
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
                System.out.printf(Locale.ROOT, "%s shot %d: process CPU %d ms, wall %d ms, threads (CPU ms):%s,"
                        + " load %.1f%n", args[0], shot, cpuNanos / 1_000_000, wallNanos / 1_000_000, perThread,
                        os.getSystemLoadAverage());
                benchmark.deleteCopy();
            }
        } finally {
            benchmark.deleteTemplate();
        }
    }
}
