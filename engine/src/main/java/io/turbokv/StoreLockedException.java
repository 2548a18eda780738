package io.turbokv;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Another writer holds the store's lock: a second writable open of the same directory, from this JVM or another
 * process, fails at once with this. Open the store read-only, or close the other instance first.
 */
public final class StoreLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    /**
     * Reports that the store in {@code directory} is locked by another writer.
     *
     * @param directory the locked store's directory
     * @param lockFile  the name of the lock file held
     */
    public StoreLockedException(Path directory, String lockFile) {
        super("Store " + directory + " is locked by another writer (held on " + lockFile
                + "); open it read-only or close the other instance first");
        this.directory = directory;
    }

    /** {@return the locked store's directory} */
    public Path directory() {
        return directory;
    }
}
