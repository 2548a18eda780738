package io.turbokv.salvage;

import io.turbokv.CorruptionException;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.SalvageReport;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.blob.BlobFile;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.MetaCopyBudget;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import io.turbokv.recovery.StoreSchemas;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.sst.SstReader;
import io.turbokv.version.SstFilter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads every entry that still verifies out of a store directory and hands it to a {@link Sink}, SST by SST, each
 * family's SSTs oldest first: replaying each SST as a write batch of its own, in that order, rebuilds what the
 * store's reads answered (a newer SST's value or tombstone wins over an older one's, and a multi-valued delete
 * removes the values of older batches only, as in the store).
 *
 * <p>Nothing stops at the first damage. A damaged {@code CURRENT} leaves every meta file in (its number is taken
 * from the newest); a damaged {@code .del} file is skipped; a damaged meta file loses its SSTs; an SST whose size,
 * block count, index block or the offset-table entries its open reads (the index block's two and the one before
 * them) do not check out is lost whole; otherwise each block is verified (its offset-table entries, then its CRC
 * before it is decoded) as the SST's iterator reaches it, and a damaged key block loses its entries, a damaged value
 * block the values stored in it, a damaged blob file its value. A damaged offset-table entry of a data block fails
 * only the blocks checked against it (the block it ends and the two after it), each lost as above, not the whole
 * SST. The iterator moves past a damaged block on its next call: it
 * advances to the next key block, or to the next entry, before it loads a block, and keeps nothing of a failed
 * load. Every loss is one line of the {@link SalvageReport}.
 *
 * <p>A lost entry of a newer SST may have shadowed an older value of its key, which then shows again in the copy;
 * the report says so when the damaged SST has older ones in its family. The store must not be written meanwhile:
 * the salvage takes no lock and reads the files as they are.
 */
public final class StoreSalvage {
    /** Receives what the salvage reads. Keys and values are valid only during the call. */
    public interface Sink {
        /**
         * Starts the entries of one SST of {@code family}: what comes until {@link #endSst()} is one batch.
         *
         * @param family the family's index
         * @throws IOException to stop the salvage
         */
        void beginSst(int family) throws IOException;

        /**
         * A value of {@code key}.
         *
         * @param key   the key
         * @param value the value
         * @throws IOException to stop the salvage
         */
        void put(MemorySegment key, MemorySegment value) throws IOException;

        /**
         * A tombstone of {@code key}.
         *
         * @param key the key
         * @throws IOException to stop the salvage
         */
        void delete(MemorySegment key) throws IOException;

        /**
         * Ends the SST's entries.
         *
         * @throws IOException to stop the salvage
         */
        void endSst() throws IOException;
    }

    private final Path directory;
    private final boolean[] multiValued;
    private final Sink sink;
    private final List<String> damage = new ArrayList<>();
    /** The salvage holds every meta file open at once, so they share a budget, as a store's do. */
    private final MetaCopyBudget metaCopies = new MetaCopyBudget(MetaCopyBudget.DEFAULT_BYTES);
    private long entries;
    private long lost;

    private StoreSalvage(Path directory, List<FamilyConfig> families, Sink sink) {
        this.directory = directory;
        this.multiValued = new boolean[families.size()];
        for (int i = 0; i < multiValued.length; i++) {
            multiValued[i] = families.get(i).kind() == FamilyKind.MULTI_VALUE;
        }
        this.sink = sink;
    }

    /**
     * The families of the store in {@code directory}: those its {@code SCHEMA} records, or {@code declared} when the
     * {@code SCHEMA} is damaged or missing.
     *
     * @param directory the store's directory
     * @param declared  the families the caller declares: none to take the store's own; when given and the
     *                  {@code SCHEMA} is readable, they must be the same
     * @return the families, in index order
     * @throws IllegalArgumentException when the {@code SCHEMA} cannot be read and none are declared (the message
     *                                  says why), or when the declared ones differ from it
     * @throws IOException              when the {@code SCHEMA} cannot be read for another reason than damage
     */
    public static List<FamilyConfig> families(Path directory, List<FamilyConfig> declared) throws IOException {
        try {
            return StoreSchemas.reconcile(directory, SchemaFile.read(directory), declared);
        } catch (CorruptionException | UnsupportedFormatVersionException | NoSuchFileException e) {
            if (declared.isEmpty()) {
                throw new IllegalArgumentException("the SCHEMA of " + directory + " cannot be read (" + e.getMessage()
                        + "): declare the store's families to salvage it", e);
            }
            return List.copyOf(declared);
        }
    }

    /**
     * Reads the store in {@code directory} into {@code sink}.
     *
     * @param directory the store's directory
     * @param families  the store's families ({@link #families})
     * @param sink      what receives the entries
     * @return what was read and what was lost
     * @throws IOException when the sink fails, or a file cannot be read for another reason than damage
     */
    public static SalvageReport copy(Path directory, List<FamilyConfig> families, Sink sink) throws IOException {
        return new StoreSalvage(directory, families, sink).run();
    }

    private SalvageReport run() throws IOException {
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(names::add);
        }
        long committed = committed(names);
        Set<Integer> deleted = deletedMetas(names, committed);
        List<MetaFile> metas = new ArrayList<>();
        try {
            for (Path path : names) {
                long seq = seqOf(path, StoreFileNames.Kind.META);
                if (seq >= 0 && seq <= committed && !deleted.contains((int) seq)) {
                    MetaFile meta = openMeta(path, (int) seq);
                    if (meta != null) {
                        metas.add(meta);
                    }
                }
            }
            metas.sort(Comparator.comparingLong((MetaFile m) -> Integer.toUnsignedLong(m.seq())).reversed());
            List<List<MetaEntry>> live = liveSsts(metas); // per family, newest first
            for (int family = 0; family < live.size(); family++) {
                List<MetaEntry> ssts = live.get(family);
                for (int i = ssts.size() - 1; i >= 0; i--) {
                    copySst(family, ssts.get(i), ssts.size() - 1 - i);
                }
            }
        } finally {
            metas.forEach(MetaFile::close);
        }
        return new SalvageReport((int) committed, entries, lost, damage);
    }

    /** {@code CURRENT}'s number; when it is damaged, the newest meta file's (all of them are read then). */
    private long committed(List<Path> names) throws IOException {
        try {
            return Integer.toUnsignedLong(CurrentFile.read(directory));
        } catch (CorruptionException | UnsupportedFormatVersionException e) {
            long newest = 0;
            for (Path path : names) {
                newest = Math.max(newest, seqOf(path, StoreFileNames.Kind.META));
            }
            damage.add(String.format(Locale.ROOT, "%s: %s; read every meta file instead (the newest is %s, which"
                    + " may be a write that never committed)", StoreFileNames.CURRENT, e.getMessage(),
                    StoreFileNames.name(StoreFileNames.Kind.META, (int) newest)));
            return newest;
        }
    }

    /** The meta files that committed {@code .del} files list: obsolete, whatever is left of them. */
    private Set<Integer> deletedMetas(List<Path> names, long committed) throws IOException {
        Set<Integer> deleted = new HashSet<>();
        for (Path path : names) {
            long seq = seqOf(path, StoreFileNames.Kind.DEL);
            if (seq < 0 || seq > committed) {
                continue;
            }
            try {
                for (int meta : DeletionFile.read(path).metas()) {
                    deleted.add(meta);
                }
            } catch (CorruptionException | UnsupportedFormatVersionException e) {
                damage.add(path.getFileName() + ": " + e.getMessage() + "; the obsolete files it lists, if any are"
                        + " left, may bring old values back");
            }
        }
        return deleted;
    }

    private MetaFile openMeta(Path path, int seq) throws IOException {
        try {
            MetaFile meta = MetaFile.open(path, seq, metaCopies);
            if (meta.family() < 0 || meta.family() >= multiValued.length) {
                meta.close();
                damage.add(String.format(Locale.ROOT, "%s: family %d, but the store has %d families: its SSTs are"
                        + " lost", path.getFileName(), meta.family(), multiValued.length));
                return null;
            }
            return meta;
        } catch (CorruptionException | UnsupportedFormatVersionException e) {
            damage.add(path.getFileName() + ": " + e.getMessage() + "; the SSTs it lists are lost");
            return null;
        }
    }

    /** Per family, the live SSTs' meta entries, newest first, as the store's open decides them. */
    private List<List<MetaEntry>> liveSsts(List<MetaFile> newestFirst) {
        List<List<MetaEntry>> live = new ArrayList<>();
        for (int i = 0; i < multiValued.length; i++) {
            live.add(new ArrayList<>());
        }
        SstFilter filter = new SstFilter();
        for (MetaFile meta : newestFirst) {
            int[] seqs = new int[meta.entryCount()];
            for (int i = 0; i < seqs.length; i++) {
                seqs[i] = meta.entry(i).sstSeq();
            }
            boolean[] keep = filter.apply(seqs, meta.obsoleteSsts());
            List<MetaEntry> kept = new ArrayList<>();
            for (int i = 0; i < seqs.length; i++) {
                if (keep[i]) {
                    kept.add(meta.entry(i));
                }
            }
            kept.sort(Comparator.comparingLong((MetaEntry e) -> Integer.toUnsignedLong(e.sstSeq())).reversed());
            live.get(meta.family()).addAll(kept);
        }
        return live;
    }

    /**
     * Hands every entry of one SST that verifies to the sink.
     *
     * @param older how many SSTs of the family are older: a loss may let their values show again
     */
    private void copySst(int family, MetaEntry entry, int older) throws IOException {
        Path path = StoreFileNames.path(directory, StoreFileNames.Kind.SST, entry.sstSeq());
        String shadow = older > 0 ? "; older values of its keys may show again" : "";
        SstReader reader;
        try {
            reader = SstReader.open(path, entry.sstSeq(), entry.blockCount(), entry.sstSize());
        } catch (CorruptionException e) {
            lose(entry.entryCount(), String.format(Locale.ROOT, "%s: %s; its %s lost%s", path.getFileName(),
                    where(e), entries(entry.entryCount()), shadow));
            return;
        } catch (NoSuchFileException e) {
            lose(entry.entryCount(), String.format(Locale.ROOT, "%s: missing; its %s lost%s", path.getFileName(),
                    entries(entry.entryCount()), shadow));
            return;
        }
        boolean multi = multiValued[family];
        Map<String, Integer> failures = new LinkedHashMap<>(); // each damaged block once, with how often it failed
        long read = 0;
        try (reader; SstEntryIterator it = reader.iterator()) {
            sink.beginSst(family);
            MemorySegment lastKey = null; // a heap copy
            long attempts = 0;
            long limit = entry.entryCount() + reader.blockCount() + 1; // each failure moves past an entry or block
            while (attempts++ <= limit) {
                boolean more;
                try {
                    more = it.next();
                } catch (CorruptionException e) {
                    failures.merge(where(e), 1, Integer::sum);
                    continue; // the next call moves past the damaged block or value
                }
                if (!more) {
                    break;
                }
                read++;
                MemorySegment key = it.key();
                if (!multi && lastKey != null && lastKey.mismatch(key) < 0) {
                    continue; // a single-valued key's first entry in an SST is the one reads see
                }
                lastKey = multi ? null : MemorySegment.ofArray(key.toArray(ValueLayout.JAVA_BYTE));
                deliver(it, key);
            }
            sink.endSst();
        }
        long missing = Math.max(0, entry.entryCount() - read);
        for (Map.Entry<String, Integer> failure : failures.entrySet()) {
            damage.add(String.format(Locale.ROOT, "%s: %s%s%s", path.getFileName(), failure.getKey(),
                    failure.getValue() == 1 ? "" : " (" + failure.getValue() + " entries stored there)", shadow));
        }
        if (missing > 0) {
            lose(missing, String.format(Locale.ROOT, "%s: %s of %s lost in its damaged blocks", path.getFileName(),
                    String.format(Locale.ROOT, "%,d", missing), entries(entry.entryCount())));
        }
    }

    /** Hands the iterator's entry to the sink; a value whose blob file is damaged is lost. */
    private void deliver(SstEntryIterator it, MemorySegment key) throws IOException {
        switch (it.kind()) {
            case VALUE -> sink.put(key, it.value());
            case TOMBSTONE -> sink.delete(key);
            case BLOB -> {
                Path blob = StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, it.blobSeq());
                try (Arena arena = Arena.ofConfined()) {
                    sink.put(key, BlobFile.read(blob, arena));
                } catch (CorruptionException e) {
                    lose(1, blob.getFileName() + ": " + where(e) + "; its value is lost");
                    return;
                } catch (NoSuchFileException e) {
                    lose(1, blob.getFileName() + ": missing; its value is lost");
                    return;
                }
            }
        }
        entries++;
    }

    private void lose(long count, String line) {
        lost += count;
        damage.add(line);
    }

    /** {@code at offset 4096: block 3 crc mismatch: expected=.. found=..}, without the file the line starts with. */
    private static String where(CorruptionException e) {
        String message = e.getMessage();
        int suffix = message.lastIndexOf(" (file=");
        if (suffix > 0 && message.endsWith(")")) {
            message = message.substring(0, suffix);
        }
        return e.offset() == CorruptionException.NO_OFFSET ? message : "at offset " + e.offset() + ": " + message;
    }

    private static String entries(long count) {
        return String.format(Locale.ROOT, "%,d %s", count, count == 1 ? "entry" : "entries");
    }

    /** The sequence number of {@code path} when it is a numbered file of {@code kind}, else -1. */
    private static long seqOf(Path path, StoreFileNames.Kind kind) {
        String name = path.getFileName().toString();
        if (!name.endsWith(kind.extension())) {
            return -1;
        }
        String stem = name.substring(0, name.length() - kind.extension().length());
        if (stem.isEmpty() || stem.length() > 10 || !stem.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long seq = Long.parseLong(stem);
        return seq <= 0xFFFF_FFFFL ? seq : -1;
    }
}
