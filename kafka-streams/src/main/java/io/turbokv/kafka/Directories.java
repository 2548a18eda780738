package io.turbokv.kafka;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Renames and deletions of store directories that a crash cannot leave half done in a place a store opens: a
 * directory is renamed atomically out of the way before it is deleted file by file, and the rename is synced.
 */
final class Directories {
    private Directories() {}

    /** Renames {@code from} to {@code to} atomically and makes the rename durable (syncs the parent directory). */
    static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        sync(to.toAbsolutePath().getParent());
    }

    /** Syncs {@code directory}: its entries (files created or renamed in it) survive a power cut. */
    static void sync(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Deletes {@code directory} and everything in it; nothing when it does not exist. */
    static void deleteRecursively(Path directory) throws IOException {
        deleteRecursively(directory, Files::delete);
    }

    /** Deletes {@code directory} and everything in it, each file through {@code deleter}, the children first. */
    static void deleteRecursively(Path directory, FileDeleter deleter) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                deleter.delete(file);
            }
        } catch (NoSuchFileException gone) {
            // nothing to delete
        }
    }

    /** Deletes one file or empty directory. */
    @FunctionalInterface
    interface FileDeleter {
        /**
         * Deletes {@code file}, which exists.
         *
         * @throws IOException when it cannot
         */
        void delete(Path file) throws IOException;
    }
}
