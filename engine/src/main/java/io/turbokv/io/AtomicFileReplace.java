package io.turbokv.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Replaces a whole file durably and atomically: the bytes go to the dot-file {@code .NAME.tmp}, which is synced
 * and renamed over {@code NAME}, then the directory is synced. A crash at any point leaves either the old or the
 * new file, never a torn one; a leftover temp file is a dot-file, which every open ignores, and the next replace
 * deletes it first.
 */
final class AtomicFileReplace {
    private AtomicFileReplace() {}

    /** Replaces {@code directory/name} with {@code bytes} (see the class comment). */
    static void replace(FileLayer files, Path directory, String name, MemorySegment bytes) throws IOException {
        Path temp = directory.resolve("." + name + ".tmp");
        files.delete(temp);
        try (WritableFile file = files.create(temp)) {
            file.write(bytes);
            file.sync();
        }
        files.rename(temp, directory.resolve(name));
        files.syncDirectory(directory);
    }
}
