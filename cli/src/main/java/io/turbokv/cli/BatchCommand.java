package io.turbokv.cli;

import io.turbokv.CommitStats;
import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv batch DIR}: puts and deletes read from stdin (or a file), one a line in a {@link RecordFormat},
 * applied in one write batch that commits at the end: all of them become visible at once, or none.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = {"Apply the puts and deletes of stdin (or --file), one a line, in one batch committed at the"
                + " end: all become visible at once, or none (a bad line commits nothing and is named).",
                "Lines: put<TAB>KEY<TAB>VALUE or delete<TAB>KEY, in tsv (TSV-escaped text, see 'export') or hex;"
                        + " in jsonl {\"op\":\"put\",\"key\":..,\"value\":..} or {\"op\":\"delete\",\"key\":..}"
                        + " (key_hex/value_hex for bytes that are not UTF-8). Empty lines are skipped.",
                "Takes the store's write lock: fails at once while another writer has the store open."})
final class BatchCommand extends StoreCommand {
    @Option(names = "--file", paramLabel = "FILE", defaultValue = "-",
            description = "Read the operations from FILE instead of stdin ('-').")
    private Path file;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "tsv, hex or jsonl (default: jsonl for a .jsonl or .ndjson FILE, else tsv).")
    private RecordFormat format;

    @Option(names = "--hex", description = "The same as --format hex.")
    private boolean hex;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Option(names = "--create", description = "Create the store when DIR holds none.")
    private boolean create;

    @Override
    public Integer call() throws IOException {
        boolean stdin = file.toString().equals("-");
        RecordFormat lines = hex ? RecordFormat.HEX : format != null ? format
                : !stdin && RecordFormat.of(file) != null ? RecordFormat.of(file) : RecordFormat.TSV;
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // the input opens first: a missing file fails before the store is touched
        try (BufferedReader input = new BufferedReader(new InputStreamReader(stdin ? System.in
                : Files.newInputStream(file), decoder))) {
            return Stores.createOrUndo(directory, () -> apply(input, stdin ? "stdin" : file.toString(), lines));
        }
    }

    private int apply(BufferedReader input, String name, RecordFormat lines) throws IOException {
        try (TurboKV db = Stores.openWritable(directory, families.config(), create, " (add --create to create one)");
             WriteBatch batch = db.writeBatch()) {
            DbConfig config = db.config();
            int index = FamilyOptions.resolve(config, family);
            long puts = 0;
            long deletes = 0;
            long lineNumber = 0;
            while (true) {
                String line;
                try {
                    line = input.readLine();
                } catch (CharacterCodingException e) {
                    throw new CliException(name + ":" + (lineNumber + 1) + ": not valid UTF-8 (escape such bytes"
                            + " as \\xHH, or use --format hex)");
                }
                if (line == null) {
                    break;
                }
                lineNumber++;
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (line.isEmpty()) {
                    continue;
                }
                RecordFormat.Entry operation;
                try {
                    operation = lines.parseOperation(line);
                } catch (IllegalArgumentException e) {
                    throw new CliException(name + ":" + lineNumber + ": " + e.getMessage());
                }
                if (operation.op() == RecordFormat.Op.PUT) {
                    batch.put(index, operation.key(), operation.value());
                    puts++;
                } else {
                    batch.delete(index, operation.key());
                    deletes++;
                }
            }
            CommitStats stats = batch.commit();
            out().printf(Locale.ROOT, "batch    %s, %s in family %s: committed as sequence %d%n",
                    Format.plural(puts, "put"), Format.plural(deletes, "delete"), config.family(index).name(),
                    stats.sequenceNumber());
            out().flush();
            return TurboKvCli.EXIT_OK;
        }
    }
}
