package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code io.turbokv.Commit}: one commit of a write batch or a compaction. The event's duration is the commit
 * protocol itself (the {@code .del} file, the directory sync, {@code CURRENT}, the publication), the part a commit
 * spends in fsyncs; {@link #operationDuration} is the whole operation's, from the commit call on (for a batch: its
 * last spills, its meta files and the protocol). Enabled by default, no threshold.
 */
@Name("io.turbokv.Commit")
@Label("TurboKV Commit")
@Category("TurboKV")
@Description("A write batch or a compaction committed")
@StackTrace(false)
@SuppressForbidden
public final class CommitEvent extends Event {
    /** An event of a commit, to {@link #start()} before it, {@link #stop()} at its end and {@link #finish} after. */
    public CommitEvent() {}

    /** Starts timing the commit. */
    public void start() {
        begin();
    }

    /**
     * Ends the commit's timing: call it before taking the operation's duration, so that the event's duration never
     * exceeds {@link #operationDuration} (the work after it, such as the {@code LOG} line, counts in neither).
     */
    public void stop() {
        end();
    }

    /**
     * Records the event, timed from {@link #start()} to {@link #stop()}, when a recording enables it.
     *
     * @param directory         the store's directory
     * @param compaction        whether a compaction committed (else a write batch)
     * @param sequence          the committed sequence number, unsigned
     * @param keys              entries written
     * @param ssts              SST files written
     * @param blobs             blob files written
     * @param filesDeleted      obsolete files deleted at once
     * @param bytesWritten      bytes of the new files
     * @param operationDuration nanoseconds from the commit call on
     */
    public void finish(String directory, boolean compaction, int sequence, long keys, int ssts, int blobs,
                       int filesDeleted, long bytesWritten, long operationDuration) {
        if (shouldCommit()) {
            this.directory = directory;
            this.kind = compaction ? "compaction" : "batch";
            this.sequence = Integer.toUnsignedLong(sequence);
            this.keys = keys;
            this.ssts = ssts;
            this.blobs = blobs;
            this.filesDeleted = filesDeleted;
            this.bytesWritten = bytesWritten;
            this.operationDuration = operationDuration;
            commit();
        }
    }

    /** The store's directory. */
    @Label("Directory")
    String directory;

    /** {@code batch} or {@code compaction}. */
    @Label("Kind")
    String kind;

    /** The committed sequence number, now in {@code CURRENT}. */
    @Label("Sequence")
    long sequence;

    /** Entries written. */
    @Label("Keys")
    long keys;

    /** SST files written. */
    @Label("SSTs")
    int ssts;

    /** Blob files written. */
    @Label("Blobs")
    int blobs;

    /** Obsolete files deleted at once (others go when the last reader of an older state is done). */
    @Label("Files Deleted")
    int filesDeleted;

    /** Bytes of the new SST, blob and meta files. */
    @Label("Bytes Written")
    @DataAmount
    long bytesWritten;

    /** From the commit call to its end, in nanoseconds. */
    @Label("Operation Duration")
    @Timespan(Timespan.NANOSECONDS)
    long operationDuration;
}
