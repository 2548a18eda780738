package io.turbokv.jfr;

/**
 * The slow-get event of one store ({@code io.turbokv.SlowGet}) and the gate that keeps it free for reads under the
 * threshold. A read calls {@link #start()} before it and {@link #finish} after; between the two it reads the clock
 * only while a recording enables the event, and it allocates only when it was slow, for the event it records.
 *
 * <p>Creating a JFR event on every read is what this avoids: once JFR had run in the JVM, the event object of every
 * read was no longer scalar-replaced (121 bytes per read, measured). Whether any recording enables the event is a
 * static flag of {@link EventGates}. Thread-safe.
 */
@SuppressForbidden
public final class SlowGets {
    /** What {@link #start()} returns when the read is not timed. */
    public static final long NOT_TIMED = Long.MIN_VALUE;

    static {
        EventGates.init();
    }

    private final String directory;
    private final long thresholdNanos;

    /**
     * The slow-get events of one store.
     *
     * @param directory      the store's directory as the events name it, or null for an in-memory store
     * @param thresholdNanos the duration from which a read is recorded, not negative
     */
    public SlowGets(String directory, long thresholdNanos) {
        if (thresholdNanos < 0) {
            throw new IllegalArgumentException("slow-get threshold: " + thresholdNanos + " ns (expected: >= 0)");
        }
        this.directory = directory;
        this.thresholdNanos = thresholdNanos;
    }

    /** {@return whether a recording enables the event, as the gate last saw it} */
    public static boolean enabled() {
        return EventGates.slowGet;
    }

    /** {@return the start of a read to time ({@link System#nanoTime()}), or {@link #NOT_TIMED}} */
    public long start() {
        return EventGates.slowGet ? System.nanoTime() : NOT_TIMED;
    }

    /**
     * Ends a read, and records the event when it took at least the threshold and a recording enables it.
     *
     * @param start     what {@link #start()} returned before the read
     * @param operation {@code get}, {@code getMultiple}, {@code batchGet} or {@code scopedGet}
     * @param family    the family's index
     * @param keys      keys looked up
     * @param keyBytes  their length in all
     * @param found     values found
     * @param ssts      SSTs probed
     */
    public void finish(long start, String operation, int family, int keys, long keyBytes, int found, int ssts) {
        if (start == NOT_TIMED) {
            return;
        }
        long nanos = System.nanoTime() - start;
        if (nanos >= thresholdNanos) {
            new SlowGetEvent().record(directory, operation, family, keys, keyBytes, found, ssts, nanos);
        }
    }
}
