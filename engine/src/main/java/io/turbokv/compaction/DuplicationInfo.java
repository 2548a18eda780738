package io.turbokv.compaction;

/**
 * How much data overlaps on one piece of the hash space. Each SST's size is scaled to the
 * whole space ({@code size * 2^64 / spread}, saturating), assuming its keys are spread evenly over its range;
 * {@code total} sums the scaled sizes of the SSTs covering the piece and {@code max} is the largest of them. All
 * numbers are unsigned 64-bit. Immutable.
 *
 * @param total the sum of the scaled sizes (saturating)
 * @param max   the largest scaled size
 */
record DuplicationInfo(long total, long max) {
    static final DuplicationInfo EMPTY = new DuplicationInfo(0, 0);

    /**
     * This info with one more SST, whose size is {@code scaledSize} when spread over the whole space (see
     * {@link #scaledSize}).
     */
    DuplicationInfo add(long scaledSize) {
        return new DuplicationInfo(HashRange.saturatingAddUnsigned(total, scaledSize),
                Long.compareUnsigned(scaledSize, max) > 0 ? scaledSize : max);
    }

    /**
     * {@return the size of an SST of {@code size} bytes over {@code [min, max]}, scaled to the whole hash space}
     * Computed once per SST, not per piece it covers: the scaling is a 128-bit division.
     */
    static long scaledSize(long size, long rangeMin, long rangeMax) {
        return HashRange.scaleUp(size, rangeMin, rangeMax);
    }

    /**
     * The estimated bytes held more than once on the piece {@code [min, max]}: every SST but the largest, scaled
     * back to the piece.
     */
    long duplication(long pieceMin, long pieceMax) {
        if (total == 0) {
            return 0;
        }
        return HashRange.scaleDown(total - max, pieceMin, pieceMax);
    }

    /** The estimated bytes of all SSTs on the piece {@code [min, max]}. */
    long size(long pieceMin, long pieceMax) {
        if (total == 0) {
            return 0;
        }
        return HashRange.scaleDown(total, pieceMin, pieceMax);
    }

    /** The sum of {@link #duplication} over every piece of {@code map} that has an info (saturating). */
    static long totalDuplication(IntervalMap<DuplicationInfo> map) {
        long[] sum = {0};
        map.forEach((min, max, info) -> {
            if (info != null) {
                sum[0] = HashRange.saturatingAddUnsigned(sum[0], info.duplication(min, max));
            }
        });
        return sum[0];
    }
}
