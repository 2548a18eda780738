package io.turbokv.cli;

import io.turbokv.DbConfig;
import io.turbokv.MetaFileInfo;
import io.turbokv.SstInfo;
import io.turbokv.TurboKV;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code turbokv info DIR}: the store's families, meta files and live SSTs, each SST with the 100-column hash-range
 * map of the store's {@code LOG} ({@link StoreLog#hashRangeMap}), its flags, size, entries, blocks and key-filter
 * size; and the files on disk that are no longer live.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show the store: families, meta files, live SSTs (hash-range map as in the LOG: one column"
                + " per 1/100 of the hash space; flags fresh, warm or cold; size, entries, blocks, key-filter size)"
                + " and files that are no longer live.",
                "Opens the store read-only, so it works while another process writes to it."})
final class InfoCommand extends StoreCommand {
    @Override
    public Integer call() throws IOException {
        try (TurboKV db = Stores.openReadOnly(directory, families.config())) {
            print(db, db.config(), out());
            return TurboKvCli.EXIT_OK;
        }
    }

    private void print(TurboKV db, DbConfig config, PrintWriter out) throws IOException {
        List<MetaFileInfo> metas = db.metaInfo();
        int committed = CurrentFile.read(directory);
        out.printf(Locale.ROOT, "store     %s%n", directory.toAbsolutePath());
        out.printf(Locale.ROOT, "CURRENT   %d (last committed sequence number)%n", Integer.toUnsignedLong(committed));
        out.printf(Locale.ROOT, "files     %s%n", StoreFiles.of(directory).summary());
        out.println("families  (as the store's SCHEMA records them)");
        for (int f = 0; f < config.families().size(); f++) {
            long ssts = 0;
            long entries = 0;
            long bytes = 0;
            for (MetaFileInfo meta : metas) {
                if (meta.family() == f) {
                    for (SstInfo sst : meta.ssts()) {
                        ssts++;
                        entries += sst.entryCount();
                        bytes += sst.sizeBytes();
                    }
                }
            }
            out.printf(Locale.ROOT, "  %d %-12s %-6s  %s, %s, %s%n", f, config.family(f).name(),
                    FamilyOptions.kindName(config.family(f).kind()), Format.plural(ssts, "SST"),
                    Format.plural(entries, "entry", "entries"), Format.bytes(bytes));
        }
        Set<Integer> liveSsts = new HashSet<>();
        Set<Integer> liveMetas = new HashSet<>();
        out.printf(Locale.ROOT, "meta files (%d, newest first)%n", metas.size());
        for (MetaFileInfo meta : metas) {
            liveMetas.add(meta.sequenceNumber());
            Path metaPath = StoreFileNames.path(directory, StoreFileNames.Kind.META, meta.sequenceNumber());
            long filterBytes = meta.ssts().stream().mapToLong(SstInfo::filterBytes).sum();
            out.printf(Locale.ROOT,
                    "  %s  family %d %s  %s  %s  key filters %s  used-key filter %s  obsolete: %s%n",
                    metaPath.getFileName(), meta.family(), config.family(meta.family()).name(),
                    Format.bytes(Files.size(metaPath)), Format.plural(meta.ssts().size(), "SST"),
                    Format.bytes(filterBytes), Format.bytes(meta.usedKeyHashes()),
                    seqList(meta.obsoleteSsts(), StoreFileNames.Kind.SST));
            for (SstInfo sst : meta.ssts()) {
                liveSsts.add(sst.sequenceNumber());
                out.printf(Locale.ROOT, "    %s %s %-5s %10s %20s %13s  filter %s%n",
                        StoreFileNames.name(StoreFileNames.Kind.SST, sst.sequenceNumber()),
                        StoreLog.hashRangeMap(sst.minHash(), sst.maxHash()), flags(sst),
                        Format.bytes(sst.sizeBytes()), Format.plural(sst.entryCount(), "entry", "entries"),
                        Format.plural(sst.blockCount(), "block"),
                        Format.bytes(sst.filterBytes()));
            }
        }
        printNotLive(out, committed, liveSsts, liveMetas);
        out.flush();
    }

    /** Numbered files a reader never opens: obsolete ones awaiting deletion and uncommitted leftovers. */
    private void printNotLive(PrintWriter out, int committed, Set<Integer> liveSsts, Set<Integer> liveMetas)
            throws IOException {
        List<String> obsolete = new ArrayList<>();
        List<String> leftovers = new ArrayList<>();
        List<String> deletions = new ArrayList<>();
        try (Stream<Path> list = Files.list(directory)) {
            for (String name : list.map(p -> p.getFileName().toString()).sorted().toList()) {
                StoreFileNames.Kind kind = StoreFiles.kindOf(name);
                if (kind == null) {
                    continue;
                }
                long seq = Long.parseLong(name.substring(0, name.length() - kind.extension().length()));
                if (seq > Integer.toUnsignedLong(committed)) {
                    leftovers.add(name);
                } else if (kind == StoreFileNames.Kind.DEL) {
                    deletions.add(name);
                } else if (kind == StoreFileNames.Kind.SST && !liveSsts.contains((int) seq)
                        || kind == StoreFileNames.Kind.META && !liveMetas.contains((int) seq)) {
                    obsolete.add(name);
                }
            }
        }
        out.printf(Locale.ROOT, "not live  obsolete, awaiting deletion: %s%n", names(obsolete));
        out.printf(Locale.ROOT, "          pending deletion lists (.del): %s%n", names(deletions));
        out.printf(Locale.ROOT, "          uncommitted leftovers (deleted at the next writable open): %s%n",
                names(leftovers));
    }

    private static String flags(SstInfo sst) {
        if (sst.fresh()) {
            return sst.cold() ? "fresh,cold" : "fresh";
        }
        return sst.cold() ? "cold" : "warm";
    }

    private static String seqList(List<Integer> seqs, StoreFileNames.Kind kind) {
        if (seqs.isEmpty()) {
            return "none";
        }
        TreeSet<Long> sorted = new TreeSet<>();
        seqs.forEach(s -> sorted.add(Integer.toUnsignedLong(s)));
        List<String> names = new ArrayList<>();
        sorted.forEach(s -> names.add(StoreFileNames.name(kind, (int) (long) s)));
        return String.join(" ", names);
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "none" : String.join(" ", names);
    }
}
