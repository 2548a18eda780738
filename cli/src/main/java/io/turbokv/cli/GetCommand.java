package io.turbokv.cli;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code turbokv get DIR KEY...}: the values of keys. One key given alone prints its value (every value, one a line,
 * in a multi-valued family); several keys, or {@code --keys FILE}, print a {@code KEY<TAB>VALUE} line per value
 * in a {@link RecordFormat}, so that the output loads back with {@code load}. All keys are looked up against one
 * state of the store ({@link TurboKV#batchGet}).
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print the value of KEY (every value, one a line, in a multi-valued family).",
                "With several KEYs, or --keys FILE, print one line per value found, KEY<TAB>VALUE in --format"
                        + " (tsv, hex or jsonl, as 'export' writes them), in the order of the keys.",
                "Opens the store read-only, so it works while another process writes to it.",
                "Exit code 1 when a key has no value (the others are printed; one stderr line names the missing).",
                "Keys may start with a dash; one that is also an option name needs '--' before it."})
final class GetCommand extends StoreCommand {
    /** How many missing keys the error line names before it says "and N more". */
    private static final int MISSING_NAMED = 10;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "KEY",
            description = "The keys: UTF-8 text, or hex digits with --hex.")
    private List<String> keys = new ArrayList<>();

    @Option(names = "--keys", paramLabel = "FILE",
            description = "Also look up the keys in FILE ('-' for stdin), one a line: TSV-escaped text (see 'export'),"
                    + " or hex digits with --hex.")
    private Path keyFile;

    @Option(names = "--hex", description = "Keys are hex, and values are printed as hex.")
    private boolean hex;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Print KEY<TAB>VALUE lines in this format (tsv, hex or jsonl), even for one KEY.")
    private RecordFormat format;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Option(names = "--slow-get-micros", paramLabel = "N",
            description = "While a JFR recording runs, emit the event io.turbokv.SlowGet for each lookup that takes N"
                    + " microseconds or more (default: 10000; 0 records every lookup).")
    private Long slowGetMicros;

    @Override
    public Integer call() throws IOException {
        List<byte[]> keyBytes = new ArrayList<>();
        List<String> keyTexts = new ArrayList<>();
        for (String key : keys) {
            keyBytes.add(decodeArgument(key, hex, "key"));
            keyTexts.add(key);
        }
        if (keyFile != null) {
            readKeys(keyBytes, keyTexts);
        }
        if (keyBytes.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing required parameter: 'KEY' (or --keys FILE)");
        }
        boolean lines = format != null || keyBytes.size() > 1 || keyFile != null;
        RecordFormat lineFormat = format != null ? format : hex ? RecordFormat.HEX : RecordFormat.TSV;
        DbConfig.Builder settings = DbConfig.builder();
        if (slowGetMicros != null) {
            if (slowGetMicros < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--slow-get-micros: " + slowGetMicros + " (expected: >= 0)");
            }
            settings.slowGetThreshold(Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(slowGetMicros)));
        }
        try (TurboKV db = Stores.openReadOnly(directory, families.config(settings))) {
            DbConfig config = db.config();
            int index = FamilyOptions.resolve(config, family);
            PrintWriter out = out();
            List<String> missing = new ArrayList<>();
            List<List<byte[]>> values = lookUp(db, index, config.family(index).kind(), keyBytes);
            for (int i = 0; i < keyBytes.size(); i++) {
                if (values.get(i).isEmpty()) {
                    missing.add(keyTexts.get(i));
                }
                for (byte[] value : values.get(i)) {
                    out.println(lines ? lineFormat.line(keyBytes.get(i), value)
                            : Encoding.encode(value, hex, "value"));
                }
            }
            out.flush();
            if (!missing.isEmpty()) {
                throw new CliException(missingMessage(missing, keyBytes.size()));
            }
            return TurboKvCli.EXIT_OK;
        }
    }

    /** Every key's values, in the order of the keys, against one state of the store. */
    private static List<List<byte[]>> lookUp(TurboKV db, int family, FamilyKind kind, List<byte[]> keys)
            throws IOException {
        List<List<byte[]>> values = new ArrayList<>();
        if (kind == FamilyKind.SINGLE_VALUE) {
            for (byte[] value : db.batchGet(family, keys.toArray(byte[][]::new))) {
                values.add(value == null ? List.of() : List.of(value));
            }
        } else {
            for (byte[] key : keys) {
                values.add(db.getMultiple(family, key));
            }
        }
        return values;
    }

    private static String missingMessage(List<String> missing, int asked) {
        if (asked == 1) {
            return "key '" + missing.getFirst() + "' not found";
        }
        StringBuilder text = new StringBuilder().append(missing.size()).append(" of ").append(asked)
                .append(" keys not found: ");
        for (int i = 0; i < Math.min(MISSING_NAMED, missing.size()); i++) {
            text.append(i == 0 ? "'" : ", '").append(missing.get(i)).append('\'');
        }
        if (missing.size() > MISSING_NAMED) {
            text.append(" and ").append(missing.size() - MISSING_NAMED).append(" more");
        }
        return text.toString();
    }

    private void readKeys(List<byte[]> keyBytes, List<String> keyTexts) throws IOException {
        String name = keyFile.toString().equals("-") ? "stdin" : keyFile.toString();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(name.equals("stdin") ? System.in
                : Files.newInputStream(keyFile), decoder))) {
            long lineNumber = 0;
            while (true) {
                String line;
                try {
                    line = reader.readLine();
                } catch (CharacterCodingException e) {
                    throw new CliException(name + ":" + (lineNumber + 1) + ": not valid UTF-8 (escape such bytes as"
                            + " \\xHH, or use --hex)");
                }
                if (line == null) {
                    return;
                }
                lineNumber++;
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                try {
                    keyBytes.add(hex ? Encoding.decode(line, true, "key") : RecordFormat.unescape(line, "key"));
                } catch (IllegalArgumentException e) {
                    throw new CliException(name + ":" + lineNumber + ": " + e.getMessage());
                }
                keyTexts.add(line);
            }
        }
    }
}
