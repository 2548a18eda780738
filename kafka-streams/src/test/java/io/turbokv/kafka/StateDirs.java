package io.turbokv.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
