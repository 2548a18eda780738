package io.turbokv.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The progress of one long step, for any number of threads calling {@link #add}. On a terminal a bar redrawn in
 * place at most every 100 ms ({@code [#####-----]  50%  500,000/1,000,000  812.3k/s  ETA 0:01}); otherwise a plain
 * line at each tenth of the work, at most one a second, so that logs stay short. {@link #finish()} prints the final
 * line either way; {@link #close()} without it (a failed step) prints no summary. Workers never wait for the drawing: the thread that draws is whichever one gets the lock.
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

    private static final int BAR_WIDTH = 30;
    private static final long BAR_INTERVAL_NANOS = 100_000_000L;
    private static final long PLAIN_INTERVAL_NANOS = 1_000_000_000L;

    private final PrintWriter out;
    private final Mode mode;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private final ReentrantLock drawing = new ReentrantLock();
    private volatile long nextDraw;
    private int lastTenth;
    private int lastWidth;
    private boolean ended;

    /** @param total the number of entries to go through, or a negative number when unknown (no percentage or ETA) */
    Progress(PrintWriter out, Mode mode, String label, long total) {
        this.out = out;
        this.mode = mode.resolve();
        this.label = label;
        this.total = total;
        this.nextDraw = start + (this.mode == Mode.BAR ? 0 : PLAIN_INTERVAL_NANOS);
    }

    /** Records {@code n} more units of work done. Thread-safe; cheap unless this thread draws. */
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
            if (!ended && lastWidth > 0) {
                out.println();
                out.flush();
            }
            ended = true;
        } finally {
            drawing.unlock();
        }
    }

    private void draw(long now, long time, boolean last) {
        long elapsed = time - start;
        String text;
        if (last) {
            text = String.format(Locale.ROOT, "%-8s %s in %s (%s)", label, Format.plural(now, "entry", "entries"),
                    Format.duration(elapsed), Format.rate(now, elapsed));
        } else {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s ", label));
            if (total > 0 && mode == Mode.BAR) {
                int filled = (int) Math.min(BAR_WIDTH, now * BAR_WIDTH / total);
                line.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ");
            }
            if (total > 0) {
                line.append(String.format(Locale.ROOT, "%3d%%  %s/%s", now * 100 / total, Format.count(now),
                        Format.plural(total, "entry", "entries")));
            } else {
                line.append(Format.plural(now, "entry", "entries"));
            }
            line.append("  ").append(Format.rate(now, elapsed));
            if (total > 0 && now > 0) {
                long remainingNanos = (long) ((double) elapsed * (total - now) / now);
                line.append("  ETA ").append(Format.clock((remainingNanos + 999_999_999L) / 1_000_000_000L));
            }
            text = line.toString();
        }
        if (mode == Mode.BAR) {
            int pad = Math.max(0, lastWidth - text.length());
            out.print("\r" + text + " ".repeat(pad) + (last ? System.lineSeparator() : ""));
            lastWidth = text.length();
        } else {
            out.println(text);
        }
        out.flush();
    }
}
