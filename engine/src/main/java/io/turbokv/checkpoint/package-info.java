/**
 * Checkpoints ({@link io.turbokv.checkpoint.Checkpoint}): a consistent copy of one committed state of a store in
 * another directory, made of hard links to the state's immutable files (meta files, SSTs, blobs) where the file
 * system allows, copies where it does not, a copy of {@code SCHEMA} and, last, a {@code CURRENT} naming the state.
 * It opens as a store of its own.
 *
 * <p>Depends on {@code io.turbokv.version} (the state and its files), {@code io.turbokv.io} (file names,
 * {@code CURRENT}, {@code SCHEMA}, the directory scan and the {@code FileLayer}) and the API package's leaf type
 * {@code io.turbokv.CheckpointStats}.
 */
package io.turbokv.checkpoint;
