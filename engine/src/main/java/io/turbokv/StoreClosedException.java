package io.turbokv;

import java.nio.file.Path;

/**
 * The store was closed: an operation on it, or on a {@link WriteBatch} or {@link ReadScope} it handed out, came
 * after {@link TurboKV#close()}. A batch that was still open when its store closed was rolled back by the close,
 * with the store's lock still held; nothing of a closed store touches the disk again.
 */
public final class StoreClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    /**
     * Reports that {@code what} was attempted on the closed store in {@code directory}.
     *
     * @param directory the store's directory ({@code null} for an in-memory store)
     * @param what      what was attempted, e.g. {@code "commit"}
     */
    public StoreClosedException(Path directory, String what) {
        super("store " + directory + " is closed: cannot " + what);
        this.directory = directory;
    }

    /** {@return the directory of the closed store ({@code null} for an in-memory store)} */
    public Path directory() {
        return directory;
    }
}
