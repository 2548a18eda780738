package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write batch holds its entries off-heap and spills them to SSTs while it fills, so a batch several times the
 * heap commits: a child JVM with a 64 MiB heap writes 320 MiB in one batch (1 GiB behind {@code -Pstress}).
 */
class LargeBatchTest {
    @TempDir
    Path dir;

    private String runChild(int heapMiB, int dataMiB) throws IOException, InterruptedException {
        List<String> command =
                ChildJvm.command(heapMiB, LargeBatchMain.class, dir.toString(), Integer.toString(dataMiB));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "child did not finish");
        assertEquals(0, child.exitValue(), output);
        return output;
    }

    private long storeBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".sst")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void batchFiveTimesTheHeapCommits() throws Exception {
        String output = runChild(64, 320);
        assertTrue(output.startsWith("OK"), output);
        assertTrue(storeBytes() > 320L << 20, "SST bytes: " + storeBytes());
    }

    @Test
    @Tag("stress")
    void batchOfOneGibibyteCommitsWithA64MiBHeap() throws Exception {
        String output = runChild(64, 1024);
        assertTrue(output.startsWith("OK"), output);
    }
}
