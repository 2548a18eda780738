package io.turbokv;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Consistent copies of an open store, made while it serves reads and writes.
 *
 * <pre>{@code
 * CheckpointStats stats = Checkpoints.write(db, backupDir);
 * }</pre>
 */
public final class Checkpoints {
    private Checkpoints() {}

    /**
     * Writes a checkpoint of {@code db}: a consistent copy of the store as committed now, in {@code destination}, which opens as a
     * store of its own. The store's files are immutable, so the checkpoint hard-links them where the file system
     * allows (taking no space until the store deletes its names, at a later compaction) and copies them where it
     * does not (another file system); then it writes {@code SCHEMA} and, last, {@code CURRENT}, all synced. Writes
     * and compactions go on meanwhile: the checkpoint holds the state it copies, so compaction deletes none of its
     * files until it is done.
     *
     * <p>A read-only instance copies the state it opened, which a writer of another process does not know about:
     * if that writer deleted one of its files (a compaction) before the checkpoint opened it, this fails with
     * {@link NoSuchFileException}, and opening the store again gives a newer state to copy.
     *
     * @param db          the open store to copy
     * @param destination a directory that does not exist yet (it is created, with its parents) or is empty, not
     *                    inside the store's directory
     * @return the committed sequence number copied, and how many files were linked and copied
     * @throws FileAlreadyExistsException when {@code destination} exists and is not an empty directory
     * @throws IllegalArgumentException   when {@code destination} is inside the store's directory
     * @throws IllegalStateException      for an in-memory store, which has no files
     * @throws StoreClosedException       when the store is closed
     * @throws IOException                when reading or writing fails; the destination is then left as it was
     */
    public static CheckpointStats write(TurboKV db, Path destination) throws IOException {
        Objects.requireNonNull(destination, "destination");
        return db.core().checkpoint(db.config().fileLayer(), destination);
    }
}
