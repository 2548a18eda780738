package io.turbokv.cli;

import io.turbokv.Salvage;
import io.turbokv.SalvageReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code turbokv salvage DIR DEST}: copies every entry of a damaged store that still verifies into a new store
 * ({@link Salvage#copy}), and prints what was lost.
 */
@Command(name = "salvage", mixinStandardHelpOptions = true,
        description = {"Copy every entry that still verifies out of a damaged store DIR into a new store DEST (new"
                + " or empty), reading what is left file by file and block by block (each block's checksum checked),"
                + " and print one line per damaged file or block with what it cost.",
                "The copy answers as DIR did, except where a lost newer entry lets an older value of its key show"
                        + " again (the lines say where). A damaged SCHEMA needs the families declared (--family).",
                "Exit code 0 when nothing was damaged; 1 when something was (the copy is made all the same).",
                "Reads DIR without its lock: stop its writer first."})
final class SalvageCommand extends StoreCommand {
    @Parameters(index = "1", paramLabel = "DEST", description = "Where to write the new store: a new or empty"
            + " directory.")
    private Path destination;

    @Override
    public Integer call() throws IOException {
        Stores.requireStore(directory);
        long start = System.nanoTime();
        SalvageReport report;
        try {
            report = Salvage.copy(directory, destination, families.config());
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        PrintWriter out = out();
        for (String line : report.damage()) {
            out.println("lost     " + line);
        }
        out.printf(Locale.ROOT, "salvage  %s copied from sequence %d into %s, %s lost, in %s%n",
                Format.plural(report.entries(), "entry", "entries"),
                Integer.toUnsignedLong(report.sequenceNumber()), destination,
                Format.plural(report.lostEntries(), "entry", "entries"),
                Format.duration(System.nanoTime() - start));
        out.flush();
        if (report.lostEntries() > 0) {
            throw new CliException(Format.plural(report.lostEntries(), "entry", "entries") + " lost (see the lines"
                    + " above); " + destination + " holds the rest");
        }
        if (!report.damage().isEmpty()) {
            throw new CliException("damaged files, no entry lost (see the lines above); " + destination
                    + " holds every entry");
        }
        return TurboKvCli.EXIT_OK;
    }
}
