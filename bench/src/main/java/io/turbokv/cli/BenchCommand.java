package io.turbokv.cli;

import io.turbokv.bench.Comparison;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv bench}: the same-run comparison with RocksDB and LMDB ({@link Comparison}), quick mode by default.
 * It runs from a source checkout: the JMH forks use its {@code jdk-flags.txt} and write to its
 * {@code bench/results/}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run the same-run comparison of TurboKV, RocksDB and LMDB (JMH, -prof gc) and print a table of"
                + " ops/s with the ratios TurboKV/RocksDB and TurboKV/LMDB; raw JSON, table and chart go to"
                + " bench/results/.",
                "Quick mode (default): 100,000 entries, a few minutes on 2 cores. --full: 1,000,000 entries, hours.",
                "Needs the source checkout the ./turbokv launcher runs from (it passes its location)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--full", description = "1,000,000 entries, every key kind, longer iterations (hours).")
    private boolean full;

    @Option(names = "--entries", paramLabel = "N", description = "Entries per store (default: 100,000 quick).")
    private Integer entries;

    @Option(names = "--only", paramLabel = "REGEX", description = "Only the JMH benchmarks matching REGEX.")
    private String only;

    @Option(names = "--root", paramLabel = "DIR", description = "The source checkout (default: the launcher's, or"
            + " the current directory).")
    private String root;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        args.add("--root");
        args.add(root != null ? root : System.getProperty("turbokv.root", "."));
        if (full) {
            args.add("--full");
        }
        if (entries != null) {
            args.add("--entries");
            args.add(entries.toString());
        }
        if (only != null) {
            args.add("--only");
            args.add(only);
        }
        System.setProperty("java.awt.headless", "true"); // the chart is drawn without a display
        Comparison.main(args.toArray(String[]::new));
        return TurboKvCli.EXIT_OK;
    }
}
