package io.turbokv.cli;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Opening stores for the commands, with the errors a user can act on. */
final class Stores {
    private Stores() {}

    /**
     * Fails with one clear line unless {@code directory} holds a store.
     *
     * @throws CliException naming the directory and what is missing
     */
    static void requireStore(Path directory) {
        requireStore(directory, "");
    }

    /**
     * As {@link #requireStore(Path)}, with {@code hint} (e.g. how to create the store) after the message.
     *
     * @throws CliException naming the directory and what is missing
     */
    static void requireStore(Path directory, String hint) {
        requireNotAFile(directory);
        if (!Files.isDirectory(directory)) {
            throw new CliException("no TurboKV store at " + directory + ": the directory does not exist" + hint);
        }
        if (!Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            throw new CliException("no TurboKV store at " + directory + ": it has no " + StoreFileNames.CURRENT
                    + " file" + hint);
        }
    }

    /** Fails when {@code directory} names something other than a directory, such as a regular file. */
    static void requireNotAFile(Path directory) {
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new CliException(directory + " is a file, not a directory: a TurboKV store is a directory");
        }
    }

    /** Work on a store that may create it, such as a load: its exit code. */
    @FunctionalInterface
    interface StoreWork {
        int run() throws IOException;
    }

    /**
     * Runs {@code work}, which creates the store in {@code directory} when it holds none and closes it before it
     * returns. When {@code work} fails and the store did not exist before, removes what creating it left (the
     * directory too, when {@code work} created it), so that a failed command leaves no half-made store behind.
     *
     * @return what {@code work} returned
     */
    static int createOrUndo(Path directory, StoreWork work) throws IOException {
        boolean directoryExisted = Files.exists(directory);
        // only a missing or empty directory gets a new store (openWritable), so only then is there one to undo
        boolean undoable = !directoryExisted || isEmptyDirectory(directory);
        boolean success = false;
        try {
            int result = work.run();
            success = true;
            return result;
        } finally {
            if (!success && undoable && Files.isDirectory(directory)) {
                removeCreated(directory, directoryExisted);
            }
        }
    }

    private static boolean isEmptyDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        }
    }

    /**
     * Deletes everything in {@code directory}, and the directory unless it {@code existed}: a store this command
     * created, in a directory that was missing or empty before ({@link #openWritable} creates no store elsewhere).
     */
    private static void removeCreated(Path directory, boolean existed) throws IOException {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (existed && path.equals(directory)) {
                    continue;
                }
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Opens an existing store for reading. Takes no lock, so this works while another process writes to the store;
     * it sees the store as committed when it was opened.
     */
    static TurboKV openReadOnly(Path directory, DbConfig config) throws IOException {
        requireStore(directory);
        try {
            return TurboKV.openReadOnly(directory, config);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /**
     * Opens a store for writing, taking its lock.
     *
     * @param create whether a missing store is created (else it is an error); never in a directory that holds
     *               other files, which the engine would refuse only after writing its lock and {@code CURRENT} there
     */
    static TurboKV openWritable(Path directory, DbConfig config, boolean create) throws IOException {
        return openWritable(directory, config, create, "");
    }

    /**
     * As {@link #openWritable(Path, DbConfig, boolean)}; {@code hint} follows the message when there is no store
     * and {@code create} is false, e.g. {@code " (put --create creates one)"}.
     */
    static TurboKV openWritable(Path directory, DbConfig config, boolean create, String hint) throws IOException {
        requireNotAFile(directory);
        if (!create) {
            requireStore(directory, hint);
        } else if (Files.isDirectory(directory) && !Files.exists(directory.resolve(StoreFileNames.CURRENT))) {
            try (Stream<Path> entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    throw new CliException(directory + " is not empty and holds no TurboKV store (no "
                            + StoreFileNames.CURRENT + "): refusing to create a store there");
                }
            }
        }
        boolean creating = !Files.exists(directory.resolve(StoreFileNames.CURRENT));
        try {
            return TurboKV.open(directory, creating && config.families().isEmpty() ? DbConfig.singleFamily()
                    : config);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }
}
