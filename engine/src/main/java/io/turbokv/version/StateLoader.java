package io.turbokv.version;

import io.turbokv.CorruptionException;
import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntHashSet;

/**
 * Builds store states from meta files: the committed state at open ({@link #load}), the slots of a new meta file
 * ({@link #slotsOf}), and the narrowing of meta files to their live entries that a commit or an open does with the
 * {@link SstFilter}, newest meta file first.
 */
public final class StateLoader {
    private StateLoader() {}

    /**
     * Opens the committed meta files {@code metaSeqs} (in parallel) and decides which SSTs are live, newest first.
     * On failure every meta file opened is closed.
     *
     * @param families  how many families the store has: a meta file of another is an error
     * @param directory the store's directory, and the budget its meta files are read into memory within
     * @param metaSeqs  the sequence numbers of the committed meta files
     * @param committed the committed sequence number, which {@code CURRENT} names
     * @return the state, with each live SST in a slot that maps it on first read
     * @throws IOException when a meta file cannot be read or is damaged
     */
    public static StoreState load(StoreDirectory directory, int families, int[] metaSeqs, int committed)
            throws IOException {
        List<MetaFile> files = openAll(directory, metaSeqs);
        try {
            for (MetaFile file : files) {
                if (file.family() < 0 || file.family() >= families) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "meta file of family %d, but the store has %d families (its SCHEMA)", file.family(),
                            families), file.path(), CorruptionException.NO_OFFSET);
                }
            }
            files.sort(Comparator.comparingLong((MetaFile f) -> Integer.toUnsignedLong(f.seq())).reversed());
            SstFilter filter = new SstFilter();
            List<LiveMeta> live = new ArrayList<>();
            for (MetaFile file : files) {
                live.add(narrow(new LiveMeta(file, slotsOf(directory.directory(), file)), filter));
            }
            return new StoreState(live, committed);
        } catch (IOException | RuntimeException | Error e) {
            files.forEach(MetaFile::close);
            throw e;
        }
    }

    /**
     * Opens the meta files in parallel (each is read into memory within the store's budget or mapped, and its
     * checksum verified). When one fails, every one already opened is closed before the first failure is thrown, the
     * others added to it as suppressed.
     */
    private static List<MetaFile> openAll(StoreDirectory directory, int[] metaSeqs) throws IOException {
        MetaFile[] opened = new MetaFile[metaSeqs.length];
        Throwable[] failures = new Throwable[metaSeqs.length];
        IntStream.range(0, metaSeqs.length).parallel().forEach(i -> {
            try {
                opened[i] = MetaFile.open(directory.path(StoreFileNames.Kind.META, metaSeqs[i]), metaSeqs[i],
                        directory.metaCopies());
            } catch (IOException | RuntimeException | Error e) {
                failures[i] = e;
            }
        });
        Throwable first = null;
        for (Throwable failure : failures) {
            if (failure != null && first == null) {
                first = failure;
            } else if (failure != null) {
                first.addSuppressed(failure);
            }
        }
        if (first == null) {
            return new ArrayList<>(Arrays.asList(opened));
        }
        for (MetaFile file : opened) {
            if (file != null) {
                file.close();
            }
        }
        if (first instanceof IOException e) {
            throw e;
        } else if (first instanceof RuntimeException e) {
            throw e;
        }
        throw (Error) first;
    }

    /**
     * The slots of a new meta file's entries (each SST is new, so each gets a new slot).
     *
     * @param directory the store's directory, where the SSTs are
     * @param meta      the new meta file
     * @return one new slot per entry, in the meta file's order
     * @throws CorruptionException when the used-key filter or an entry's key filter is malformed
     */
    public static SstSlot[] slotsOf(Path directory, MetaFile meta) throws CorruptionException {
        // The meta file's checksum covers the used-key filter; its check makes a query's bounds safe whatever the
        // bytes. A key filter's check verifies its header CRC and bounds; its chunks are verified at first query.
        UsedKeyFilter.check(meta.usedKeyFilter(), meta.path(), CorruptionException.NO_OFFSET);
        SstSlot[] slots = new SstSlot[meta.entryCount()];
        for (int i = 0; i < slots.length; i++) {
            MetaEntry entry = meta.entry(i);
            KeyFilter.check(entry.filter(), meta.path(), CorruptionException.NO_OFFSET);
            slots[i] = new SstSlot(directory, entry);
        }
        return slots;
    }

    /**
     * Narrows every meta file of {@code all} (newest first) to its live entries, adds those that stay to
     * {@code next}, and returns the numbers of those that can be deleted ({@link SstFilter#removable}).
     *
     * @param all  the current meta files, newest first
     * @param next receives the meta files that keep live entries
     * @return the sequence numbers of the SSTs no live entry refers to any more
     */
    public static int[] narrowAll(List<LiveMeta> all, List<LiveMeta> next) {
        SstFilter filter = new SstFilter();
        List<LiveMeta> narrowed = new ArrayList<>(all.size());
        for (LiveMeta meta : all) {
            narrowed.add(narrow(meta, filter));
        }
        int[][] entrySeqs = new int[narrowed.size()][];
        int[][] obsolete = new int[narrowed.size()][];
        boolean[] hasLiveEntries = new boolean[narrowed.size()];
        IntHashSet live = new IntHashSet();
        for (int i = 0; i < entrySeqs.length; i++) {
            LiveMeta meta = narrowed.get(i);
            entrySeqs[i] = entrySeqs(meta.file());
            obsolete[i] = meta.file().obsoleteSsts();
            hasLiveEntries[i] = meta.ssts().length > 0;
            for (SstSlot slot : meta.ssts()) {
                live.add(slot.seq());
            }
        }
        boolean[] removable = SstFilter.removable(entrySeqs, obsolete, hasLiveEntries, live);
        IntArrayList deletable = new IntArrayList();
        for (int i = 0; i < removable.length; i++) {
            if (removable[i]) {
                deletable.addInt(narrowed.get(i).seq());
            } else {
                next.add(narrowed.get(i));
            }
        }
        return deletable.toIntArray();
    }

    /**
     * {@code meta} with only the entries the filter keeps (the same object when all stay). The filter sees every
     * entry the meta file lists on disk, not only those still live: an entry dropped by an earlier commit must keep
     * the obsolete mark that dropped it "needed", or the meta file holding the mark would be deleted and the next
     * open, which reads the full lists, would bring the deleted SST back.
     */
    private static LiveMeta narrow(LiveMeta meta, SstFilter filter) {
        SstSlot[] slots = meta.ssts();
        MetaFile file = meta.file();
        int[] seqs = entrySeqs(file);
        boolean[] live = filter.apply(seqs, file.obsoleteSsts());
        IntHashSet liveSeqs = new IntHashSet();
        for (int i = 0; i < seqs.length; i++) {
            if (live[i]) {
                liveSeqs.add(seqs[i]);
            }
        }
        List<SstSlot> kept = new ArrayList<>(slots.length);
        for (SstSlot slot : slots) {
            if (liveSeqs.contains(slot.seq())) {
                kept.add(slot);
            }
        }
        return kept.size() == slots.length ? meta : new LiveMeta(file, kept.toArray(SstSlot[]::new));
    }

    /**
     * The SST numbers of every entry {@code file} lists, live or not.
     *
     * @param file the meta file
     * @return the SST sequence numbers, in the file's order
     */
    public static int[] entrySeqs(MetaFile file) {
        int[] seqs = new int[file.entryCount()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = file.entry(i).sstSeq();
        }
        return seqs;
    }

    /**
     * {@code state} with a new slot for every SST, so each is mapped again on its next read; the old slots are
     * {@link StoreState#unreachableIn unreachable} in the result.
     *
     * @param directory the store's directory, where the SSTs are
     * @param state     the state whose SSTs get new slots
     * @return the state with new slots
     */
    public static StoreState withFreshSlots(Path directory, StoreState state) {
        List<LiveMeta> fresh = new ArrayList<>();
        for (LiveMeta meta : state.metas()) {
            SstSlot[] slots = new SstSlot[meta.ssts().length];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new SstSlot(directory, meta.ssts()[i].entry());
            }
            fresh.add(new LiveMeta(meta.file(), slots));
        }
        return new StoreState(fresh, state.committedSeq());
    }
}
