package io.turbokv.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code io.turbokv.BlockCacheEvict}: a block left a block cache to make room, sampled: one eviction in
 * {@value CacheEvents#SAMPLE_EVERY} of each cache shard is recorded ({@link #sampledEvery}). Blocks evicted by
 * {@code clearCache} or a store's close are not. Enabled by default, no threshold.
 */
@Name("io.turbokv.BlockCacheEvict")
@Label("TurboKV Block Cache Evict")
@Category("TurboKV")
@Description("A block evicted from a block cache to make room (sampled)")
@StackTrace(false)
@SuppressForbidden
final class BlockCacheEvictEvent extends Event {
    /** {@code key blocks} or {@code value blocks}. */
    @Label("Cache")
    String cache;

    /** The id of the store whose block it was, in a cache several stores share (0 in a store's own). */
    @Label("Store Id")
    int store;

    /** The block's decompressed length. */
    @Label("Block Bytes")
    @DataAmount
    long blockBytes;

    /** Whether it left the main FIFO (else the small one, never hit there: its key becomes a ghost). */
    @Label("From Main")
    boolean main;

    /** Evictions per recorded event. */
    @Label("Sampled Every")
    int sampledEvery;
}
