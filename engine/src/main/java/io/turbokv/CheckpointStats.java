package io.turbokv;

/**
 * What {@link Checkpoints#write} made.
 *
 * @param sequenceNumber the committed sequence number of the state the checkpoint holds (its {@code CURRENT})
 * @param linkedFiles    files hard-linked to the store's: they take no space of their own
 * @param copiedFiles    files copied, where a hard link was impossible (another file system) or the file vanished
 *                       after it was opened (a writer of another process deleted it): {@code SCHEMA} and
 *                       {@code CURRENT} not counted
 * @param bytes          the size of every file of the checkpoint, linked or copied
 */
public record CheckpointStats(int sequenceNumber, int linkedFiles, int copiedFiles, long bytes) {}
