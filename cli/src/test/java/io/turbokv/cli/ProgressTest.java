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
        try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", 1000, 120)) {
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
    void theBarNeverReachesTheLastColumnOfTheTerminal() {
        for (int columns : new int[] {200, 100, 80, 60, 40, 24, 12}) {
            for (long total : new long[] {1_000_000L, -1}) {
                StringWriter text = new StringWriter();
                try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", total, columns)) {
                    bar.add(500_000L);
                }
                String out = text.toString();
                for (String drawn : out.split("\r")) {
                    assertTrue(drawn.strip().length() <= columns - 1, columns + " columns: '" + drawn + "'");
                }
                if (total > 0 && columns >= 100) { // a test's rate is absurdly long: room for the bar at 100
                    assertTrue(out.contains("[###"), columns + " columns: " + out);
                    assertTrue(out.contains("50%  500,000/1,000,000 entries  "), out);
                    assertTrue(out.contains("ETA "), out);
                }
                if (total > 0 && columns >= 24) {
                    assertTrue(out.contains(" 50%"), "the percentage stays: " + out);
                }
            }
        }
    }

    @Test
    void theBarIsThirtyColumnsAtMostOnAWideTerminal() {
        StringWriter text = new StringWriter();
        try (Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", 100, 300)) {
            bar.add(100);
        }
        assertTrue(text.toString().startsWith("\rload     [" + "#".repeat(30) + "] 100%  100/100 entries  "),
                text.toString());
    }

    @Test
    void shutdownEndsTheBarsLine() {
        StringWriter text = new StringWriter();
        Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, "load", 1000, 80);
        try {
            bar.add(10);
            bar.endLineOnShutdown(); // what Ctrl-C runs
            assertTrue(text.toString().endsWith(System.lineSeparator()), text.toString());
            int length = text.toString().length();
            bar.add(990);
            bar.finish();
            assertEquals(length, text.toString().length(), "nothing drawn after the line ended");
        } finally {
            bar.close();
        }
    }

    @Test
    void aWidthComesFromColumnsWhenItIsANumber() {
        assertEquals(132, Terminal.parse("132"));
        assertEquals(null, Terminal.parse("wide"));
        assertEquals(null, Terminal.parse("0"));
        assertEquals(null, Terminal.parse(null));
        assertTrue(Terminal.columns() > 0);
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
