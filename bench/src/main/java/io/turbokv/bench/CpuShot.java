package io.turbokv.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU one run of an action costs in this JVM, for the single-shot harnesses ({@link WriteCpu},
 * {@link CompactionCpu}): the process CPU time (every thread: the work's own, JIT compilers, GC), the wall time, and
 * the CPU time of every Java thread that used more than 20 ms of it. On a machine shared with other work the wall
 * time follows the load; the CPU time is what a change of the code moves, and the per-thread times show how the
 * work spread over the threads.
 */
final class CpuShot {
    /** Threads below this much CPU in a shot are left out of its line. */
    private static final long MIN_THREAD_NANOS = 20_000_000;

    /** The measured work of one shot. */
    @FunctionalInterface
    interface Action {
        /** Runs the shot. */
        void run() throws Exception;
    }

    private CpuShot() {}

    /**
     * Runs {@code action} once and prints one line: {@code "<label>: process CPU .. ms, wall .. ms, threads (CPU
     * ms): name=ms ..., load .."}.
     */
    static void measure(String label, Action action) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        Map<Long, Long> threadNanosBefore = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            threadNanosBefore.put(id, threads.getThreadCpuTime(id));
        }
        long cpuBefore = processCpuNanos();
        long wallBefore = System.nanoTime();
        action.run();
        long wallNanos = System.nanoTime() - wallBefore;
        long cpuNanos = processCpuNanos() - cpuBefore;
        StringBuilder perThread = new StringBuilder();
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread != null) {
                long used = threads.getThreadCpuTime(thread.getThreadId())
                        - threadNanosBefore.getOrDefault(thread.getThreadId(), 0L);
                if (used > MIN_THREAD_NANOS) {
                    perThread.append(String.format(Locale.ROOT, " %s=%d", thread.getThreadName(), used / 1_000_000));
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: process CPU %d ms, wall %d ms, threads (CPU ms):%s, load %.1f%n", label,
                cpuNanos / 1_000_000, wallNanos / 1_000_000, perThread, os.getSystemLoadAverage());
    }

    /** The CPU time of this process, all threads (on Linux in steps of the kernel's clock tick, 10 ms). */
    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("this platform reports no process CPU time"))
                .toNanos();
    }
}
