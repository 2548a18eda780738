package io.turbokv.cli;

import io.turbokv.CheckpointStats;
import io.turbokv.Checkpoints;
import io.turbokv.TurboKV;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code turbokv checkpoint DIR DEST}: a consistent copy of the store as committed now ({@link Checkpoints#write}),
 * hard links where the file system allows, taken through a read-only open so that a writer may go on meanwhile.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = {"Copy the store as committed now into DEST (new or empty), which opens as a store of its own:"
                + " the store's files are immutable, so they are hard-linked (no space taken until the store"
                + " deletes them) where DEST is on the same file system, and copied where it is not; then SCHEMA"
                + " and, last, CURRENT, all synced.",
                "Takes no lock: a writer may commit and compact meanwhile. When its compaction deletes a file before"
                        + " the checkpoint holds it, the checkpoint starts again from the newer commit."})
final class CheckpointCommand extends StoreCommand {
    /** How often the checkpoint starts again when a writer's compaction deleted a file it was about to copy. */
    static final int ATTEMPTS = 10;

    @Parameters(index = "1", paramLabel = "DEST", description = "Where to put the checkpoint: a new or empty"
            + " directory, not inside DIR.")
    private Path destination;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        for (int attempt = 1;; attempt++) {
            try (TurboKV db = Stores.openReadOnly(directory, families.config())) {
                CheckpointStats stats = Checkpoints.write(db, destination);
                out().printf(Locale.ROOT, "checkpoint of sequence %d in %s: %s linked, %s copied, %s in %s%n",
                        Integer.toUnsignedLong(stats.sequenceNumber()), destination,
                        Format.plural(stats.linkedFiles(), "file"), Format.plural(stats.copiedFiles(), "file"),
                        Format.bytes(stats.bytes()), Format.duration(System.nanoTime() - start));
                out().flush();
                return TurboKvCli.EXIT_OK;
            } catch (NoSuchFileException e) {
                if (attempt == ATTEMPTS) {
                    throw new CliException("a writer's compactions deleted files of every commit the checkpoint"
                            + " tried (" + ATTEMPTS + " attempts); try again", e);
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }
    }
}
