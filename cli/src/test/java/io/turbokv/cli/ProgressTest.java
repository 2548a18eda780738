package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aBarIsRedrawnInPlaceWithPercentCountRateAndEta() {
        StringWriter text = new StringWriter();
        try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", 1000)) {
            bar.add(500); // the first update always draws
            bar.finish();
        }
        String out = text.toString();
        assertTrue(out.startsWith("\rload     [###############---------------]  50%  500/1,000 entries  "), out);
        assertTrue(Pattern.compile("ETA \\d+:\\d\\d").matcher(out).find(), out);
        assertTrue(Pattern.compile("\rload     500 entries in [0-9.]+ m?s \\([0-9.]+[kM]?/s\\) *"
                + System.lineSeparator() + "$").matcher(out).find(), out);
    }

    @Test
    void anUnknownTotalShowsCountAndRateOnly() {
        StringWriter text = new StringWriter();
        try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", -1)) {
            bar.add(7);
            bar.finish();
        }
        String out = text.toString();
        assertTrue(out.startsWith("\rload     7 entries  "), out);
        assertFalse(out.contains("%") || out.contains("ETA"), out);
    }

    @Test
    void plainModeWritesWholeLinesOnly() {
        StringWriter text = new StringWriter();
        try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.PLAIN, "read", 100)) {
            for (int i = 0; i < 100; i++) {
                bar.add(1);
            }
            bar.finish();
        }
        String out = text.toString();
        assertFalse(out.contains("\r"), out);
        assertTrue(out.endsWith(System.lineSeparator()), out);
        assertTrue(out.lines().toList().getLast().startsWith("read     100 entries in "), out);
    }

    @Test
    void aFailedStepPrintsNoSummaryAndEndsItsBarLine() {
        StringWriter text = new StringWriter();
        try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", 1000)) {
            bar.add(10);
        }
        String out = text.toString();
        assertTrue(out.startsWith("\rload     ["), out);
        assertTrue(Pattern.compile("ETA \\d+:\\d\\d *" + System.lineSeparator() + "$").matcher(out).find(), out);
        assertFalse(out.contains(" in "), "no summary: " + out);
        StringWriter plain = new StringWriter();
        try (Progress bar = new Progress(new PrintWriter(plain), Progress.Mode.PLAIN, "load", 1000)) {
            bar.add(10);
        }
        assertEquals("", plain.toString(), "nothing drawn, nothing to end");
    }

    @Test
    void autoIsPlainWhenNotOnATerminal() {
        Progress.Mode resolved = Progress.Mode.AUTO.resolve();
        assertNotEquals(Progress.Mode.AUTO, resolved);
        if (System.console() == null || !System.console().isTerminal()) {
            assertEquals(Progress.Mode.PLAIN, resolved);
        }
    }
}
