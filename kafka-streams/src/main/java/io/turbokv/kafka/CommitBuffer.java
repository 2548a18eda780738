package io.turbokv.kafka;

import java.util.Map;

/**
 * When a store with a changelog writes the commits it keeps in memory ({@link TurboKvStores#COMMIT_BUFFER_BYTES_CONFIG},
 * {@link TurboKvStores#COMMIT_BUFFER_MAX_AGE_MS_CONFIG}): the key-value store, the versioned store and the window and
 * session stores (all their segments' commits together) each keep one, read from the application's configuration at
 * {@code init}, and tell it when a commit or restore batch joins the writes in memory and when those are written.
 *
 * <p>Not thread-safe: its store's lock guards it.
 */
final class CommitBuffer {
    /** {@link TurboKvStores#COMMIT_BUFFER_BYTES_CONFIG}. */
    private final long boundBytes;
    /** {@link TurboKvStores#COMMIT_BUFFER_MAX_AGE_MS_CONFIG}, in nanoseconds. */
    private final long maxAgeNanos;
    /** Whether committed writes await their write. */
    private boolean holding;
    /** When the oldest commit not yet written was kept, in {@link System#nanoTime()}. */
    private long sinceNanos;

    private CommitBuffer(long boundBytes, long maxAgeNanos) {
        this.boundBytes = boundBytes;
        this.maxAgeNanos = maxAgeNanos;
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
        return new CommitBuffer(bytes, maxAgeMs >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : maxAgeMs * 1_000_000);
    }

    /** Records that a commit (or restore batch) joined the writes in memory. */
    void kept() {
        if (!holding) {
            holding = true;
            sinceNanos = System.nanoTime();
        }
    }

    /** Records that every write kept in memory was written. */
    void written() {
        holding = false;
    }

    /** {@return whether committed writes await their write} */
    boolean holding() {
        return holding;
    }

    /** {@return whether the writes in memory, {@code bytes} of them, must be written now: past a bound} */
    boolean due(long bytes) {
        return holding && (bytes >= boundBytes || System.nanoTime() - sinceNanos >= maxAgeNanos);
    }

    /**
     * {@return whether a due write of {@code bytes} may wait for a later commit when the store's compaction holds its
     * write slot} Up to twice the size bound, so that the heap held stays bounded while a commit never waits for a
     * compaction below it.
     */
    boolean mayDefer(long bytes) {
        return bytes / 2 < boundBytes;
    }
}
