package io.turbokv.kafka;

import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.KeyOrder;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a store's TurboKV directory, rewriting it first when an earlier build created it with a hash-ordered data
 * family: the stores now need their data family key-ordered (for their ordered reads), and the engine refuses to
 * open a family in another order than it was created with. The rewrite copies every family, the store's position,
 * changelog offsets and commit records included, into a new directory in one write batch, so the store reports the
 * same offsets of the same data after it, and nothing has to be restored from the changelog.
 *
 * <p>Directories, next to the store's {@code <dir>}: {@code <dir>.ordering} receives the copy;
 * once it is committed and closed, {@code <dir>} is renamed {@code <dir>.hash-ordered}, {@code <dir>.ordering}
 * renamed {@code <dir>}, and {@code <dir>.hash-ordered} deleted. A crash at any step leaves either the old store
 * (and maybe a partial copy, deleted at the next open, which copies again) or the complete copy (renamed into place
 * at the next open): {@link #open} finishes or undoes what it finds first.
 */
final class OrderMigration {
    /** The suffix of the directory the copy is written into. */
    static final String COPY_SUFFIX = ".ordering";
    /** The suffix of the old store's directory once the copy replaced it, until it is deleted. */
    static final String OLD_SUFFIX = ".hash-ordered";
    /** Caches of the read-only open of the old store: it is read once, front to back. */
    private static final long COPY_CACHE_BYTES = 1L << 20;

    private OrderMigration() {}

    /**
     * Opens the store in {@code directory} with {@code config} (whose family 0 is key-ordered), rewriting it first
     * when it holds the same families with family 0 hash-ordered (see the class comment).
     *
     * @throws IllegalArgumentException when the store holds other families than {@code config} declares, in an
     *                                  order this class does not rewrite
     * @throws IOException              when a file cannot be read or written
     */
    static TurboKV open(Path directory, DbConfig config) throws IOException {
        finishInterrupted(directory);
        try {
            return TurboKV.open(directory, config);
        } catch (IllegalArgumentException refused) {
            if (!hashOrderedBefore(directory, config)) {
                throw refused;
            }
        }
        rewrite(directory, config);
        return TurboKV.open(directory, config);
    }

    /** Completes a rewrite that copied everything before a crash, or drops one that did not. */
    private static void finishInterrupted(Path directory) throws IOException {
        Path copy = sibling(directory, COPY_SUFFIX);
        Path old = sibling(directory, OLD_SUFFIX);
        if (Files.exists(old)) {
            if (!Files.exists(directory)) {
                Directories.move(copy, directory); // the copy was complete: the old store was renamed only after it
            }
            Directories.deleteRecursively(old);
        }
        Directories.deleteRecursively(copy);
    }

    /** Whether the store holds {@code config}'s families but for family 0, which it holds hash-ordered. */
    private static boolean hashOrderedBefore(Path directory, DbConfig config) throws IOException {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        List<FamilyConfig> expected = new ArrayList<>(config.families());
        FamilyConfig data = expected.getFirst();
        expected.set(0, new FamilyConfig(data.name(), data.kind(), KeyOrder.HASH));
        try (TurboKV old = TurboKV.openReadOnly(directory, readOnce())) {
            return old.config().families().equals(expected);
        }
    }

    private static void rewrite(Path directory, DbConfig config) throws IOException {
        Path copy = sibling(directory, COPY_SUFFIX);
        try (TurboKV old = TurboKV.openReadOnly(directory, readOnce());
             TurboKV rewritten = TurboKV.open(copy, config);
             WriteBatch batch = rewritten.writeBatch()) {
            for (int family = 0; family < config.families().size(); family++) {
                int target = family;
                old.forEach(family, (key, value) -> batch.put(target, key, value));
            }
            batch.commit();
        }
        // the copy may have been written without fsync (a changelogged store's NO_SYNC): it must be on disk before
        // the old store, until now the only durable copy, is renamed away and deleted
        Directories.syncFilesAndDirectory(copy);
        Path old = sibling(directory, OLD_SUFFIX);
        Directories.move(directory, old);
        Directories.move(copy, directory);
        Directories.deleteRecursively(old);
    }

    private static DbConfig readOnce() {
        return DbConfig.builder().keyBlockCacheBytes(COPY_CACHE_BYTES).valueBlockCacheBytes(COPY_CACHE_BYTES).build();
    }

    private static Path sibling(Path directory, String suffix) {
        return directory.resolveSibling(directory.getFileName() + suffix);
    }
}
