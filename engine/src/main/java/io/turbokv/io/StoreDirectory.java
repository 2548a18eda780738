package io.turbokv.io;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A store's directory as the write path sees it: where its files are ({@link #path(StoreFileNames.Kind, int)}
 * names each numbered file) and the {@link FileLayer} every create, sync, rename and delete goes through. One value
 * instead of a {@code (FileLayer, Path)} pair handed from class to class.
 *
 * @param directory the store's directory
 * @param files     the layer its writes go through
 */
public record StoreDirectory(Path directory, FileLayer files) {
    /** Checks the components. */
    public StoreDirectory {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(files, "files");
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
