package io.turbokv.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary state directories in memory ({@code /dev/shm}) when the machine has it: TopologyTestDriver commits after
 * every record, and a TurboKV commit fsyncs its files, which on a disk costs milliseconds that tell nothing about
 * the store's semantics.
 */
public final class StateDirs implements TempDirFactory {
    private static final Path SHM = Path.of("/dev/shm");

    /** Creates the factory; JUnit calls this. */
    public StateDirs() {}

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        return Files.isDirectory(SHM) && Files.isWritable(SHM)
                ? Files.createTempDirectory(SHM, "turbokv-kafka-")
                : Files.createTempDirectory("turbokv-kafka-");
    }

    /**
     * Copies the store directory {@code from} into {@code to}: what a crash of the process would leave on disk at
     * this moment (a store's written commits are on disk when they return, without fsync, which only a power cut
     * would need).
     *
     * @return {@code to}
     */
    static Path crashImage(Path from, Path to) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                return copyOnce(from, to);
            } catch (java.nio.file.NoSuchFileException e) {
                // a background compaction deleted a file it replaced between the listing and its copy: the image
                // would miss the file's replacement, which a crash at one instant would not; copy again
                if (attempt == 20) {
                    throw e;
                }
                if (Files.exists(to)) {
                    try (Stream<Path> copied = Files.walk(to)) {
                        for (Path file : copied.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(file);
                        }
                    }
                }
            }
        }
    }

    private static Path copyOnce(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        return to;
    }
}
