package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DoctorCommandTest {
    @TempDir
    Path dir;

    @Test
    void doctorReportsJdkNativeAccessPageSizeAndAVerifiedMapping() {
        StringWriter out = new StringWriter();
        CommandLine cli = TurboKvCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("doctor", "--dir", dir.toString());
        String text = out.toString();
        assertEquals(0, exit, text);
        assertTrue(text.contains("java ") && text.contains(Runtime.version().toString()), text);
        assertTrue(text.contains("native access  enabled"), text);
        assertTrue(text.contains("page size"), text);
        assertTrue(text.contains("contents verified"), text);
        assertTrue(text.contains("result         OK"), text);
    }

    @Test
    void missingCommandIsAUsageError() {
        CommandLine cli = TurboKvCli.newCommandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute());
    }
}
