package io.turbokv.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.StreamsConfig;

/**
 * When a store with a changelog writes the commits it keeps in memory ({@link TurboKvStores#COMMIT_BUFFER_BYTES_CONFIG},
 * {@link TurboKvStores#COMMIT_BUFFER_MAX_AGE_MS_CONFIG}): the key-value store, the versioned store and the window and
 * session stores (all their segments' commits together) each keep one, read from the application's configuration at
 * {@code init}, and tell it when a commit or restore batch joins the writes in memory and when those are written.
 * With {@link TurboKvStores#COMMIT_BUFFER_TOTAL_BYTES_CONFIG}, the stores of one application in this JVM (every
 * task's, standbys included) also share one bound on the sum of their writes in memory: a commit that finds the sum
 * past it writes its store's, so that the heap they hold stays bounded however many stores the instance runs.
 *
 * <p>Not thread-safe: its store's lock guards it.
 */
final class CommitBuffer {
    /** {@link TurboKvStores#COMMIT_BUFFER_BYTES_CONFIG}. */
    private final long boundBytes;
    /** {@link TurboKvStores#COMMIT_BUFFER_MAX_AGE_MS_CONFIG}, in nanoseconds. */
    private final long maxAgeNanos;
    /** {@link TurboKvStores#COMMIT_BUFFER_TOTAL_BYTES_CONFIG}; {@link Long#MAX_VALUE} when not set. */
    private final long totalBoundBytes;
    /** The bytes in memory of every store of the application that shares {@link #totalBoundBytes}. */
    private final AtomicLong applicationBytes;
    /** This store's part of {@link #applicationBytes}. */
    private long heldBytes;
    /** Whether committed writes await their write. */
    private boolean holding;
    /** When the oldest commit not yet written was kept, in {@link System#nanoTime()}. */
    private long sinceNanos;

    /** Each application's sum of the bytes its stores hold in memory, by application id; kept for the JVM's life. */
    private static final Map<String, AtomicLong> APPLICATION_BYTES = new HashMap<>();

    private CommitBuffer(long boundBytes, long maxAgeNanos, long totalBoundBytes, AtomicLong applicationBytes) {
        this.boundBytes = boundBytes;
        this.maxAgeNanos = maxAgeNanos;
        this.totalBoundBytes = totalBoundBytes;
        this.applicationBytes = applicationBytes;
    }

    /**
     * {@return the bounds {@code appConfigs} sets, or their defaults}
     *
     * @throws org.apache.kafka.common.config.ConfigException when a setting is not a non-negative whole number
     */
    static CommitBuffer of(Map<String, Object> appConfigs) {
        long bytes = TurboKvStores.nonNegativeSetting(appConfigs, TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG,
                TurboKvStores.DEFAULT_COMMIT_BUFFER_BYTES);
        long maxAgeMs = TurboKvStores.nonNegativeSetting(appConfigs, TurboKvStores.COMMIT_BUFFER_MAX_AGE_MS_CONFIG,
                TurboKvStores.DEFAULT_COMMIT_BUFFER_MAX_AGE_MS);
        long totalBytes = TurboKvStores.nonNegativeSetting(appConfigs, TurboKvStores.COMMIT_BUFFER_TOTAL_BYTES_CONFIG,
                Long.MAX_VALUE);
        AtomicLong applicationBytes;
        synchronized (APPLICATION_BYTES) {
            applicationBytes = APPLICATION_BYTES.computeIfAbsent(
                    String.valueOf(appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG)), ignored -> new AtomicLong());
        }
        return new CommitBuffer(bytes, maxAgeMs >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : maxAgeMs * 1_000_000,
                totalBytes, applicationBytes);
    }

    /** Records that a commit (or restore batch) joined the writes in memory, which now hold {@code bytes}. */
    void kept(long bytes) {
        if (!holding) {
            holding = true;
            sinceNanos = System.nanoTime();
        }
        applicationBytes.addAndGet(bytes - heldBytes);
        heldBytes = bytes;
    }

    /** Records that every write kept in memory was written, or dropped with a store that closes. */
    void written() {
        holding = false;
        applicationBytes.addAndGet(-heldBytes);
        heldBytes = 0;
    }

    /** {@return whether committed writes await their write} */
    boolean holding() {
        return holding;
    }

    /**
     * {@return whether the writes in memory, {@code bytes} of them, must be written now: past the store's size or age
     * bound, or the application's writes in memory past their total bound}
     */
    boolean due(long bytes) {
        return holding && (bytes >= boundBytes || System.nanoTime() - sinceNanos >= maxAgeNanos
                || applicationBytes.get() >= totalBoundBytes);
    }

    /**
     * {@return whether a due write of {@code bytes} may wait for a later commit when the store's compaction holds its
     * write slot} Up to twice the size bound, so that the heap held stays bounded: a commit below it never waits for
     * a compaction, a commit past it waits for the compaction to end (up to
     * {@link TurboKvKeyValueStore#slotWait(java.util.Map)}).
     */
    boolean mayDefer(long bytes) {
        return bytes / 2 < boundBytes;
    }
}
