package io.turbokv.cli;

import io.turbokv.TurboKV;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code turbokv compact DIR [--full]}: merges SST files (once the engine can; see {@link Compaction}). */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = {"Merge SST files with overlapping hash ranges and drop obsolete entries; --full merges"
                + " everything. Takes the store's write lock."})
final class CompactCommand extends StoreCommand {
    @Option(names = "--full", description = "Merge everything into as few SST files as possible.")
    private boolean full;

    @Override
    public Integer call() throws IOException {
        try (TurboKV db = Stores.openWritable(directory, families.config(), false)) {
            out().println(Compaction.run(db, full));
            out().println("files    " + StoreFiles.of(directory).summary());
            out().flush();
            return TurboKvCli.EXIT_OK;
        }
    }
}
