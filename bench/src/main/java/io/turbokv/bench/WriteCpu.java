package io.turbokv.bench;

/**
 * The CPU a write load costs, load by load in one JVM: {@link WriteBenchmark}'s load (two filler threads, one batch,
 * durable commit, a fresh store each time), each printed with its process, wall and per-thread CPU time as
 * {@link CpuShot} measures them (the threads: fillers, spills, key filters, JIT compilers, GC). The first load is
 * the JVM's first (issue 18's cold start).
 *
 * <pre>
 * WriteCpu STORE KEYS VALUE-BYTES ENTRIES LOADS [RESERVE-MIB]
 * e.g. WriteCpu turbokv bytes16 100 1000000 5
 * </pre>
 * RESERVE-MIB is {@link WriteBenchmark#writeBufferReserveMiB} (default 0: none).
 * STORE is {@code turbokv}, {@code lmdb} or {@code rocksdb}, KEYS a {@link KeyKind} label; the flags and
 * {@code -Dturbokv.bench.dir} as for the benchmark's forks (docs/perf/write-path.md).
 */
public final class WriteCpu {
    private WriteCpu() {}

    /** Runs the loads; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            throw new IllegalArgumentException("usage: WriteCpu STORE KEYS VALUE-BYTES ENTRIES LOADS [RESERVE-MIB]");
        }
        WriteBenchmark benchmark = new WriteBenchmark();
        benchmark.store = args[0];
        benchmark.keys = args[1];
        benchmark.valueBytes = Integer.parseInt(args[2]);
        benchmark.entries = Integer.parseInt(args[3]);
        int loads = Integer.parseInt(args[4]);
        benchmark.writeBufferReserveMiB = args.length == 6 ? Long.parseLong(args[5]) : 0;
        benchmark.setUpTrial();
        try {
            for (int load = 1; load <= loads; load++) {
                benchmark.setUp();
                CpuShot.measure(args[0] + " load " + load, benchmark::load);
                benchmark.tearDown();
            }
        } finally {
            benchmark.tearDownTrial();
        }
    }
}
