package io.turbokv.cli;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbokv get DIR KEY}: prints the value of a key (every value, one a line, in a multi-valued family). */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print the value of KEY (every value, one a line, in a multi-valued family).",
                "Opens the store read-only, so it works while another process writes to it.",
                "Exit code 1 when the key has no value."})
final class GetCommand extends StoreCommand {
    @Parameters(index = "1", paramLabel = "KEY", description = "The key: UTF-8 text, or hex digits with --hex.")
    private String key;

    @Option(names = "--hex", description = "KEY is hex, and values are printed as hex.")
    private boolean hex;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Override
    public Integer call() throws IOException {
        byte[] keyBytes = decodeArgument(key, hex, "key");
        try (TurboKV db = Stores.openReadOnly(directory, families.config())) {
            DbConfig config = db.config();
            int index = FamilyOptions.resolve(config, family);
            PrintWriter out = out();
            if (config.family(index).kind() == FamilyKind.SINGLE_VALUE) {
                Optional<byte[]> value = db.get(index, keyBytes);
                if (value.isEmpty()) {
                    throw new CliException("key '" + key + "' not found");
                }
                out.println(Encoding.encode(value.get(), hex, "value"));
            } else {
                List<byte[]> values = db.getMultiple(index, keyBytes);
                if (values.isEmpty()) {
                    throw new CliException("key '" + key + "' not found");
                }
                for (byte[] value : values) {
                    out.println(Encoding.encode(value, hex, "value"));
                }
            }
            out.flush();
            return TurboKvCli.EXIT_OK;
        }
    }
}
