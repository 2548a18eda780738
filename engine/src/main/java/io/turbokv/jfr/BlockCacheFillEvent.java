package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code io.turbokv.BlockCacheFill}: a decompressed block entered a block cache, sampled: one fill in
 * {@value CacheEvents#SAMPLE_EVERY} of each cache shard is recorded ({@link #sampledEvery}). Enabled by default, no
 * threshold; a cache hit never emits it.
 */
@Name("io.turbokv.BlockCacheFill")
@Label("TurboKV Block Cache Fill")
@Category("TurboKV")
@Description("A decompressed block entered a block cache (sampled)")
@StackTrace(false)
@SuppressForbidden
final class BlockCacheFillEvent extends Event {
    /** {@code key blocks} or {@code value blocks}. */
    @Label("Cache")
    String cache;

    /** The id of the store whose block it is, in a cache several stores share (0 in a store's own). */
    @Label("Store Id")
    int store;

    /** The block's decompressed length. */
    @Label("Block Bytes")
    @DataAmount
    long blockBytes;

    /** Whether the block entered the main FIFO directly (its key was a ghost: evicted recently). */
    @Label("Into Main")
    boolean main;

    /** Fills per recorded event. */
    @Label("Sampled Every")
    int sampledEvery;
}
