package io.turbokv.bench;

/**
 * The CPU a full compaction costs, shot by shot in one JVM: {@link FullCompactionBenchmark}'s store (written once in
 * this JVM, as the benchmark's trial does), then {@code SHOTS} compactions of fresh copies, each printed with its
 * process, wall and per-thread CPU time as {@link CpuShot} measures them (the threads: merging, key filters, JIT
 * compilers, GC; the first shot's CPU beyond the Java threads' sum is mostly the JIT compiling).
 *
 * <pre>
 * CompactionCpu STORE ENTRIES VALUE-BYTES SHOTS
 * e.g. CompactionCpu turbokv 1000000 100 4
 * </pre>
 * STORE is {@code turbokv} or {@code rocksdb}; the flags and {@code -Dturbokv.bench.dir} as for the benchmark's
 * forks (docs/perf/compaction.md).
 */
public final class CompactionCpu {
    private CompactionCpu() {}

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
        benchmark.writeTemplate();
        try {
            for (int shot = 1; shot <= shots; shot++) {
                benchmark.openCopy();
                CpuShot.measure(args[0] + " shot " + shot, benchmark::fullCompact);
                benchmark.deleteCopy();
            }
        } finally {
            benchmark.deleteTemplate();
        }
    }
}
