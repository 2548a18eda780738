package io.turbokv;

/**
 * A snapshot of one block cache's counters, as the Rust original's {@code CacheStatistics} ({@code stats}
 * feature), plus the memory actually held.
 *
 * @param name          which cache ("key blocks" or "value blocks")
 * @param capacityBytes the configured bound on block memory (0 = disabled)
 * @param items         blocks resident now
 * @param sizeBytes     the seed's weight of the resident blocks: decoded length + 8 each
 * @param chargedBytes  slot memory held by resident and loading blocks, which the capacity bounds
 * @param reservedBytes off-heap memory the cache's allocator holds (slots in use, free or awaiting readers)
 * @param hits          lookups that found their block (including after waiting for another reader's load)
 * @param misses        lookups that did not
 * @param bypasses      misses whose block was read around the cache (too large, or no memory free in its size
 *                      class until readers leave)
 */
public record CacheStatistics(String name, long capacityBytes, int items, long sizeBytes, long chargedBytes,
                              long reservedBytes, long hits, long misses, long bypasses) {
    /** {@return hits over lookups, 0 before the first lookup} */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 0 : (double) hits / lookups;
    }

    /** {@return charged bytes over capacity, 0 for a disabled cache} */
    public double fill() {
        return capacityBytes == 0 ? 0 : (double) chargedBytes / capacityBytes;
    }
}
