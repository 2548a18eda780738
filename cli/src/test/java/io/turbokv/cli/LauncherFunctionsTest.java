package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's shell functions ({@code scripts/launcher-functions.sh}) in a copy of the checkout's layout, with a
 * fake {@code mvnw} and a fake JDK: what the user sees while the jar builds, and the start-up cache.
 */
class LauncherFunctionsTest {
    @TempDir
    Path root;

    private Path bash;

    @BeforeEach
    void layout() throws IOException {
        bash = Stream.of("/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(bash != null, "bash is missing: the launcher functions are bash");
        Path functions = repositoryRoot().resolve("scripts/launcher-functions.sh");
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(functions, root.resolve("scripts/launcher-functions.sh"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.createDirectories(root.resolve("mod/src/main"));
        Files.writeString(root.resolve("mod/pom.xml"), "<project/>");
        Files.writeString(root.resolve("mod/src/main/A.java"), "class A {}");
        // a Maven that prints what the real one prints around the lines the launcher shows, then makes the jar
        executable(root.resolve("mvnw"), """
                #!/bin/bash
                echo "[INFO] Scanning for projects..."
                echo "[INFO] Building TurboKV 0.1.0-SNAPSHOT                                 [1/2]"
                echo "[INFO] Downloading something"
                echo "[INFO] Building TurboKV engine 0.1.0-SNAPSHOT                          [2/2]"
                if [ -n "${FAKE_FAIL:-}" ]; then echo "[ERROR] COMPILATION ERROR: A.java:[1,1] boom"; exit 1; fi
                mkdir -p mod/target && echo jar > mod/target/x.jar
                """);
        Files.createDirectories(root.resolve("jdk/bin"));
        Files.writeString(root.resolve("jdk/release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"25.0.1\"\n");
        // a java that makes the -XX:AOTCacheOutput file and records its arguments
        executable(root.resolve("jdk/bin/java"), """
                #!/bin/bash
                echo "$@" >> "$(dirname "$0")/../calls"
                [ -n "${FAKE_FAIL:-}" ] && exit 1
                for arg in "$@"; do
                  case "$arg" in -XX:AOTCacheOutput=*) echo cache > "${arg#-XX:AOTCacheOutput=}";; esac
                done
                """);
    }

    private record Run(int exit, String out, String err) {}

    private Run run(String script, Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(bash.toString(), "-c", "set -euo pipefail; . scripts/launcher-"
                + "functions.sh; jdk=\"$PWD/jdk\"; " + script).directory(root.toFile());
        builder.environment().remove("TURBOKV_NO_START_CACHE");
        builder.environment().putAll(environment);
        Path out = root.resolve("out.txt");
        Path err = root.resolve("err.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aBuildSaysItIsBuildingNamesEachModuleAndHowLongItTook() throws Exception {
        Run build = run("build_if_stale turbokv \"$PWD/mod/target/x.jar\" mod; echo ran", Map.of());
        assertEquals(0, build.exit(), build::toString);
        assertEquals("ran\n", build.out());
        List<String> lines = build.err().lines().toList();
        assertTrue(lines.get(0).startsWith("turbokv: building mod/target/x.jar with Maven (first run or changed"
                + " sources): about a minute or two"), build.err());
        assertEquals(List.of("turbokv:   TurboKV 0.1.0-SNAPSHOT [1/2]",
                "turbokv:   TurboKV engine 0.1.0-SNAPSHOT [2/2]"), lines.subList(1, 3), build.err());
        assertTrue(lines.get(3).matches("turbokv: built in \\d+ s"), build.err());
        assertEquals(4, lines.size(), build.err());
        Run fresh = run("build_if_stale turbokv \"$PWD/mod/target/x.jar\" mod; echo ran", Map.of());
        assertEquals("", fresh.err(), "a fresh jar is not rebuilt");
    }

    @Test
    void aFailedBuildShowsMavensErrorsAndExits() throws Exception {
        Run build = run("build_if_stale turbokv \"$PWD/mod/target/x.jar\" mod; echo ran", Map.of("FAKE_FAIL", "1"));
        assertEquals(1, build.exit(), build::toString);
        assertEquals("", build.out(), "the script stopped");
        assertTrue(build.err().contains("turbokv: build failed; Maven's last lines (all of it: ./mvnw -B -ntp"
                + " -Dmaven.test.skip=true -pl mod -am package):\n[ERROR] COMPILATION ERROR: A.java:[1,1] boom"),
                build.err());
    }

    @Test
    void theStartCacheIsMadeOncePerJarAndUsedAfterwards() throws Exception {
        Files.createDirectories(root.resolve("mod/target"));
        Files.writeString(root.resolve("mod/target/x.jar"), "jar");
        String prepare = "prepare_start_cache turbokv \"$PWD/mod/target/x.jar\" \"$PWD/mod/target/x.aot\" train;"
                + " printf '%s\\n' \"${start_cache_flags[@]}\"";
        Run first = run(prepare, Map.of());
        assertEquals(0, first.exit(), first::toString);
        assertEquals("turbokv: preparing the start-up cache mod/target/x.aot (once per build, some seconds)...\n",
                first.err());
        String cache = root.resolve("mod/target/x.aot").toString();
        assertEquals("-XX:AOTCache=" + cache + "\n-Xlog:aot*=off\n", first.out());
        String call = Files.readString(root.resolve("jdk/calls"));
        assertTrue(call.contains("-Xlog:aot*=off -XX:AOTCacheOutput=" + cache + "."), call);
        assertTrue(call.strip().endsWith("-jar " + root.resolve("mod/target/x.jar") + " train"), call);

        Run second = run(prepare, Map.of());
        assertEquals("", second.err(), "a cache newer than the jar is used as it is");
        assertEquals(first.out(), second.out());
        assertEquals(1, Files.readAllLines(root.resolve("jdk/calls")).size());

        Files.setLastModifiedTime(root.resolve("mod/target/x.jar"), FileTime.from(Instant.now().plusSeconds(5)));
        assertTrue(run(prepare, Map.of()).err().contains("preparing the start-up cache"), "a newer jar retrains");

        Run off = run(prepare, Map.of("TURBOKV_NO_START_CACHE", "1"));
        assertEquals("\n", off.out(), "no flags");
    }

    @Test
    void noStartCacheWhenTrainingFailsOrTheJdkIsOlder() throws Exception {
        Files.createDirectories(root.resolve("mod/target"));
        Files.writeString(root.resolve("mod/target/x.jar"), "jar");
        String prepare = "prepare_start_cache turbokv \"$PWD/mod/target/x.jar\" \"$PWD/mod/target/x.aot\" train;"
                + " echo \"flags=${#start_cache_flags[@]}\"";
        Run failed = run(prepare, Map.of("FAKE_FAIL", "1"));
        assertEquals(0, failed.exit(), failed::toString);
        assertEquals("flags=0\n", failed.out());
        assertTrue(failed.err().endsWith("turbokv: could not make the start-up cache; starting without it\n"),
                failed.err());
        try (Stream<Path> files = Files.list(root.resolve("mod/target"))) {
            assertEquals(List.of("x.jar"), files.map(p -> p.getFileName().toString()).toList());
        }
        Files.writeString(root.resolve("jdk/release"), "JAVA_VERSION=\"24.0.2\"\n");
        Run older = run(prepare, Map.of());
        assertEquals("flags=0\n", older.out());
        assertEquals("", older.err());
        assertFalse(Files.exists(root.resolve("mod/target/x.aot")));
    }

    @Test
    void findJdkPrefersTurbokvJavaHomeWhenNewEnough() throws Exception {
        Run found = run("TURBOKV_JAVA_HOME=\"$PWD/jdk\" find_jdk", Map.of());
        assertEquals(root.resolve("jdk").toString(), found.out());
        Files.writeString(root.resolve("jdk/release"), "JAVA_VERSION=\"21.0.2\"\n");
        Run tooOld = run("TURBOKV_JAVA_HOME=\"$PWD/jdk\" find_jdk", Map.of());
        assertFalse(tooOld.out().equals(root.resolve("jdk").toString()), "a JDK 21 is passed over");
    }

    private static void executable(Path path, String text) throws IOException {
        Files.writeString(path, text);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/launcher-functions.sh"))) {
                return dir;
            }
        }
        throw new AssertionError("no scripts/launcher-functions.sh above " + Path.of("").toAbsolutePath());
    }
}
