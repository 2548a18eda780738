package io.turbokv.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The scratch directory of one fuzz target: each execution writes its input to a file there and opens it, as the
 * store would open a file from its directory. One directory per target class, reused by every execution (the
 * fuzzer runs one input at a time) and removed when the JVM exits.
 */
final class FuzzFiles {
    private final Path directory;

    FuzzFiles(String target) {
        try {
            directory = Files.createTempDirectory("turbokv-fuzz-" + target + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        directory.toFile().deleteOnExit();
    }

    /** The scratch directory. */
    Path directory() {
        return directory;
    }

    /** Writes {@code bytes} as the file {@code name} in the scratch directory, replacing it; returns its path. */
    Path write(String name, byte[] bytes) {
        Path path = directory.resolve(name);
        try {
            Files.write(path, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fuzz input file " + path, e);
        }
        path.toFile().deleteOnExit();
        return path;
    }
}
