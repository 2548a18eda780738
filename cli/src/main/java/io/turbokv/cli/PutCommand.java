package io.turbokv.cli;

import io.turbokv.CommitStats;
import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbokv put DIR KEY VALUE}: writes one value in a batch of its own. */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Put VALUE under KEY and commit (in a multi-valued family: add VALUE to KEY's values).",
                "Takes the store's write lock: fails at once while another writer has the store open."})
final class PutCommand extends StoreCommand {
    @Parameters(index = "1", paramLabel = "KEY", description = "The key: UTF-8 text, or hex digits with --hex.")
    private String key;

    @Parameters(index = "2", paramLabel = "VALUE", description = "The value: UTF-8 text, or hex digits with --hex.")
    private String value;

    @Option(names = "--hex", description = "KEY and VALUE are hex.")
    private boolean hex;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Option(names = "--create", description = "Create the store when DIR holds none.")
    private boolean create;

    @Override
    public Integer call() throws IOException {
        byte[] keyBytes = decodeArgument(key, hex, "key");
        byte[] valueBytes = decodeArgument(value, hex, "value");
        return Stores.createOrUndo(directory, () -> {
            try (TurboKV db = Stores.openWritable(directory, families.config(), create,
                    " (add --create to create one)");
                 WriteBatch batch = db.writeBatch()) {
                DbConfig config = db.config();
                int index = FamilyOptions.resolve(config, family);
                batch.put(index, keyBytes, valueBytes);
                CommitStats stats = batch.commit();
                out().printf(Locale.ROOT, "put 1 entry (key %d B, value %d B) in family %s: committed as sequence"
                        + " %d%n", keyBytes.length, valueBytes.length, config.family(index).name(),
                        stats.sequenceNumber());
                out().flush();
                return TurboKvCli.EXIT_OK;
            }
        });
    }
}
