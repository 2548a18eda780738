package io.turbokv.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv startup-training}, hidden: the workload the {@code ./turbokv} launcher runs once per build under
 * {@code -XX:AOTCacheOutput}, so that the JDK's ahead-of-time cache holds the classes, linked call sites and method
 * profiles of the common commands, and later starts skip loading and linking them. Runs {@code put --create},
 * {@code put}, {@code get}, {@code delete}, {@code info}, {@code stats}, {@code verify} and {@code compact} on a
 * small store in a new temporary directory, discards their output and removes the directory.
 */
@Command(name = "startup-training", hidden = true, mixinStandardHelpOptions = true,
        description = "Run the common commands on a small temporary store, for the launcher's start-up cache.")
final class StartupTrainingCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Where to make the temporary store (default: the"
            + " system temporary directory).")
    private Path parent;

    @Override
    public Integer call() throws IOException {
        Path dir = parent == null ? Files.createTempDirectory("turbokv-training-")
                : Files.createTempDirectory(parent, "turbokv-training-");
        try {
            String store = dir.resolve("store").toString();
            List<String[]> runs = new ArrayList<>();
            runs.add(new String[] {"put", "--create", store, "k1", "v1"});
            for (int i = 2; i <= 5; i++) {
                runs.add(new String[] {"put", store, "k" + i, "v" + i});
            }
            runs.add(new String[] {"get", store, "k3"});
            runs.add(new String[] {"get", "--hex", store, "6b32"});
            runs.add(new String[] {"get", store, "absent"});
            runs.add(new String[] {"delete", store, "k5"});
            runs.add(new String[] {"info", store});
            runs.add(new String[] {"stats", "--probe", "100", store});
            runs.add(new String[] {"verify", "--progress", "none", store});
            runs.add(new String[] {"compact", store});
            for (String[] args : runs) {
                CommandLine cli = TurboKvCli.newCommandLine();
                cli.setOut(new PrintWriter(Writer.nullWriter()));
                cli.setErr(new PrintWriter(Writer.nullWriter()));
                cli.execute(args);
            }
            return TurboKvCli.EXIT_OK;
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
