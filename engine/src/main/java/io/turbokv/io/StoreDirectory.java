package io.turbokv.io;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A store's directory as the write path sees it: where its files are ({@link #path(StoreFileNames.Kind, int)}
 * names each numbered file) and the {@link FileLayer} every create, sync, rename and delete goes through. One value
 * instead of a {@code (FileLayer, Path)} pair handed from class to class.
 *
 * @param directory  the store's directory
 * @param files      the layer its writes go through
 * @param metaCopies the bytes of meta files the store may hold read into memory, shared by its open, commits and
 *                   compactions
 */
public record StoreDirectory(Path directory, FileLayer files, MetaCopyBudget metaCopies) {
    /** Checks the components. */
    public StoreDirectory {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(metaCopies, "metaCopies");
    }

    /**
     * A store directory with a meta copy budget of its own, of {@link MetaCopyBudget#DEFAULT_BYTES}.
     *
     * @param directory the store's directory
     * @param files     the layer its writes go through
     */
    public StoreDirectory(Path directory, FileLayer files) {
        this(directory, files, new MetaCopyBudget(MetaCopyBudget.DEFAULT_BYTES));
    }

    /**
     * {@return the path of the numbered file {@code seq} of {@code kind}}
     *
     * @param kind the file's kind
     * @param seq  its sequence number
     */
    public Path path(StoreFileNames.Kind kind, int seq) {
        return StoreFileNames.path(directory, kind, seq);
    }
}
