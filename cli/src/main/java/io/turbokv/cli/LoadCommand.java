package io.turbokv.cli;

import io.turbokv.CommitStats;
import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv load DIR}: writes a generated data set (see {@link DataSet}) or the {@code KEY<TAB>VALUE} lines of
 * a file into the store, in one batch committed at the end.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Write a generated data set (default) or the entries of a file (an export) into the store,"
                + " in one batch that is committed at the end (nothing is visible if it fails).",
                "File formats: tsv (KEY<TAB>VALUE as UTF-8 text with the escapes \\\\ \\t \\n \\r and \\xHH;"
                        + " the value is all after the first tab), hex (KEY<TAB>VALUE in hex digits), jsonl"
                        + " ({\"key\":..,\"value\":..} a line, or key_hex/value_hex).",
                "Creates the store when DIR holds none. Takes the store's write lock."})
final class LoadCommand extends StoreCommand {
    @ArgGroup(exclusive = true)
    private Source source = new Source();

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "32",
            description = "Generated values' size in bytes (default: ${DEFAULT-VALUE}).")
    private int valueSize;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED",
            description = "Seed of the generated values (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Threads filling the batch with generated data (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "The file's format: tsv, hex or jsonl, as 'export' writes them (default: jsonl for a"
                    + " .jsonl or .ndjson file, else tsv).")
    private RecordFormat format;

    @Option(names = "--hex", description = "The same as --format hex.")
    private boolean hex;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Option(names = "--progress", defaultValue = "AUTO", paramLabel = "MODE",
            description = "Progress display: auto (a bar on a terminal, else plain lines), bar, plain or none.")
    private Progress.Mode progress;

    static final class Source {
        @Option(names = "--entries", paramLabel = "N", description = "Generate N entries (default: 1000000).")
        long entries = 1_000_000;

        @Option(names = "--file", paramLabel = "FILE",
                description = "Load the lines of FILE ('-' for stdin) instead, one entry a line, as 'export' writes"
                        + " them (see --format); empty lines are skipped.")
        Path file;
    }

    @Override
    public Integer call() throws IOException {
        if (source.entries < 0 || threads < 1 || valueSize < 0) {
            throw new CliException(String.format(Locale.ROOT,
                    "--entries %d, --threads %d, --value-size %d: expected entries >= 0, threads >= 1, size >= 0",
                    source.entries, threads, valueSize));
        }
        // the input opens first: a missing file fails before the store is touched
        try (BufferedReader input = source.file == null ? null : openInput()) {
            return Stores.createOrUndo(directory, () -> load(input));
        }
    }

    private int load(BufferedReader input) throws IOException {
        PrintWriter out = out();
        try (TurboKV db = Stores.openWritable(directory, families.config(), true);
             WriteBatch batch = db.writeBatch()) {
            int index = FamilyOptions.resolve(db.config(), family);
            long entries;
            if (input != null) {
                entries = loadFile(input, index, batch, out);
            } else {
                entries = source.entries;
                DataSet data = new DataSet(seed, valueSize);
                try (Progress bar = new Progress(out, progress, "load", entries)) {
                    fill(batch, index, data, entries, threads, bar);
                    bar.finish();
                }
            }
            long start = System.nanoTime();
            CommitStats stats = batch.commit();
            out.printf(Locale.ROOT, "commit   %s, %s, %s written in %s: sequence %d%n",
                    Format.plural(entries, "entry", "entries"), Format.plural(stats.newSstFiles(), "SST file"),
                    Format.bytes(stats.bytesWritten()),
                    Format.duration(System.nanoTime() - start), stats.sequenceNumber());
            out.printf(Locale.ROOT, "files    %s%n", StoreFiles.of(directory).summary());
            out.flush();
            return TurboKvCli.EXIT_OK;
        }
    }

    private String inputName() {
        return source.file.toString().equals("-") ? "stdin" : source.file.toString();
    }

    private BufferedReader openInput() throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedReader(new InputStreamReader(source.file.toString().equals("-") ? System.in
                : Files.newInputStream(source.file), decoder));
    }

    /** Puts entries {@code [0, entries)} of {@code data} from {@code threads} threads. */
    static void fill(WriteBatch batch, int family, DataSet data, long entries, int threads, Progress bar)
            throws IOException {
        Parallel.run("load", threads, entries, (from, to) -> {
            long pending = 0;
            for (long i = from; i < to; i++) {
                batch.put(family, DataSet.key(i), data.value(i));
                if (++pending == 1024) {
                    bar.add(pending);
                    pending = 0;
                }
            }
            bar.add(pending);
        });
    }

    private long loadFile(BufferedReader reader, int family, WriteBatch batch, PrintWriter out) throws IOException {
        String name = inputName();
        RecordFormat lines = hex ? RecordFormat.HEX : format != null ? format
                : source.file.toString().equals("-") || RecordFormat.of(source.file) == null ? RecordFormat.TSV
                : RecordFormat.of(source.file);
        long lineNumber = 0;
        long entries = 0;
        try (Progress bar = new Progress(out, progress, "load", -1)) {
            String line;
            while ((line = readLine(reader, name, lineNumber + 1)) != null) {
                lineNumber++;
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (line.isEmpty()) {
                    continue;
                }
                RecordFormat.Entry entry;
                try {
                    entry = lines.parseEntry(line);
                } catch (IllegalArgumentException e) {
                    throw new CliException(name + ":" + lineNumber + ": " + e.getMessage());
                }
                batch.put(family, entry.key(), entry.value());
                entries++;
                bar.add(1);
            }
            bar.finish();
        }
        return entries;
    }

    private static String readLine(BufferedReader reader, String name, long lineNumber) throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw new CliException(name + ":" + lineNumber + ": not valid UTF-8 (use --hex for binary keys and"
                    + " values)");
        }
    }
}
