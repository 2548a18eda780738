package io.turbokv.commit;

import io.turbokv.io.SequenceAllocator;
import io.turbokv.meta.MetaFile;
import java.util.List;
import java.util.Objects;

/**
 * Everything one write operation hands to {@link CommitProtocol#commit}: its new meta files, already written, synced
 * and opened (their SST and blob files synced too), the files it makes obsolete, the sequence numbers it named
 * its files from (the commit takes the numbers of its {@code .del} file and {@code CURRENT} from it), and what the
 * statistics and the {@code LOG} report.
 *
 * @param kind          what committed
 * @param newMetas      the new meta files
 * @param sstsToDelete  SSTs no meta file will list any more (compaction inputs)
 * @param blobsToDelete blobs whose values were dropped
 * @param sequence      the operation's sequence numbers; the highest taken goes into {@code CURRENT}
 * @param keysWritten   entries written
 * @param newSsts       SST files written
 * @param newBlobs      blob files written
 * @param bytesWritten  bytes of the new SST, blob and meta files
 * @param details       {@code LOG} lines about the new files
 * @param startNanos    {@link System#nanoTime()} when the operation started committing
 */
public record Commit(Kind kind, List<MetaFile> newMetas, int[] sstsToDelete, int[] blobsToDelete,
                     SequenceAllocator sequence, long keysWritten, int newSsts, int newBlobs, long bytesWritten,
                     String details, long startNanos) {
    /** What committed, as the {@code LOG} names it. */
    public enum Kind {
        /** A write batch. */
        BATCH("Commit"),
        /** A compaction. */
        COMPACTION("Compaction");

        private final String logName;

        Kind(String logName) {
            this.logName = logName;
        }

        /** {@return the word the {@code LOG} record starts with} */
        public String logName() {
            return logName;
        }
    }

    /** Copies the list and checks the components. */
    public Commit {
        Objects.requireNonNull(kind, "kind");
        newMetas = List.copyOf(newMetas);
        Objects.requireNonNull(sstsToDelete, "sstsToDelete");
        Objects.requireNonNull(blobsToDelete, "blobsToDelete");
        Objects.requireNonNull(sequence, "sequence");
        Objects.requireNonNull(details, "details");
    }

    /** Whether the commit makes no existing file obsolete (a write batch's): it only adds. */
    boolean appendsOnly() {
        if (sstsToDelete.length > 0 || blobsToDelete.length > 0) {
            return false;
        }
        for (MetaFile meta : newMetas) {
            if (meta.obsoleteSsts().length > 0) {
                return false;
            }
        }
        return true;
    }
}
