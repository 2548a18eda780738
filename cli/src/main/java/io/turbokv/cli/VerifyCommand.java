package io.turbokv.cli;

import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.blob.BlobFile;
import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.DirectoryScan;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.MetaCopyBudget;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreSchema;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.sst.SstReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv verify DIR}: reads every byte a reader could reach and checks it, without the engine's open (so
 * that one damaged file does not hide the others): {@code CURRENT}; every committed {@code .del} file; the
 * {@code SCHEMA} file when the store has one; every committed meta file (its CRC-32 trailer and fields on open,
 * then each key filter's and the used-key filter's layout); every live SST in full (size, offset table and index
 * block on open, then every key block and every value block through its iterator, each block's checksum before it
 * is decoded), checking that each entry's key hashes to its hash, lies in the meta entry's hash range, is in the
 * SST's key filter, and that the entry count matches; and every blob file an entry refers to (checksum, length,
 * decompression). A damaged {@code CURRENT} or {@code .del} file makes every open fail, so the meta, SST and blob
 * files are then not checked.
 *
 * <p>Exit code 0 when all is well, 1 when anything is damaged: each damaged file is one stderr line with the file
 * and offset from the {@link CorruptionException} ({@code UNSUPPORTED} instead of {@code DAMAGED} for an intact
 * file of a format version this build cannot read).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check every byte of the store: CURRENT, every .del file and SCHEMA (magic, version,"
                + " checksum), every meta file (checksum, fields, filters), every block of every live SST (checksum,"
                + " decoding every key and value), that each key is in its SST's key filter and hash range, and"
                + " every blob file referenced.",
                "Exit code 0 when all is well; 1 when a file is damaged, with one line per damaged file on stderr"
                        + " naming the file and the offset.",
                "Reads the files directly, without the store's lock: it works while another process writes."})
final class VerifyCommand extends StoreCommand {
    @Option(names = "--progress", defaultValue = "AUTO", paramLabel = "MODE",
            description = "Progress display: auto (a bar on a terminal, else plain lines), bar, plain or none.")
    private Progress.Mode progress;

    @Option(names = "--json", description = "Print one JSON object instead: every file checked with its result"
            + " (ok, none, damaged, unsupported), offset and detail, and the totals. Damage still goes to stderr"
            + " too, and the exit code is the same.")
    private boolean json;

    private final List<String> damage = new ArrayList<>();
    /** Every check's result, for {@code --json}: file, result, offset when known, detail. */
    private final List<Map<String, Object>> checks = new ArrayList<>();
    private final List<String> notChecked = new ArrayList<>();
    /** The meta files this run holds read into memory, all open at once, at most as many bytes as a store's. */
    private final MetaCopyBudget metaCopyBudget = new MetaCopyBudget(MetaCopyBudget.DEFAULT_BYTES);

    @Override
    public Integer call() throws IOException {
        Stores.requireStore(directory);
        damage.clear();
        checks.clear();
        notChecked.clear();
        PrintWriter out = out();
        Integer committed = verifyCurrent(out);
        int[] metaSeqs = null;
        if (committed == null) {
            notChecked(".del files", "which ones are committed depends on CURRENT");
        } else if (verifyDeletionFiles(out, committed)) {
            try {
                metaSeqs = DirectoryScan.scan(FileLayer.standard(), directory, committed, true).metaSeqs();
                checked(StoreFileNames.CURRENT, "ok", String.format(Locale.ROOT, "sequence %d, %s",
                        Integer.toUnsignedLong(committed), Format.plural(metaSeqs.length, "meta file")));
            } catch (CorruptionException e) {
                damaged(out, e);
            }
        }
        verifySchema(out);
        if (metaSeqs == null) { // an open would fail, so no set of live files to check
            notChecked.add("meta, SST and blob files: an open would fail, so there is no set of live files");
            return finish(out, "meta, SST and blob files not checked", null); // the summary line says it
        }
        List<MetaFile> metas = new ArrayList<>();
        try {
            Set<Integer> obsolete = new HashSet<>();
            for (int seq : metaSeqs) {
                MetaFile meta = openMeta(seq);
                if (meta != null) {
                    metas.add(meta);
                    for (int sst : meta.obsoleteSsts()) {
                        obsolete.add(sst);
                    }
                }
            }
            List<Live> live = new ArrayList<>();
            long totalEntries = 0;
            for (MetaFile meta : metas) {
                for (int i = 0; i < meta.entryCount(); i++) {
                    MetaEntry entry = meta.entry(i);
                    if (!obsolete.contains(entry.sstSeq())) {
                        live.add(new Live(meta, entry));
                        totalEntries += entry.entryCount();
                    }
                }
            }
            Totals totals = new Totals();
            try (Progress bar = new Progress(out, json ? Progress.Mode.NONE : progress, "verify", totalEntries)) {
                for (Live sst : live) {
                    verifySst(sst, totals, bar);
                }
                if (!json) {
                    bar.finish();
                }
            }
            verifyBlobs(totals);
            return finish(out, String.format(Locale.ROOT,
                    "%s, %s (%s, %s, %s of values), %s", Format.plural(metas.size(), "meta file"),
                    Format.plural(live.size(), "SST"), Format.plural(totals.blocks, "block"),
                    Format.plural(totals.entries, "entry", "entries"), Format.bytes(totals.valueBytes),
                    Format.plural(totals.blobs.size(), "blob")),
                    Json.object("meta_files", metas.size(), "ssts", live.size(), "blocks", totals.blocks,
                            "entries", totals.entries, "value_bytes", totals.valueBytes,
                            "blobs", totals.blobs.size()));
        } finally {
            metas.forEach(MetaFile::close);
        }
    }

    /**
     * Prints the summary line (or the JSON report, with {@code totals} when the files were checked) and one stderr
     * line per damaged file; the exit code.
     */
    private int finish(PrintWriter out, String summary, Map<String, Object> totals) {
        if (json) {
            out.println(Json.write(Json.object("store", directory.toAbsolutePath().toString(),
                    "ok", damage.isEmpty(), "damaged", damage.size(), "checks", checks, "not_checked", notChecked,
                    "totals", totals)));
        } else {
            out.printf(Locale.ROOT, "%s: %s%n", summary, damage.isEmpty() ? "OK" : damage.size() + " DAMAGED");
        }
        out.flush();
        for (String line : damage) {
            spec.commandLine().getErr().println("turbokv verify: " + line);
        }
        spec.commandLine().getErr().flush();
        return damage.isEmpty() ? TurboKvCli.EXIT_OK : TurboKvCli.EXIT_FAILURE;
    }

    /** The committed sequence number; {@code null} (with the damage recorded) when {@code CURRENT} is damaged. */
    private Integer verifyCurrent(PrintWriter out) throws IOException {
        try {
            return CurrentFile.read(directory);
        } catch (CorruptionException e) {
            damaged(out, e);
        } catch (UnsupportedFormatVersionException e) {
            unsupported(out, e);
        }
        return null;
    }

    /** Checks {@code SCHEMA}, which stores of earlier builds lack. */
    private void verifySchema(PrintWriter out) throws IOException {
        StoreSchema schema;
        try {
            schema = SchemaFile.read(directory);
        } catch (NoSuchFileException e) {
            checked(StoreFileNames.SCHEMA, "none", "a store created before SCHEMA existed");
            return;
        } catch (CorruptionException e) {
            damaged(out, e);
            return;
        } catch (UnsupportedFormatVersionException e) {
            unsupported(out, e);
            return;
        }
        List<String> families = new ArrayList<>();
        for (int i = 0; i < schema.families().size(); i++) {
            StoreSchema.Family family = schema.families().get(i);
            families.add(i + " " + family.name() + " ("
                    + (family.kind() == StoreSchema.Family.SINGLE_VALUED ? "single" : "multi") + ")");
        }
        checked(StoreFileNames.SCHEMA, "ok", "families " + String.join(", ", families));
    }

    /**
     * Checks every committed {@code .del} file (those above {@code committed} are uncommitted leftovers, which no
     * open reads); whether all are intact.
     */
    private boolean verifyDeletionFiles(PrintWriter out, int committed) throws IOException {
        boolean intact = true;
        List<Path> paths;
        try (Stream<Path> list = Files.list(directory)) {
            paths = list.filter(p -> StoreFiles.kindOf(p.getFileName().toString()) == StoreFileNames.Kind.DEL)
                    .sorted().toList();
        }
        for (Path path : paths) {
            String name = path.getFileName().toString();
            long seq = Long.parseLong(name.substring(0, name.length() - StoreFileNames.Kind.DEL.extension().length()));
            if (seq > Integer.toUnsignedLong(committed)) {
                continue;
            }
            try {
                DeletionFile.Contents listed = DeletionFile.read(path);
                checked(name, "ok", String.format(Locale.ROOT, "lists %s, %s, %s",
                        Format.plural(listed.ssts().length, "SST"), Format.plural(listed.metas().length, "meta file"),
                        Format.plural(listed.blobs().length, "blob")));
            } catch (CorruptionException e) {
                damaged(out, e);
                intact = false;
            } catch (UnsupportedFormatVersionException e) {
                unsupported(out, e);
                intact = false;
            }
        }
        return intact;
    }

    /** Records a check that passed (or found nothing to check): {@code CURRENT  ok: sequence 4, 2 meta files}. */
    private void checked(String file, String result, String detail) {
        checks.add(Json.object("file", file, "result", result, "detail", detail));
        if (!json) {
            out().printf(Locale.ROOT, "%-8s %s: %s%n", file, result, detail);
        }
    }

    /** Records files left unchecked, and why: {@code .del files not checked: ...}. */
    private void notChecked(String what, String why) {
        notChecked.add(what + ": " + why);
        if (!json) {
            out().printf(Locale.ROOT, "%s not checked: %s%n", what, why);
        }
    }

    /** Records a file of another format version: this build cannot check it, so the store is not OK. */
    private void unsupported(PrintWriter out, UnsupportedFormatVersionException e) {
        String file = e.file() == null ? "?" : e.file().getFileName().toString();
        String line = "UNSUPPORTED " + file + ": " + e.getMessage();
        damage.add(line);
        checks.add(Json.object("file", file, "result", "unsupported", "detail", e.getMessage()));
        if (!json) {
            out.println(line);
        }
    }

    /** The message of {@code e} without the {@code (file=.., offset=..)} it ends with: those lead the line. */
    private static String detail(CorruptionException e, String file) {
        String what = e.getMessage();
        String suffix = e.offset() == CorruptionException.NO_OFFSET ? " (file=" + file + ")"
                : " (file=" + file + ", offset=" + e.offset() + ")";
        return what.endsWith(suffix) ? what.substring(0, what.length() - suffix.length()) : what;
    }

    /** Records damage: {@code DAMAGED 00000002.sst at offset 4992768: block 576 crc mismatch: expected=.. found=..}. */
    private void damaged(PrintWriter out, CorruptionException e) {
        String file = e.file() == null ? "?" : String.valueOf(e.file().getFileName());
        String detail = detail(e, file);
        boolean offset = e.offset() != CorruptionException.NO_OFFSET;
        String line = "DAMAGED " + file + (offset ? " at offset " + e.offset() : "") + ": " + detail;
        damage.add(line);
        Map<String, Object> check = Json.object("file", file, "result", "damaged");
        if (offset) {
            check.put("offset", e.offset());
        }
        check.put("detail", detail);
        checks.add(check);
        if (!json) {
            out.println(line);
        }
    }

    /** Opens and checks one meta file; {@code null} (with the damage recorded) when it is damaged. */
    private MetaFile openMeta(int seq) throws IOException {
        PrintWriter out = out();
        Path path = StoreFileNames.path(directory, StoreFileNames.Kind.META, seq);
        MetaFile meta;
        try {
            meta = MetaFile.open(path, seq, metaCopyBudget);
        } catch (CorruptionException e) {
            damaged(out, e);
            return null;
        }
        try {
            // The filter region ends just before the 4-byte CRC-32 trailer; the used-key filter is its last part.
            long filters = meta.usedKeyFilter().byteSize();
            for (int i = 0; i < meta.entryCount(); i++) {
                filters += meta.entry(i).filter().byteSize();
            }
            long offset = meta.byteSize() - 4 - filters;
            for (int i = 0; i < meta.entryCount(); i++) {
                MemorySegment filter = meta.entry(i).filter();
                KeyFilter.check(filter, path, offset);
                // A damaged chunk is damage of this file even when no probe below happens to read it.
                KeyFilter.verifyAll(filter);
                offset += filter.byteSize();
            }
            UsedKeyFilter.check(meta.usedKeyFilter(), path, offset);
        } catch (CorruptionException e) {
            meta.close();
            damaged(out, e);
            return null;
        }
        checked(path.getFileName().toString(), "ok", String.format(Locale.ROOT, "family %d, %s, %s", meta.family(),
                Format.plural(meta.entryCount(), "SST"), Format.bytes(meta.byteSize())));
        return meta;
    }

    private void verifySst(Live sst, Totals totals, Progress bar) throws IOException {
        MetaEntry entry = sst.entry();
        Path path = StoreFileNames.path(directory, StoreFileNames.Kind.SST, entry.sstSeq());
        Path metaPath = sst.meta().path();
        long entries = 0;
        try (SstReader reader = SstReader.open(path, entry.sstSeq(), entry.blockCount(), entry.sstSize());
             SstEntryIterator it = reader.iterator()) {
            long previousHash = 0;
            byte[] previousKey = null; // a key-ordered SST's order is its keys'
            while (it.next()) {
                long hash = it.hash();
                MemorySegment key = it.key();
                long actual = KeyHash.hash(key);
                if (actual != hash) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "entry %d key hash: expected=0x%016x (hash of its key) found=0x%016x", entries, actual,
                            hash), path, CorruptionException.NO_OFFSET);
                }
                if (reader.keyOrdered()) {
                    byte[] keyBytes = key.toArray(ValueLayout.JAVA_BYTE);
                    if (previousKey != null && Arrays.compareUnsigned(keyBytes, previousKey) < 0) {
                        throw new CorruptionException(String.format(Locale.ROOT,
                                "entry %d out of order: its key sorts below the key before it (key-ordered SST)",
                                entries), path, CorruptionException.NO_OFFSET);
                    }
                    checkKeyRange(entry, keyBytes, entries, path, metaPath);
                    if (!it.searchWordMatchesKey()) {
                        throw new CorruptionException(String.format(Locale.ROOT, "entry %d: its stored search word "
                                + "is not its key's (key-ordered SST; gets of the key would miss it)", entries),
                                path, CorruptionException.NO_OFFSET);
                    }
                    previousKey = keyBytes;
                } else if (entries > 0 && Long.compareUnsigned(hash, previousHash) < 0) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "entry %d out of order: hash 0x%016x after 0x%016x", entries, hash, previousHash), path,
                            CorruptionException.NO_OFFSET);
                }
                if (Long.compareUnsigned(hash, entry.minHash()) < 0
                        || Long.compareUnsigned(hash, entry.maxHash()) > 0) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "entry %d hash 0x%016x outside the range its meta entry in %s gives: 0x%016x..0x%016x",
                            entries, hash, metaPath.getFileName(), entry.minHash(), entry.maxHash()), path,
                            CorruptionException.NO_OFFSET);
                }
                if (!KeyFilter.mayContain(entry.filter(), hash)) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "the key filter of %s lacks the hash 0x%016x of its entry %d", path.getFileName(), hash,
                            entries), metaPath, CorruptionException.NO_OFFSET);
                }
                if (it.kind() == EntryKind.VALUE) {
                    totals.valueBytes += it.value().byteSize();
                } else if (it.kind() == EntryKind.BLOB) {
                    totals.blobs.add(it.blobSeq());
                }
                previousHash = hash;
                entries++;
                if ((entries & 1023) == 0) {
                    bar.add(1024);
                }
            }
            bar.add(entries & 1023);
            if (entries != entry.entryCount()) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "entry count: expected=%d (its meta entry in %s) found=%d", entry.entryCount(),
                        metaPath.getFileName(), entries), path, CorruptionException.NO_OFFSET);
            }
            totals.blocks += reader.blockCount();
            totals.entries += entries;
        } catch (CorruptionException e) {
            bar.add(Math.max(0, entry.entryCount() - (entries & ~1023L))); // count the rest of this SST as done
            damaged(out(), e);
        } catch (NoSuchFileException e) {
            damaged(out(), new CorruptionException("live SST listed in " + metaPath.getFileName() + " is missing",
                    path, CorruptionException.NO_OFFSET));
        }
    }

    /**
     * Checks a key-ordered SST's key against the key range of its meta entry, which range reads and compaction
     * trust to skip the SST: a key outside it would be missed by every range read.
     */
    private static void checkKeyRange(MetaEntry entry, byte[] key, long index, Path path, Path metaPath)
            throws CorruptionException {
        MetaEntry.KeyRange range = entry.keyRange();
        if (range == null) {
            throw new CorruptionException("key-ordered SST without a key range in its meta entry in "
                    + metaPath.getFileName(), path, CorruptionException.NO_OFFSET);
        }
        if (Arrays.compareUnsigned(key, range.min()) < 0) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "entry %d key below the lowest key its meta entry in %s gives: expected>=%s found=%s", index,
                    metaPath.getFileName(), HexFormat.of().formatHex(range.min()), HexFormat.of().formatHex(key)),
                    path, CorruptionException.NO_OFFSET);
        }
        if (Arrays.compareUnsigned(key, range.max()) > 0) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "entry %d key above the highest key its meta entry in %s gives: expected<=%s found=%s", index,
                    metaPath.getFileName(), HexFormat.of().formatHex(range.max()), HexFormat.of().formatHex(key)),
                    path, CorruptionException.NO_OFFSET);
        }
    }

    private void verifyBlobs(Totals totals) throws IOException {
        for (int seq : new TreeSet<>(totals.blobs)) {
            Path path = StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, seq);
            try (Arena arena = Arena.ofConfined()) {
                BlobFile.read(path, arena);
            } catch (CorruptionException e) {
                damaged(out(), e);
            } catch (NoSuchFileException e) {
                damaged(out(), new CorruptionException("blob referenced by a live SST is missing", path,
                        CorruptionException.NO_OFFSET));
            }
        }
    }

    private record Live(MetaFile meta, MetaEntry entry) {}

    private static final class Totals {
        long blocks;
        long entries;
        long valueBytes;
        final Set<Integer> blobs = new HashSet<>();
    }
}
