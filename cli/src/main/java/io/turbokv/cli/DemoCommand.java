package io.turbokv.cli;

import io.turbokv.CommitStats;
import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code turbokv demo [DIR]}: the README's main command. Loads a generated data set ({@link DataSet}) from several
 * threads into one write batch, commits it, reopens the store, reads every entry back and checks its value,
 * compacts everything (a full compaction), and prints the timings, file counts and sizes. Exit code 1 when a value
 * read back is wrong or missing.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Load a generated data set from several threads into one batch, commit, reopen, read every"
                + " entry back and check it, compact it fully, and print timings, file counts and"
                + " sizes. Exit code 1 when a value read back is wrong.",
                "Without DIR it works in a new temporary directory and removes it at the end (see --keep)."})
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR",
            description = "Where to put the store: a new or empty directory (default: a new temporary one).")
    private Path directory;

    @Option(names = "--entries", paramLabel = "N", defaultValue = "1000000",
            description = "Entries to write and read back (default: ${DEFAULT-VALUE}).")
    private long entries;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "32",
            description = "Size of each value in bytes (default: ${DEFAULT-VALUE}).")
    private int valueSize;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Threads filling the batch and reading back (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED",
            description = "Seed of the values (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--keep", description = "Keep the temporary directory (a DIR given is always kept).")
    private boolean keep;

    @Option(names = "--progress", defaultValue = "AUTO", paramLabel = "MODE",
            description = "Progress display: auto (a bar on a terminal, else plain lines), bar, plain or none.")
    private Progress.Mode progress;

    @Override
    public Integer call() throws IOException {
        if (entries < 0 || threads < 1 || valueSize < 0) {
            throw new CliException(String.format(Locale.ROOT,
                    "--entries %d, --threads %d, --value-size %d: expected entries >= 0, threads >= 1, size >= 0",
                    entries, threads, valueSize));
        }
        if (directory != null && Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            throw new CliException(directory + " holds a TurboKV store already: the demo writes a store of its own"
                    + " and compacts it fully, which would rewrite yours; give a new or empty directory");
        }
        boolean temporary = directory == null;
        Path dir = temporary ? Files.createTempDirectory("turbokv-demo-") : directory;
        try {
            return run(dir);
        } finally {
            if (temporary && !keep) {
                deleteTree(dir);
                spec.commandLine().getOut().printf(Locale.ROOT, "removed  %s (use --keep or give DIR to keep it)%n",
                        dir);
                spec.commandLine().getOut().flush();
            }
        }
    }

    private int run(Path dir) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        DataSet data = new DataSet(seed, valueSize);
        long keyBytes = DataSet.key(Math.max(0, entries - 1)).length;
        out.printf(Locale.ROOT, "TurboKV demo: %s entries (%d-byte keys, %d-byte values, %s of data) from %d"
                + " threads into %s%n", Format.count(entries), keyBytes, valueSize,
                Format.bytes(entries * (keyBytes + valueSize)), threads, dir.toAbsolutePath());
        DbConfig config = DbConfig.singleFamily();
        long openStart = System.nanoTime();
        long loadNanos;
        long commitNanos;
        CommitStats stats;
        try (TurboKV db = Stores.openWritable(dir, config, true)) {
            out.printf(Locale.ROOT, "open     %s%n", Format.duration(System.nanoTime() - openStart));
            try (WriteBatch batch = db.writeBatch()) {
                try (Progress bar = new Progress(out, progress, "load", entries)) {
                    LoadCommand.fill(batch, 0, data, entries, threads, bar);
                    bar.finish();
                    loadNanos = bar.elapsedNanos();
                }
                long commitStart = System.nanoTime();
                stats = batch.commit();
                commitNanos = System.nanoTime() - commitStart;
            }
            out.printf(Locale.ROOT, "commit   %s, %s written in %s: sequence %d%n",
                    Format.plural(stats.newSstFiles(), "SST file"), Format.bytes(stats.bytesWritten()),
                    Format.duration(commitNanos), stats.sequenceNumber());
            out.flush();
        }
        long reopenStart = System.nanoTime();
        long readNanos;
        long wrong;
        String compactLine;
        try (TurboKV db = Stores.openWritable(dir, config, false)) {
            out.printf(Locale.ROOT, "reopen   %s (reads meta files only; SSTs are mapped on first use)%n",
                    Format.duration(System.nanoTime() - reopenStart));
            AtomicLong mismatches = new AtomicLong();
            AtomicReference<String> firstMismatch = new AtomicReference<>();
            try (Progress bar = new Progress(out, progress, "read", entries)) {
                Parallel.run("read", threads, entries, (from, to) -> {
                    long pending = 0;
                    for (long i = from; i < to; i++) {
                        Optional<byte[]> value = db.get(0, DataSet.key(i));
                        if (value.isEmpty() || !Arrays.equals(value.get(), data.value(i))) {
                            mismatches.incrementAndGet();
                            firstMismatch.compareAndSet(null, new String(DataSet.key(i),
                                    java.nio.charset.StandardCharsets.US_ASCII)
                                    + (value.isEmpty() ? " is missing"
                                            : " has a wrong value"));
                        }
                        if (++pending == 1024) {
                            bar.add(pending);
                            pending = 0;
                        }
                    }
                    bar.add(pending);
                });
                bar.finish();
                readNanos = bar.elapsedNanos();
            }
            wrong = mismatches.get();
            out.printf(Locale.ROOT, "check    %s%n", wrong == 0 ? "all " + Format.count(entries) + " values read back"
                    + " are correct" : Format.count(wrong) + " WRONG, e.g. " + firstMismatch.get());
            long compactStart = System.nanoTime();
            String result = Compaction.run(db, true); // full: a single batch's SSTs are below the default thresholds
            compactLine = result + " in " + Format.duration(System.nanoTime() - compactStart);
            out.printf(Locale.ROOT, "compact  %s%n", compactLine);
        }
        StoreFiles files = StoreFiles.of(dir);
        out.printf(Locale.ROOT, "files    %s%n", files.summary());
        if (entries > 0) {
            out.printf(Locale.ROOT, "size     %.1f bytes per entry on disk (%d of key and value)%n",
                    (double) files.totalBytes() / entries, keyBytes + valueSize);
        }
        out.printf(Locale.ROOT, "summary  load %s (%s), commit %s, read %s (%s)%n", Format.duration(loadNanos),
                Format.rate(entries, loadNanos), Format.duration(commitNanos), Format.duration(readNanos),
                Format.rate(entries, readNanos));
        out.flush();
        return wrong == 0 ? TurboKvCli.EXIT_OK : TurboKvCli.EXIT_FAILURE;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
