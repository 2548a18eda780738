package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * {@code io.turbokv.SlowGet}: a point read ({@code get}, {@code getMultiple}, {@code batchGet}, a {@code ReadScope}
 * read) that took at least the store's slow-get threshold ({@code DbConfig.slowGetThreshold}, 10 ms by default),
 * with the caller's stack trace. The read's duration is the field {@link #getDuration}: the event is created only
 * once the read is known to be slow, so that a read under the threshold allocates nothing, and its own JFR duration
 * is zero (which is also why its JFR threshold is 0 ms: a recording's threshold setting would drop every event).
 * Enabled by default; {@link SlowGets} decides which reads it covers.
 */
@Name("io.turbokv.SlowGet")
@Label("TurboKV Slow Get")
@Category("TurboKV")
@Description("A point read slower than the store's slow-get threshold")
@Threshold("0 ms")
@SuppressForbidden
final class SlowGetEvent extends Event {
    SlowGetEvent() {}

    /**
     * Records the event when a recording enables it.
     *
     * @return whether it was recorded
     */
    boolean record(String directory, String operation, int family, int keys, long keyBytes, int found, int ssts,
                   long nanos) {
        if (!shouldCommit()) {
            return false;
        }
        this.directory = directory;
        this.operation = operation;
        this.family = family;
        this.keys = keys;
        this.keyBytes = keyBytes;
        this.outcome = found > 0 ? "found" : "absent";
        this.found = found;
        this.sstsProbed = ssts;
        this.getDuration = nanos;
        commit();
        return true;
    }

    /** The store's directory ({@code null} for an in-memory store). */
    @Label("Directory")
    String directory;

    /** {@code get}, {@code getMultiple}, {@code batchGet} or {@code scopedGet}. */
    @Label("Operation")
    String operation;

    /** The family's index. */
    @Label("Family")
    int family;

    /** Keys looked up (1 but for {@code batchGet}). */
    @Label("Keys")
    int keys;

    /** The length of the key (for {@code batchGet}, of all its keys). */
    @Label("Key Bytes")
    @DataAmount
    long keyBytes;

    /** {@code found} when at least one value was found, else {@code absent} (no entry, or a tombstone). */
    @Label("Outcome")
    String outcome;

    /** Values found (a multi-valued key may have many); for {@code batchGet}, the keys an SST decided (a value or a tombstone). */
    @Label("Values Found")
    int found;

    /**
     * SSTs of the family the read tested: by hash range, key filter or key block (for {@code batchGet}, one per key
     * and SST).
     */
    @Label("SSTs Probed")
    int sstsProbed;

    /** How long the read took, from its call to its return. */
    @Label("Get Duration")
    @Timespan(Timespan.NANOSECONDS)
    long getDuration;
}
