package io.turbokv.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv bench}: hands over to {@code bench/run-comparison} of the source checkout, the bench module's runner
 * of the same-run comparison with RocksDB, LMDB and Chronicle Map, quick mode by default.
 *
 * <p>The peers and JMH stay out of this module's jar: the script builds the bench module's own jar when it is
 * missing or stale and runs the comparison on the JDK the launcher would pick. The checkout is the one the
 * {@code ./turbokv} launcher runs from (it passes {@code -Dturbokv.root}), or {@code --root}. The script inherits
 * stdin, stdout and stderr, and its exit code is the command's.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run the same-run comparison of TurboKV, RocksDB, LMDB and Chronicle Map (JMH, -prof gc) and"
                + " print a table of ops/s with the ratio of TurboKV to each peer; raw JSON, table and chart go to"
                + " bench/results/.",
                "Quick mode (default): 100,000 entries, a few minutes on 2 cores. --full: 1,000,000 entries, hours.",
                "Runs bench/run-comparison of the source checkout the ./turbokv launcher runs from (it passes its"
                        + " location), which builds the benchmark jar when needed."})
final class BenchCommand implements Callable<Integer> {
    /** The bench module's runner, relative to the checkout. */
    static final Path RUNNER = Path.of("bench", "run-comparison");

    @Option(names = "--full", description = "1,000,000 entries, every key kind, longer iterations (hours).")
    private boolean full;

    @Option(names = "--entries", paramLabel = "N", description = "Entries per store (default: 100,000 quick).")
    private Integer entries;

    @Option(names = "--only", paramLabel = "REGEX", description = "Only the JMH benchmarks matching REGEX.")
    private String only;

    @Option(names = "--keep-data", description = "Keep the populated stores under bench/target/bench-data.")
    private boolean keepData;

    @Option(names = "--root", paramLabel = "DIR", description = "The source checkout (default: the launcher's, or"
            + " the current directory).")
    private Path root;

    @Override
    public Integer call() throws Exception {
        Path checkout = (root != null ? root : Path.of(System.getProperty("turbokv.root", ".")))
                .toAbsolutePath().normalize();
        Path runner = checkout.resolve(RUNNER);
        if (!Files.isRegularFile(runner)) {
            throw new CliException("no " + runner + ": the comparison runs from a TurboKV source checkout (start"
                    + " ./turbokv from one, or pass --root DIR)");
        }
        if (!Files.isExecutable(runner)) {
            throw new CliException(runner + " is not executable (chmod +x it)");
        }
        List<String> command = new ArrayList<>();
        command.add(runner.toString());
        if (full) {
            command.add("--full");
        }
        if (entries != null) {
            command.add("--entries");
            command.add(entries.toString());
        }
        if (only != null) {
            command.add("--only");
            command.add(only);
        }
        if (keepData) {
            command.add("--keep-data");
        }
        Process comparison = new ProcessBuilder(command).directory(checkout.toFile()).inheritIO().start();
        return comparison.waitFor();
    }
}
