package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * {@code io.turbokv.SlowGet}: a point read ({@code get}, {@code getMultiple}, {@code batchGet}) that took longer than
 * the event's threshold, 10 ms unless the recording sets another ({@code jfr configure}, a {@code .jfc} file, or
 * {@code RecordingStream.enable("io.turbokv.SlowGet").withThreshold(...)}). Its duration is the read's, with the
 * caller's stack trace. A read that throws is not recorded. While no recording enables it, it costs the read two
 * checks.
 */
@Name("io.turbokv.SlowGet")
@Label("TurboKV Slow Get")
@Category("TurboKV")
@Description("A point read slower than the threshold")
@Threshold("10 ms")
@SuppressForbidden
public final class SlowGetEvent extends Event {
    /** An event of a read, to {@link #start()} before it and {@link #finish} after. */
    public SlowGetEvent() {}

    /** Starts timing the read. */
    public void start() {
        begin();
    }

    /** {@return whether a recording enables the event, so that figures only it needs are worth computing} */
    public boolean wanted() {
        return isEnabled();
    }

    /**
     * Ends the read's timing, and records the event when a recording enables it and the read took longer than
     * its threshold.
     *
     * @param directory the store's directory, or null
     * @param operation {@code get}, {@code getMultiple} or {@code batchGet}
     * @param family    the family's index
     * @param keys      keys looked up
     * @param found     values found
     */
    public void finish(String directory, String operation, int family, int keys, int found) {
        end();
        if (shouldCommit()) {
            this.directory = directory;
            this.operation = operation;
            this.family = family;
            this.keys = keys;
            this.found = found;
            commit();
        }
    }

    /** The store's directory ({@code null} for an in-memory store). */
    @Label("Directory")
    String directory;

    /** {@code get}, {@code getMultiple} or {@code batchGet}. */
    @Label("Operation")
    String operation;

    /** The family's index. */
    @Label("Family")
    int family;

    /** Keys looked up (1 but for {@code batchGet}). */
    @Label("Keys")
    int keys;

    /** Values found. */
    @Label("Values Found")
    int found;
}
