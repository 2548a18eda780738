package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code turbokv bench} hands over to the bench module's {@code bench/run-comparison} of a source checkout: a
 * stand-in script records what it was given.
 */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void benchRunsTheCheckoutsRunComparisonWithItsOptionsAndReturnsItsExitCode() throws IOException {
        Path checkout = tmp.resolve("checkout");
        Path script = checkout.resolve("bench").resolve("run-comparison");
        Files.createDirectories(script.getParent());
        // Records its arguments, one a line, and its working directory, then exits with a code of its own.
        Files.writeString(script, """
                #!/bin/sh
                printf '%s\\n' "$@" > "$(dirname "$0")/args"
                pwd > "$(dirname "$0")/cwd"
                exit 3
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));

        CliRun run = CliRun.of("bench", "--root", checkout.toString(), "--full", "--entries", "5000", "--only",
                "Get.*", "--keep-data");

        assertEquals(3, run.exit(), run::toString);
        assertEquals(List.of("--full", "--entries", "5000", "--only", "Get.*", "--keep-data"),
                Files.readAllLines(script.resolveSibling("args")));
        assertEquals(checkout.toRealPath().toString(), Files.readString(script.resolveSibling("cwd")).strip());
    }

    @Test
    void benchWithNoOptionsPassesNone() throws IOException {
        Path checkout = tmp.resolve("checkout");
        Path script = checkout.resolve("bench").resolve("run-comparison");
        Files.createDirectories(script.getParent());
        Files.writeString(script, """
                #!/bin/sh
                echo "$#" > "$(dirname "$0")/count"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));

        CliRun run = CliRun.of("bench", "--root", checkout.toString());

        assertEquals(0, run.exit(), run::toString);
        assertEquals("0", Files.readString(script.resolveSibling("count")).strip());
    }

    @Test
    void benchOutsideASourceCheckoutFailsNamingTheMissingScript() {
        CliRun run = CliRun.of("bench", "--root", tmp.toString());

        assertEquals(TurboKvCli.EXIT_FAILURE, run.exit(), run::toString);
        assertEquals(1, run.errLines().length, run::toString);
        String line = run.errLines()[0];
        assertTrue(line.startsWith("turbokv bench: "), line);
        assertTrue(line.contains(tmp.resolve("bench").resolve("run-comparison").toString()), line);
        assertTrue(line.contains("source checkout"), line);
        assertEquals("", run.out());
    }
}
