package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the {@code turbokv} launcher script at the repository root as a user would: it finds a JDK 25+, builds the
 * jar when it is missing or stale, and runs it with {@code jdk-flags.txt}.
 *
 * <p>An integration test (failsafe, after {@code package}): run among the unit tests it found the jar missing and
 * rebuilt the modules with Maven while the test JVM had their jars open, which can make class loading fail in the
 * tests after it. After {@code package} the jar is fresh and the launcher just runs it.
 */
class LauncherIT {
    @TempDir
    Path tmp;

    @Test
    void theLauncherRunsTheDemoAndAGetWithoutJvmWarnings() throws IOException, InterruptedException {
        Path bash = Stream.of("/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(bash != null, "bash is missing (looked in /bin, /usr/bin, /usr/local/bin): the turbokv launcher"
                + " is a bash script, so it cannot run here");
        Path root = repositoryRoot();
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process process = new ProcessBuilder(List.of(bash.toString(), root.resolve("turbokv").toString(), "demo",
                "--entries", "10000", "--progress", "plain", tmp.resolve("store").toString()))
                .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        // The first run may build the jar with Maven: allow for that on a slow machine.
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("./turbokv demo did not finish in 10 minutes; stderr: " + Files.readString(err));
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        String report = "stdout:\n" + stdout + "stderr:\n" + stderr;
        assertEquals(0, process.exitValue(), report);
        assertTrue(stdout.contains("all 10,000 values read back are correct"), report);
        assertTrue(Files.exists(tmp.resolve("store").resolve("CURRENT")), report);
        assertTrue(stderr.lines().noneMatch(line -> line.contains("WARNING")), report);
        assertTrue(Files.isRegularFile(root.resolve("cli/target/turbokv.aot")), "the start-up cache: " + report);

        // a second start uses the cache as it is, silently
        Process get = new ProcessBuilder(List.of(bash.toString(), root.resolve("turbokv").toString(), "get",
                tmp.resolve("store").toString(), "k0000000000042"))
                .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(get.waitFor(2, TimeUnit.MINUTES), "./turbokv get did not finish in 2 minutes");
        String getReport = "stdout:\n" + Files.readString(out) + "stderr:\n" + Files.readString(err);
        assertEquals(0, get.exitValue(), getReport);
        assertTrue(Files.readString(out).startsWith("42:"), getReport);
        assertEquals("", Files.readString(err), getReport);
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("turbokv")) && Files.isRegularFile(dir.resolve("jdk-flags.txt"))) {
                return dir;
            }
        }
        throw new AssertionError("no turbokv launcher above " + Path.of("").toAbsolutePath());
    }
}
