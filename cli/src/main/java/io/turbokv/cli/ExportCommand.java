package io.turbokv.cli;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import java.io.IOException;
import java.io.Writer;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv export DIR} (alias {@code scan}): every live entry of one family, one line each, in a
 * {@link RecordFormat}, which {@code load} reads back into the same entries byte for byte.
 */
@Command(name = "export", aliases = "scan", mixinStandardHelpOptions = true,
        description = {"Write every live entry of a family, one a line (a multi-valued key once per value), in the"
                + " store's hash order: to stdout, or to FILE with --output. 'load --file' reads it back into the"
                + " same entries, byte for byte.",
                "Formats: tsv (KEY<TAB>VALUE as UTF-8 text with the escapes \\\\ \\t \\n \\r and \\xHH for bytes that"
                        + " are not UTF-8), hex (KEY<TAB>VALUE in hex digits), jsonl ({\"key\":..,\"value\":..} a line;"
                        + " key_hex/value_hex for bytes that are not UTF-8).",
                "Opens the store read-only, so it works while another process writes to it: the export is the"
                        + " store as committed when it opened."})
final class ExportCommand extends StoreCommand {
    @Option(names = "--format", paramLabel = "FORMAT",
            description = "tsv, hex or jsonl (default: jsonl for an output file named .jsonl or .ndjson, else tsv).")
    private RecordFormat format;

    @Option(names = "--hex", description = "The same as --format hex.")
    private boolean hex;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write to FILE (replaced if it exists) and print a summary, instead of writing to stdout.")
    private Path output;

    @Override
    public Integer call() throws IOException {
        RecordFormat lines = hex ? RecordFormat.HEX : format != null ? format
                : output != null && RecordFormat.of(output) != null ? RecordFormat.of(output) : RecordFormat.TSV;
        try (TurboKV db = Stores.openReadOnly(directory, families.config())) {
            DbConfig config = db.config();
            int index = FamilyOptions.resolve(config, family);
            long start = System.nanoTime();
            if (output == null) {
                export(db, index, lines, out());
                out().flush();
                return TurboKvCli.EXIT_OK;
            }
            long entries;
            boolean written = false;
            try (Writer file = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                entries = export(db, index, lines, file);
                written = true;
            } finally {
                if (!written) {
                    Files.deleteIfExists(output); // no partial export left to be mistaken for a whole one
                }
            }
            out().printf(Locale.ROOT, "export   %s of family %s to %s (%s, %s) in %s%n",
                    Format.plural(entries, "entry", "entries"), config.family(index).name(), output,
                    lines.name().toLowerCase(Locale.ROOT), Format.bytes(Files.size(output)),
                    Format.duration(System.nanoTime() - start));
            out().flush();
            return TurboKvCli.EXIT_OK;
        }
    }

    private static long export(TurboKV db, int family, RecordFormat lines, Writer to) throws IOException {
        long[] entries = {0};
        db.forEach(family, (key, value) -> {
            to.write(lines.line(key.toArray(ValueLayout.JAVA_BYTE), value.toArray(ValueLayout.JAVA_BYTE)));
            to.write('\n');
            entries[0]++;
        });
        return entries[0];
    }
}
