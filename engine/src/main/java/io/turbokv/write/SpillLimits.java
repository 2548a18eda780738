package io.turbokv.write;

import java.util.Locale;

/**
 * Where a write batch's family buffer is cut and spilled to an SST of its own: at {@code bytes} of keys and values
 * or {@code entries} entries, whichever comes first (a single entry larger than {@code bytes} still makes one SST).
 *
 * <p>The cut bounds the native memory a batch holds: at most the spilling buffers ({@code cores + 1}) and the one
 * each family fills, each about one threshold, plus one chunk (up to 1 MiB) per collector
 * stripe. A smaller threshold holds less at the cost of more, smaller SSTs per batch.
 *
 * <p>The maxima are the limits one spill can honour: a spill writes one SST without cutting it, whose blocks must
 * stay under the format's {@code SstLimits.MAX_BLOCK_COUNT} at the smallest block budgets (see
 * {@code SstLimits.MIN_SMALL_VALUE_BLOCK_SIZE}). The minima are a stripe's chunk limits: a buffer takes whole
 * chunks, so a lower threshold would not hold a buffer any smaller.
 *
 * @param bytes   key and value bytes at which a family buffer is cut, {@value #MIN_BYTES} to {@value #MAX_BYTES}
 * @param entries entries at which a family buffer is cut, {@value #MIN_ENTRIES} to {@value #MAX_ENTRIES}
 */
public record SpillLimits(long bytes, int entries) {
    /** The most key and value bytes of one spill, and the default: {@value} (64 MiB). */
    public static final long MAX_BYTES = SpillRunner.DATA_THRESHOLD_PER_INITIAL_FILE;
    /** The fewest key and value bytes of one spill: {@value} (1 MiB, a stripe's largest chunk). */
    public static final long MIN_BYTES = BatchCollector.MAX_CHUNK_BYTES;
    /** The most entries of one spill, and the default: {@value}. */
    public static final int MAX_ENTRIES = SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE;
    /** The fewest entries of one spill: {@value} (the most records of a stripe's chunk). */
    public static final int MIN_ENTRIES = BatchCollector.MAX_CHUNK_ENTRIES;
    /** The limits a store has unless its configuration says otherwise: the largest. */
    public static final SpillLimits DEFAULT = new SpillLimits(MAX_BYTES, MAX_ENTRIES);

    /**
     * Checks the limits.
     *
     * @throws IllegalArgumentException when either is out of range; the message names the knob and the range
     */
    public SpillLimits {
        if (bytes < MIN_BYTES || bytes > MAX_BYTES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "spillBytes: %d (expected: %d to %d; larger spills would need more blocks than one SST"
                            + " addresses, smaller ones would not hold less than one %d-byte chunk)",
                    bytes, MIN_BYTES, MAX_BYTES, MIN_BYTES));
        }
        if (entries < MIN_ENTRIES || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "spillEntries: %d (expected: %d to %d; larger spills would need more blocks than one SST"
                            + " addresses, smaller ones would not hold less than one %d-entry chunk)",
                    entries, MIN_ENTRIES, MAX_ENTRIES, MIN_ENTRIES));
        }
    }
}
