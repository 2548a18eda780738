package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code io.turbokv.Compaction}: one compaction, from its selection of the SSTs to merge to its commit (or to the
 * finding that nothing was worth merging). The event's duration is the whole run; its commit is also a
 * {@link CommitEvent}. Enabled by default, no threshold.
 */
@Name("io.turbokv.Compaction")
@Label("TurboKV Compaction")
@Category("TurboKV")
@Description("A compaction merged SSTs, or found nothing to merge")
@StackTrace(false)
@SuppressForbidden
public final class CompactionEvent extends Event {
    /** An event of a compaction, to {@link #start()} before it and {@link #finish} after. */
    public CompactionEvent() {}

    /** Starts timing the compaction. */
    public void start() {
        begin();
    }

    /**
     * Ends the compaction's timing, and records the event when a recording enables it.
     *
     * @param directory          the store's directory
     * @param separateCategories whether warm and cold SSTs were kept apart
     * @param changed            whether anything was merged and committed
     * @param sstsMerged         SSTs the merge made obsolete
     * @param sstsWritten        SST files written
     * @param keysWritten        entries written
     * @param bytesWritten       bytes of the new files
     */
    public void finish(String directory, boolean separateCategories, boolean changed, int sstsMerged,
                       int sstsWritten, long keysWritten, long bytesWritten) {
        end();
        if (shouldCommit()) {
            this.directory = directory;
            this.separateCategories = separateCategories;
            this.changed = changed;
            this.sstsMerged = sstsMerged;
            this.sstsWritten = sstsWritten;
            this.keysWritten = keysWritten;
            this.bytesWritten = bytesWritten;
            commit();
        }
    }

    /** The store's directory. */
    @Label("Directory")
    String directory;

    /** Whether warm and cold SSTs were kept apart ({@code compact}) or merged together ({@code fullCompact}). */
    @Label("Separate Categories")
    boolean separateCategories;

    /** Whether anything was merged and committed. */
    @Label("Changed")
    boolean changed;

    /** SSTs the merge made obsolete. */
    @Label("SSTs Merged")
    int sstsMerged;

    /** SST files written. */
    @Label("SSTs Written")
    int sstsWritten;

    /** Entries written. */
    @Label("Keys Written")
    long keysWritten;

    /** Bytes of the new SST and meta files. */
    @Label("Bytes Written")
    @DataAmount
    long bytesWritten;
}
