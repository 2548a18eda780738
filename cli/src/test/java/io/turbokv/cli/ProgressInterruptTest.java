package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C during a step with a bar: the bar's line is ended, so the shell's prompt starts a line of its own. */
class ProgressInterruptTest {
    @TempDir
    Path tmp;

    @Test
    void anInterruptedLoadEndsTheBarsLine() throws IOException, InterruptedException {
        Path out = tmp.resolve("stdout");
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                TurboKvCli.class.getName(), "load", tmp.resolve("s").toString(), "--entries", "2000000000",
                "--progress", "bar"))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("COLUMNS", "80");
        Process load = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(out).contains("[") && System.nanoTime() < deadline && load.isAlive()) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(out).contains("["), "no bar drawn: " + Files.readString(out));
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(load.pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
            assertTrue(load.waitFor(30, TimeUnit.SECONDS), "the load did not stop on SIGINT");
        } finally {
            load.destroyForcibly();
        }
        String drawn = Files.readString(out);
        assertTrue(drawn.endsWith(System.lineSeparator()), "the bar's line is not ended: '" + drawn + "'");
        for (String line : drawn.split("\r")) {
            assertTrue(line.strip().length() < 80, "wider than the terminal: '" + line + "'");
        }
    }
}
