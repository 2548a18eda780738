package io.turbokv.cli;

import io.turbokv.CommitStats;
import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbokv delete DIR KEY...}: deletes keys in one batch. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Delete KEYs (every value of each, in a multi-valued family) in one committed batch.",
                "A delete writes a tombstone whether or not the key exists.",
                "Takes the store's write lock: fails at once while another writer has the store open."})
final class DeleteCommand extends StoreCommand {
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY",
            description = "The keys: UTF-8 text, or hex digits with --hex.")
    private List<String> keys;

    @Option(names = "--hex", description = "The KEYs are hex.")
    private boolean hex;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Override
    public Integer call() throws IOException {
        List<byte[]> keyBytes = new ArrayList<>();
        for (String key : keys) {
            keyBytes.add(decodeArgument(key, hex, "key"));
        }
        try (TurboKV db = Stores.openWritable(directory, families.config(), false);
             WriteBatch batch = db.writeBatch()) {
            DbConfig config = db.config();
            int index = FamilyOptions.resolve(config, family);
            for (byte[] key : keyBytes) {
                batch.delete(index, key);
            }
            CommitStats stats = batch.commit();
            out().printf(Locale.ROOT, "deleted %d key%s in family %s: committed as sequence %d%n", keyBytes.size(),
                    keyBytes.size() == 1 ? "" : "s", config.family(index).name(), stats.sequenceNumber());
            out().flush();
            return TurboKvCli.EXIT_OK;
        }
    }
}
