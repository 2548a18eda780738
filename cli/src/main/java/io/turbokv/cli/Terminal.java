package io.turbokv.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The width of the terminal a progress bar is drawn on. */
final class Terminal {
    /** The width assumed when none can be measured. */
    static final int DEFAULT_COLUMNS = 80;

    private static final File TTY = new File("/dev/tty");

    private Terminal() {}

    /**
     * {@return the terminal's width in columns} The environment variable {@code COLUMNS} when it is a number (a
     * user's override; shells set it but seldom export it), else what {@code stty size} reports for the
     * process's terminal, else {@value #DEFAULT_COLUMNS}.
     */
    static int columns() {
        Integer fromEnvironment = parse(System.getenv("COLUMNS"));
        if (fromEnvironment != null) {
            return fromEnvironment;
        }
        Integer measured = stty();
        return measured != null ? measured : DEFAULT_COLUMNS;
    }

    /** {@code stty size} on the controlling terminal prints {@code ROWS COLUMNS}; null when that fails. */
    private static Integer stty() {
        if (!TTY.exists()) {
            return null;
        }
        try {
            Process stty = new ProcessBuilder("stty", "size").redirectInput(TTY)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!stty.waitFor(1, TimeUnit.SECONDS) || stty.exitValue() != 0) {
                stty.destroy();
                return null;
            }
            String[] rowsAndColumns = output.split("\\s+");
            return rowsAndColumns.length == 2 ? parse(rowsAndColumns[1]) : null;
        } catch (IOException e) {
            return null; // no stty, or no terminal to ask
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A positive width from {@code text}, or null. */
    static Integer parse(String text) {
        if (text == null || !text.strip().matches("\\d{1,4}")) {
            return null;
        }
        int columns = Integer.parseInt(text.strip());
        return columns > 0 ? columns : null;
    }
}
