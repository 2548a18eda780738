package io.turbokv.salvage;

import io.turbokv.CompactConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.SalvageReport;
import io.turbokv.io.StoreFileNames;
import io.turbokv.write.OpenBatch;
import io.turbokv.write.StoreWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A salvage into a new store: what {@link StoreSalvage} reads out of the damaged one is written through the new
 * store's {@link StoreWriter}, each SST as a batch of its own, oldest first, and the new store is fully compacted at
 * the end.
 */
public final class SalvageCopy {
    private SalvageCopy() {}

    /**
     * Checks that {@code source} holds a store and that {@code destination} can receive a new one, and returns the
     * families both will have ({@link StoreSalvage#families}).
     *
     * @param source      the damaged store's directory
     * @param destination the new store's directory
     * @param declared    the families the caller declares, or none to take the source's
     * @return the families, in index order
     * @throws NoSuchFileException        when {@code source} holds no {@code CURRENT}
     * @throws FileAlreadyExistsException when {@code destination} exists and is not an empty directory
     * @throws IllegalArgumentException   as {@link StoreSalvage#families}
     * @throws IOException                when listing {@code destination} or reading the {@code SCHEMA} fails
     */
    public static List<FamilyConfig> families(Path source, Path destination, List<FamilyConfig> declared)
            throws IOException {
        if (!Files.exists(source.resolve(StoreFileNames.CURRENT))) {
            throw new NoSuchFileException(source.toString(), null, "no TurboKV store here (no CURRENT)");
        }
        if (Files.exists(destination)) {
            try (var entries = Files.list(destination)) {
                if (entries.findAny().isPresent()) {
                    throw new FileAlreadyExistsException(destination.toString(), null,
                            "not empty: a salvage writes a new store");
                }
            }
        }
        return StoreSalvage.families(source, declared);
    }

    /**
     * Copies every entry that verifies out of {@code source} into the store {@code writer} writes, then compacts it
     * fully.
     *
     * @param source   the damaged store's directory
     * @param families the families of both stores ({@link #families})
     * @param writer   the write side of the new, empty store
     * @return how many entries were copied and lost, and one line per loss
     * @throws IOException when reading fails for another reason than damage, or writing the new store fails
     */
    public static SalvageReport copy(Path source, List<FamilyConfig> families, StoreWriter writer)
            throws IOException {
        // a batch left open by a failure is rolled back by the new store's close
        SalvageReport report = StoreSalvage.copy(source, families, new BatchPerSst(writer));
        writer.compact(CompactConfig.full(), false);
        return report;
    }

    /** Writes each SST's entries as one batch. */
    private static final class BatchPerSst implements StoreSalvage.Sink {
        private final StoreWriter writer;
        private OpenBatch batch;
        private int family;

        BatchPerSst(StoreWriter writer) {
            this.writer = writer;
        }

        @Override
        public void beginSst(int index) {
            batch = writer.startBatch(new Throwable("salvage batch created here"));
            family = index;
        }

        @Override
        public void put(MemorySegment key, MemorySegment value) throws IOException {
            batch.put(family, key, value);
        }

        @Override
        public void delete(MemorySegment key) {
            batch.delete(family, key);
        }

        @Override
        public void endSst() throws IOException {
            try {
                batch.commit();
            } finally {
                batch.close();
            }
        }
    }
}
