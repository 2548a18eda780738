package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code io.turbokv.Spill}: a write batch's entries of one family sorted and written to a new SST, while the batch
 * still fills or at its commit. The event's duration is the sort and the write, on the spill's thread (a commit's
 * last buffer written as two SSTs gives one event per half, each the half's write, the sort before them in
 * neither). Enabled by default, no threshold.
 */
@Name("io.turbokv.Spill")
@Label("TurboKV Spill")
@Category("TurboKV")
@Description("Entries of a write batch sorted and written to a new SST")
@StackTrace(false)
@SuppressForbidden
public final class SpillEvent extends Event {
    /** An event of a spill, to {@link #start()} before it and {@link #finish} after. */
    public SpillEvent() {}

    /** Starts timing the spill. */
    public void start() {
        begin();
    }

    /**
     * Ends the spill's timing, and records the event when a recording enables it.
     *
     * @param directory the store's directory
     * @param family    the family's index
     * @param sst       the new SST's sequence number, unsigned
     * @param entries   entries written to the SST
     * @param fileBytes the SST's size
     */
    public void finish(String directory, int family, int sst, long entries, long fileBytes) {
        end();
        if (shouldCommit()) {
            this.directory = directory;
            this.family = family;
            this.sst = Integer.toUnsignedLong(sst);
            this.entries = entries;
            this.fileBytes = fileBytes;
            commit();
        }
    }

    /** The store's directory. */
    @Label("Directory")
    String directory;

    /** The family's index. */
    @Label("Family")
    int family;

    /** The new SST's sequence number. */
    @Label("SST")
    long sst;

    /** Entries written to the SST (a single-valued key written twice in the batch counts once). */
    @Label("Entries")
    long entries;

    /** The SST's size. */
    @Label("File Size")
    @DataAmount
    long fileBytes;
}
