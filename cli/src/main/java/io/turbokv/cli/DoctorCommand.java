package io.turbokv.cli;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.turbokv.ffm.Advice;
import io.turbokv.ffm.LibC;
import io.turbokv.ffm.MappedFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv doctor}: checks that this JVM can run TurboKV well. Prints the JDK, whether native access is
 * granted, the page size, and maps and advises a real file; exits 1 when something a store needs is missing.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the JVM and the OS: JDK, native access, page size, mmap + madvise of a real file.")
final class DoctorCommand implements Callable<Integer> {
    private static final int PROBE_BYTES = 1 << 20;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", description = "Where to write the probe file (default: the system temp directory).")
    private Path dir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean healthy = true;
        Runtime.Version version = Runtime.version();
        row(out, "java", version + " (" + System.getProperty("java.vendor") + ")");
        row(out, "java.home", System.getProperty("java.home"));
        row(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        if (version.feature() < 22) {
            row(out, "jdk check", "FAIL: TurboKV needs JDK 22 or newer");
            healthy = false;
        }
        boolean nativeAccess = LibC.isNativeAccessEnabled();
        row(out, "native access", nativeAccess ? "enabled" : "DISABLED: run java with --enable-native-access"
                + "=ALL-UNNAMED (see jdk-flags.txt)");
        healthy &= nativeAccess;
        row(out, "madvise", LibC.isMadviseAvailable() ? "available" : "unavailable (advice is skipped)");
        row(out, "page size", LibC.pageSize() + " bytes");
        healthy &= probeMapping(out);
        row(out, "result", healthy ? "OK" : "PROBLEMS FOUND");
        out.flush();
        return healthy ? 0 : 1;
    }

    private boolean probeMapping(PrintWriter out) throws IOException {
        Path probeDir = Files.createTempDirectory(dir == null ? Path.of(System.getProperty("java.io.tmpdir")) : dir,
                "turbokv-doctor-");
        Path probe = probeDir.resolve("probe.bin");
        try {
            byte[] bytes = new byte[PROBE_BYTES];
            new Random(1).nextBytes(bytes);
            Files.write(probe, bytes);
            CRC32 written = new CRC32();
            written.update(bytes);
            try (MappedFile mapped = MappedFile.openReadOnly(probe)) {
                StringBuilder advised = new StringBuilder();
                for (Advice advice : new Advice[] {Advice.RANDOM, Advice.SEQUENTIAL, Advice.WILLNEED,
                        Advice.DONTNEED, Advice.NORMAL}) {
                    mapped.advise(advice);
                    advised.append(advised.isEmpty() ? "" : " ").append(advice.name());
                }
                MemorySegment segment = mapped.segment();
                CRC32 read = new CRC32();
                read.update(segment.asByteBuffer());
                boolean same = read.getValue() == written.getValue()
                        && segment.get(JAVA_BYTE, PROBE_BYTES - 1) == bytes[PROBE_BYTES - 1];
                row(out, "mmap", "mapped " + probe + " (" + PROBE_BYTES + " bytes): "
                        + (same ? "contents verified" : "CONTENTS DIFFER"));
                row(out, "madvise probe", "ok: " + advised);
                return same;
            }
        } finally {
            Files.deleteIfExists(probe);
            Files.deleteIfExists(probeDir);
        }
    }

    private static void row(PrintWriter out, String name, String value) {
        out.printf(Locale.ROOT, "%-14s %s%n", name, value);
    }
}
