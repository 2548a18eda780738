package io.turbokv.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The progress of one long step over entries, for any number of threads calling {@link #add}. On a terminal a bar
 * redrawn in place at most every 100 ms ({@code load     [#####-----]  50%  500,000/1,000,000 entries  812.3k/s  ETA
 * 0:01}), always one column narrower than the terminal ({@link Terminal#columns()}): the parts that do not fit are
 * left out, the bar first, so that a redraw never wraps onto a new line. Otherwise a plain line at each tenth of
 * the work, at most one a second, so that logs stay short. {@link #finish()} prints the final line either way;
 * {@link #close()} without it (a failed step) prints no summary.
 *
 * <p>While a bar is on the terminal, a shutdown hook ends its line if the JVM stops (Ctrl-C), so that the shell's
 * prompt starts a line of its own. Workers never wait for the drawing: the thread that draws is whichever one gets
 * the lock.
 */
final class Progress implements AutoCloseable {
    /** How progress is shown. */
    enum Mode {
        /** {@link #BAR} on a terminal, else {@link #PLAIN}. */
        AUTO,
        /** A bar redrawn in place with carriage returns. */
        BAR,
        /** Plain lines. */
        PLAIN,
        /** Only the final line. */
        NONE;

        /** {@link #AUTO} resolved against this process's console. */
        Mode resolve() {
            if (this != AUTO) {
                return this;
            }
            Console console = System.console();
            return console != null && console.isTerminal() ? BAR : PLAIN;
        }
    }

    private static final int MAX_BAR_WIDTH = 30;
    /** A bar narrower than this tells too little: the line goes without it. */
    private static final int MIN_BAR_WIDTH = 10;
    private static final long BAR_INTERVAL_NANOS = 100_000_000L;
    private static final long PLAIN_INTERVAL_NANOS = 1_000_000_000L;
    /** How long the shutdown hook waits for a drawing thread before it ends the line regardless. */
    private static final long HOOK_WAIT_MILLIS = 200;

    private final PrintWriter out;
    private final Mode mode;
    private final String label;
    private final long total;
    private final int columns;
    private final long start = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private final ReentrantLock drawing = new ReentrantLock();
    private final Thread interruptHook;
    private volatile long nextDraw;
    private int lastTenth;
    private int lastWidth;
    private int barWidth = MAX_BAR_WIDTH;
    private boolean ended;

    /**
     * A step shown on a terminal as wide as {@link Terminal#columns()} says.
     *
     * @param total the number of entries to go through, or a negative number when unknown (no percentage or ETA)
     */
    Progress(PrintWriter out, Mode mode, String label, long total) {
        this(out, mode, label, total, mode.resolve() == Mode.BAR ? Terminal.columns() : Terminal.DEFAULT_COLUMNS);
    }

    /** As {@link #Progress(PrintWriter, Mode, String, long)}, on a terminal {@code columns} wide. */
    Progress(PrintWriter out, Mode mode, String label, long total, int columns) {
        this.out = out;
        this.mode = mode.resolve();
        this.label = label;
        this.total = total;
        this.columns = columns;
        this.nextDraw = start + (this.mode == Mode.BAR ? 0 : PLAIN_INTERVAL_NANOS);
        this.interruptHook = this.mode == Mode.BAR ? new Thread(this::endLineOnShutdown, "turbokv-progress-end") : null;
        if (interruptHook != null) {
            Runtime.getRuntime().addShutdownHook(interruptHook);
        }
    }

    /** Records {@code n} more entries done. Thread-safe; cheap unless this thread draws. */
    void add(long n) {
        long now = done.addAndGet(n);
        if (mode == Mode.NONE || System.nanoTime() < nextDraw || !drawing.tryLock()) {
            return;
        }
        try {
            if (ended) {
                return;
            }
            long time = System.nanoTime();
            if (mode == Mode.BAR) {
                nextDraw = time + BAR_INTERVAL_NANOS;
                draw(now, time, false);
            } else if (total > 0) {
                int tenth = (int) Math.min(10, now * 10 / total);
                if (tenth > lastTenth && tenth < 10) {
                    lastTenth = tenth;
                    nextDraw = time + PLAIN_INTERVAL_NANOS;
                    draw(now, time, false);
                }
            } else {
                nextDraw = time + PLAIN_INTERVAL_NANOS * 10;
                draw(now, time, false);
            }
        } finally {
            drawing.unlock();
        }
    }

    /** Work done so far. */
    long done() {
        return done.get();
    }

    /** Nanoseconds since this step started. */
    long elapsedNanos() {
        return System.nanoTime() - start;
    }

    /**
     * Prints the final line: the amount done, the time and the rate. Called when the step succeeded; a step that
     * failed prints no summary (the error says what happened).
     */
    void finish() {
        drawing.lock();
        try {
            if (!ended) {
                ended = true;
                draw(done.get(), System.nanoTime(), true);
            }
        } finally {
            drawing.unlock();
        }
    }

    /**
     * Ends the step. Unless {@link #finish()} ran, ends a bar left on the terminal with a line break, so that what
     * comes next (the error of the failed step) starts a line of its own.
     */
    @Override
    public void close() {
        drawing.lock();
        try {
            endLine();
        } finally {
            drawing.unlock();
        }
        if (interruptHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(interruptHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran: it ends the line itself
            }
        }
    }

    /** The shutdown hook: ends the bar's line, waiting briefly for a thread that is drawing it. */
    void endLineOnShutdown() {
        boolean locked = false;
        try {
            locked = drawing.tryLock(HOOK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            endLine();
        } finally {
            if (locked) {
                drawing.unlock();
            }
        }
    }

    private void endLine() {
        if (!ended && lastWidth > 0) {
            out.println();
            out.flush();
        }
        ended = true;
    }

    private void draw(long now, long time, boolean last) {
        long elapsed = time - start;
        String text = last
                ? String.format(Locale.ROOT, "%-8s %s in %s (%s)", label, Format.plural(now, "entry", "entries"),
                        Format.duration(elapsed), Format.rate(now, elapsed))
                : line(now, elapsed);
        if (mode == Mode.BAR) {
            // the line never reaches the last column: a terminal that wraps there would leave every redraw behind
            text = fit(text, columns - 1);
            int pad = Math.max(0, Math.min(lastWidth, columns - 1) - text.length());
            out.print("\r" + text + " ".repeat(pad) + (last ? System.lineSeparator() : ""));
            lastWidth = text.length();
        } else {
            out.println(text);
        }
        out.flush();
    }

    /**
     * The progress line, as much of it as fits in {@code columns - 1} on a terminal: the label and the percentage
     * always; then, as room allows, the ETA, the rate and the count (left out in the reverse order), and the bar,
     * which takes what is left (up to {@value #MAX_BAR_WIDTH} columns, at least {@value #MIN_BAR_WIDTH}).
     */
    private String line(long now, long elapsed) {
        String head = String.format(Locale.ROOT, "%-8s ", label);
        List<String> parts = new ArrayList<>();
        if (total > 0) {
            parts.add(String.format(Locale.ROOT, "%3d%%", now * 100 / total));
            parts.add(Format.count(now) + "/" + Format.plural(total, "entry", "entries"));
        } else {
            parts.add(Format.plural(now, "entry", "entries"));
        }
        parts.add(Format.rate(now, elapsed));
        if (total > 0 && now > 0) {
            long remainingNanos = (long) ((double) elapsed * (total - now) / now);
            parts.add("ETA " + Format.clock((remainingNanos + 999_999_999L) / 1_000_000_000L));
        }
        if (mode != Mode.BAR) {
            return head + String.join("  ", parts);
        }
        int room = columns - 1;
        // drop the least telling parts until the line fits: the count, then the rate, then the ETA; never the first
        while (parts.size() > 1 && (head + String.join("  ", parts)).length() > room) {
            parts.remove(parts.size() > 2 && total > 0 ? 1 : parts.size() - 1);
        }
        String tail = String.join("  ", parts);
        // the bar only shrinks, so that it does not jitter as the rate's digits come and go
        barWidth = Math.min(barWidth, room - head.length() - tail.length() - 3); // "[", "] "
        if (total <= 0 || barWidth < MIN_BAR_WIDTH) {
            return head + tail;
        }
        int filled = (int) Math.min(barWidth, now * barWidth / total);
        return head + "[" + "#".repeat(filled) + "-".repeat(barWidth - filled) + "] " + tail;
    }

    private static String fit(String text, int width) {
        return text.length() <= Math.max(1, width) ? text : text.substring(0, Math.max(1, width));
    }
}
