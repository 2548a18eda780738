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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
    @Option(names = "--json", description = "Print one JSON object instead (the same facts; sizes in bytes).")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        try (TurboKV db = Stores.openReadOnly(directory, families.config())) {
            if (json) {
                out().println(Json.write(report(db, db.config())));
                out().flush();
            } else {
                print(db, db.config(), out());
            }
            return TurboKvCli.EXIT_OK;
        }
    }

    /** What {@link #print} shows, as JSON-ready maps and lists. */
    private Map<String, Object> report(TurboKV db, DbConfig config) throws IOException {
        List<MetaFileInfo> metas = db.metaInfo();
        int committed = CurrentFile.read(directory);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("store", directory.toAbsolutePath().toString());
        report.put("committed_sequence", Integer.toUnsignedLong(committed));
        report.put("files", StoreFiles.of(directory).toMap());
        List<Object> familyList = new ArrayList<>();
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
            familyList.add(Json.object("index", f, "name", config.family(f).name(),
                    "kind", FamilyOptions.kindName(config.family(f).kind()), "ssts", ssts, "entries", entries,
                    "bytes", bytes));
        }
        report.put("families", familyList);
        Set<Integer> liveSsts = new HashSet<>();
        Set<Integer> liveMetas = new HashSet<>();
        List<Object> metaList = new ArrayList<>();
        for (MetaFileInfo meta : metas) {
            liveMetas.add(meta.sequenceNumber());
            Path metaPath = StoreFileNames.path(directory, StoreFileNames.Kind.META, meta.sequenceNumber());
            List<Object> sstList = new ArrayList<>();
            for (SstInfo sst : meta.ssts()) {
                liveSsts.add(sst.sequenceNumber());
                sstList.add(Json.object("file", StoreFileNames.name(StoreFileNames.Kind.SST, sst.sequenceNumber()),
                        "min_hash", String.format(Locale.ROOT, "0x%016x", sst.minHash()),
                        "max_hash", String.format(Locale.ROOT, "0x%016x", sst.maxHash()),
                        "hash_range_map", StoreLog.hashRangeMap(sst.minHash(), sst.maxHash()),
                        "fresh", sst.fresh(), "cold", sst.cold(), "bytes", sst.sizeBytes(),
                        "entries", sst.entryCount(), "blocks", sst.blockCount(), "filter_bytes", sst.filterBytes()));
            }
            metaList.add(Json.object("file", metaPath.getFileName().toString(), "family", meta.family(),
                    "bytes", Files.size(metaPath),
                    "key_filter_bytes", meta.ssts().stream().mapToLong(SstInfo::filterBytes).sum(),
                    "used_key_filter_bytes", meta.usedKeyHashes(),
                    "obsolete_ssts", names(meta.obsoleteSsts(), StoreFileNames.Kind.SST), "ssts", sstList));
        }
        report.put("meta_files", metaList);
        NotLive notLive = notLive(committed, liveSsts, liveMetas);
        report.put("not_live", Json.object("obsolete", notLive.obsolete(),
                "pending_deletion_lists", notLive.deletions(),
                "uncommitted_leftovers", notLive.leftovers()));
        return report;
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

    /**
     * Numbered files a reader never opens: obsolete ones awaiting deletion, pending deletion lists and uncommitted
     * leftovers.
     */
    private record NotLive(List<String> obsolete, List<String> deletions, List<String> leftovers) {}

    private NotLive notLive(int committed, Set<Integer> liveSsts, Set<Integer> liveMetas) throws IOException {
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
        return new NotLive(obsolete, deletions, leftovers);
    }

    private void printNotLive(PrintWriter out, int committed, Set<Integer> liveSsts, Set<Integer> liveMetas)
            throws IOException {
        NotLive notLive = notLive(committed, liveSsts, liveMetas);
        out.printf(Locale.ROOT, "not live  obsolete, awaiting deletion: %s%n", names(notLive.obsolete()));
        out.printf(Locale.ROOT, "          pending deletion lists (.del): %s%n", names(notLive.deletions()));
        out.printf(Locale.ROOT, "          uncommitted leftovers (deleted at the next writable open): %s%n",
                names(notLive.leftovers()));
    }

    /** The file names of {@code seqs}, sorted. */
    private static List<String> names(List<Integer> seqs, StoreFileNames.Kind kind) {
        TreeSet<Long> sorted = new TreeSet<>();
        seqs.forEach(s -> sorted.add(Integer.toUnsignedLong(s)));
        List<String> names = new ArrayList<>();
        sorted.forEach(s -> names.add(StoreFileNames.name(kind, (int) (long) s)));
        return names;
    }

    private static String flags(SstInfo sst) {
        if (sst.fresh()) {
            return sst.cold() ? "fresh,cold" : "fresh";
        }
        return sst.cold() ? "cold" : "warm";
    }

    private static String seqList(List<Integer> seqs, StoreFileNames.Kind kind) {
        return seqs.isEmpty() ? "none" : String.join(" ", names(seqs, kind));
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "none" : String.join(" ", names);
    }
}
