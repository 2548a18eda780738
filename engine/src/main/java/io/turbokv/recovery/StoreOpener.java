package io.turbokv.recovery;

import io.turbokv.CorruptionException;
import io.turbokv.FamilyConfig;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DirectoryScan;
import io.turbokv.io.FileLayer;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreLock;
import io.turbokv.io.StoreSchema;
import io.turbokv.read.BlobFiles;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StateLoader;
import io.turbokv.version.StoreState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Opens a store directory: creates a new store (its {@code SCHEMA}, then {@code CURRENT}), takes the lock of a
 * writable open, checks the declared families against the recorded ones, runs the {@link DirectoryScan} (a writable
 * open deletes uncommitted leftovers and finishes pending deletions) and loads the committed state. A read-only
 * open also maps every live SST and blob, so that the writer of another process cannot take them away.
 */
public final class StoreOpener {
    /** How often a read-only open retries when the writer deleted a file of the commit it was reading. */
    private static final int READ_ONLY_OPEN_ATTEMPTS = 10;

    private StoreOpener() {}

    /**
     * A store as an open found it.
     *
     * @param families the store's families, as it recorded them
     * @param lock     the directory lock of a writable open, {@code null} for a read-only one
     * @param state    the committed state
     * @param blobs    where its blobs are read from
     */
    public record Opened(List<FamilyConfig> families, StoreLock lock, StoreState state, BlobFiles blobs) {
        /** Checks the components. */
        public Opened {
            families = List.copyOf(families);
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(blobs, "blobs");
        }
    }

    /**
     * {@return an empty store without files, as an in-memory store starts (and stays)}
     *
     * @param families the store's families
     * @throws IllegalArgumentException when {@code families} is empty
     */
    public static Opened inMemory(List<FamilyConfig> families) {
        if (families.isEmpty()) {
            throw new IllegalArgumentException("an in-memory store needs its families declared");
        }
        return new Opened(families, null, StoreState.EMPTY, BlobFiles.byName(null));
    }

    /**
     * Checks that {@code directory} holds a store, for an open that declares no families and so cannot create one.
     *
     * @param directory the store's directory
     * @throws NoSuchFileException when there is no {@code CURRENT} in {@code directory}
     */
    public static void requireStore(Path directory) throws NoSuchFileException {
        if (!Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            throw new NoSuchFileException(directory.toString(), null, "no TurboKV store here (create one with"
                    + " TurboKV.open(dir, config), declaring its families)");
        }
    }

    /**
     * Opens (creating it with {@code declared} when it has no {@code CURRENT}) the store in {@code directory} for
     * reading and writing.
     *
     * @param store    the store's directory, created when it does not exist, and its file operations
     * @param declared the families the caller declares; none to take the store's own
     * @return the store's families, its lock, its committed state and its blob files
     * @throws IOException as {@link io.turbokv.TurboKV#open(Path, io.turbokv.DbConfig)} describes
     */
    public static Opened openWritable(StoreDirectory store, List<FamilyConfig> declared) throws IOException {
        Path directory = store.directory();
        FileLayer files = store.files();
        if (!Files.isDirectory(directory)) {
            // only when missing: on an existing directory createDirectories first fails mkdir and builds and catches
            // a FileAlreadyExistsException: 7 % of a warm open's CPU (docs/perf/open-and-filter.md)
            Files.createDirectories(directory);
        }
        boolean create = !Files.exists(directory.resolve(StoreFileNames.CURRENT));
        if (create) {
            if (declared.isEmpty()) {
                throw new IllegalArgumentException("no store in " + directory + " to open, and the DbConfig"
                        + " declares no families to create one with");
            }
            refuseForeignFiles(directory); // before the lock file, so a refused directory is left as it was
        }
        StoreLock lock = StoreLock.acquire(directory);
        try {
            if (create && !Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
                // SCHEMA first: a store is one once CURRENT exists, and then its schema must be there
                SchemaFile.write(files, directory, StoreSchemas.of(declared));
                CurrentFile.write(files, directory, 0);
            }
            int committed = CurrentFile.read(directory);
            List<FamilyConfig> families = StoreSchemas.reconcile(directory, readSchema(directory), declared);
            DirectoryScan scan = DirectoryScan.scan(files, directory, committed, false);
            StoreState state = StateLoader.load(store, families.size(), scan.metaSeqs(), committed);
            return new Opened(families, lock, state, BlobFiles.byName(directory));
        } catch (IOException | RuntimeException | Error e) {
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Opens the store in {@code directory} for reading only, mapping every live SST and blob of the commit it
     * reads; retries when a writer's compaction deleted a file meanwhile.
     *
     * @param store    the store's directory and its file operations
     * @param declared the families the caller declares; none to take the store's own
     * @return the store's families, its committed state and its pinned blob files
     * @throws NoSuchFileException when the directory or its {@code CURRENT} does not exist
     */
    public static Opened openReadOnly(StoreDirectory store, List<FamilyConfig> declared) throws IOException {
        Path directory = store.directory();
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "no TurboKV store here");
        }
        if (!Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            throw new NoSuchFileException(directory.resolve(StoreFileNames.CURRENT).toString(), null,
                    "not a TurboKV store (no CURRENT)");
        }
        for (int attempt = 1;; attempt++) {
            int committed = CurrentFile.read(directory);
            try {
                return openReadOnlyAt(store, declared, committed);
            } catch (NoSuchFileException e) {
                // a writer deleted a file of that commit meanwhile: a newer commit replaced it, so read that one
                if (attempt >= READ_ONLY_OPEN_ATTEMPTS || CurrentFile.read(directory) == committed) {
                    throw e;
                }
            }
        }
    }

    private static Opened openReadOnlyAt(StoreDirectory store, List<FamilyConfig> declared, int committed)
            throws IOException {
        Path directory = store.directory();
        FileLayer files = store.files();
        List<FamilyConfig> families = StoreSchemas.reconcile(directory, readSchema(directory), declared);
        DirectoryScan scan = DirectoryScan.scan(files, directory, committed, true);
        StoreState state = StateLoader.load(store, families.size(), scan.metaSeqs(), committed);
        BlobFiles blobs = null;
        try {
            for (LiveMeta meta : state.metas()) {
                for (SstSlot slot : meta.ssts()) {
                    slot.reader(); // mapped now, so that a compaction of the writer cannot take it away
                }
            }
            blobs = BlobFiles.pinned(directory, scan.blobSeqs());
            return new Opened(families, null, state, blobs);
        } catch (IOException | RuntimeException | Error e) {
            state.unreachableIn(StoreState.EMPTY).forEach(StoreOpener::closeQuietly);
            if (blobs != null) {
                blobs.close();
            }
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            // the open failed already; this mapping is gone either way
        }
    }

    /** The store's schema; a store without one (it has {@code CURRENT}) is damaged. */
    private static StoreSchema readSchema(Path directory) throws IOException {
        try {
            return SchemaFile.read(directory);
        } catch (NoSuchFileException e) {
            throw new CorruptionException("the store has CURRENT but no SCHEMA: its families are unknown",
                    directory.resolve(StoreFileNames.SCHEMA), CorruptionException.NO_OFFSET, e);
        }
    }

    /**
     * A new store goes only into a directory that holds nothing but dot-files, a {@code LOG} and a {@code SCHEMA}
     * (a creation that crashed before its end; it is written again): numbered data files without {@code CURRENT}
     * would all be deleted as uncommitted leftovers of sequence 0, and any other file means the directory belongs
     * to something else.
     */
    private static void refuseForeignFiles(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            Optional<String> foreign = entries.map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".") && !StoreFileNames.isLog(name)
                            && !name.equals(StoreFileNames.SCHEMA))
                    .sorted().findFirst();
            if (foreign.isPresent() && foreign.get().matches("\\d+\\.(sst|meta|blob|del)")) {
                throw new CorruptionException("store has data files (e.g. " + foreign.get()
                        + ") but no CURRENT: refusing to initialise over them",
                        directory.resolve(StoreFileNames.CURRENT), CorruptionException.NO_OFFSET);
            }
            if (foreign.isPresent()) {
                throw new IOException("Cannot create a store in " + directory + ": it holds " + foreign.get()
                        + ", which TurboKV did not write (use an empty directory)");
            }
        }
    }
}
