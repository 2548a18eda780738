package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LargeBatchTest} with a {@link WriteBufferReserve}: two batches of five times a 64 MiB heap, in turn. */
class LargeBatchReserveTest {
    @TempDir
    Path dir;

    @Test
    void twoStoresWithBatchesFiveTimesTheHeapShareOneReserve() throws Exception {
        List<String> command = ChildJvm.command(64, LargeBatchReserveMain.class, dir.toString(), "320");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(10, TimeUnit.MINUTES), "child did not finish");
        System.out.println(output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("OK"), output);
    }
}
