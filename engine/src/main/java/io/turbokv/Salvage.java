package io.turbokv;

import io.turbokv.salvage.SalvageCopy;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Recovery of what is intact in a damaged store, which {@link TurboKV#open} refuses: every entry that still
 * verifies is copied into a new store.
 *
 * <pre>{@code
 * SalvageReport report = Salvage.copy(damaged, fresh, DbConfig.storeDefined());
 * report.damage().forEach(System.err::println);
 * }</pre>
 */
public final class Salvage {
    private Salvage() {}

    /**
     * Copies every entry that still verifies out of the damaged store in {@code source} into a new store in
     * {@code destination}, and reports what it could not read. It reads what is left file by file and block by
     * block, each block's checksum verified before it is decoded: a damaged meta file loses its SSTs, a damaged SST
     * block its entries, a damaged blob its value, and every loss is a line of the report. Each SST is written to
     * the new store as a batch of its own, oldest first, so the copy answers reads as the source did, except that a
     * lost newer entry lets an older value of its key show again (the report says where that can happen). The new
     * store is fully compacted at the end.
     *
     * <p>The source is only read, without its lock: nothing may write it meanwhile.
     *
     * @param source      the damaged store's directory
     * @param destination a directory that does not exist yet or is empty, for the new store
     * @param config      the families to create the new store with when the source's {@code SCHEMA} is damaged or
     *                    missing; {@link DbConfig#storeDefined()} to take the source's (declared ones must match a
     *                    readable {@code SCHEMA}); also the new store's cache sizes
     * @return how many entries were copied and lost, and one line per loss
     * @throws NoSuchFileException        when {@code source} holds no {@code CURRENT}
     * @throws FileAlreadyExistsException when {@code destination} exists and is not an empty directory
     * @throws IllegalArgumentException   when the source's {@code SCHEMA} cannot be read and {@code config}
     *                                    declares no families, or declares others
     * @throws IOException                when reading fails for another reason than damage, or writing the new
     *                                    store fails
     */
    public static SalvageReport copy(Path source, Path destination, DbConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        List<FamilyConfig> families = SalvageCopy.families(source, destination, config.families());
        try (TurboKV copy = TurboKV.open(destination, config.withFamilies(families))) {
            return SalvageCopy.copy(source, families, copy.core().writer("salvage"));
        }
    }
}
