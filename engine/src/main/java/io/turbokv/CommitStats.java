package io.turbokv;

/**
 * What one commit (of a write batch or a compaction) wrote.
 *
 * @param sequenceNumber the sequence number now in {@code CURRENT}
 * @param keysWritten    entries written (puts and deletes)
 * @param newSstFiles    SST files the commit published
 * @param newBlobFiles   blob files the commit published
 * @param deletedFiles   files the commit made obsolete and deleted
 * @param bytesWritten   bytes of the new SST, blob and meta files
 * @param durationNanos  time from the start of the commit (the batch's flush, or the compaction's start) until
 *                       the new state was published and the write slot freed
 */
public record CommitStats(int sequenceNumber, long keysWritten, int newSstFiles, int newBlobFiles, int deletedFiles,
                          long bytesWritten, long durationNanos) {}
