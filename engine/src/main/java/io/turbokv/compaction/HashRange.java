package io.turbokv.compaction;

import java.util.Locale;

/**
 * Arithmetic on inclusive ranges {@code [min, max]} of the unsigned 64-bit hash space. A range's spread
 * ({@code max - min + 1}) is up to 2<sup>64</sup>, one more than a {@code long} holds: {@link #spreadMinusOne}
 * gives it minus one, which always fits.
 */
final class HashRange {
    private HashRange() {}

    /** Whether {@code [aMin, aMax]} and {@code [bMin, bMax]} share a hash. */
    static boolean overlaps(long aMin, long aMax, long bMin, long bMax) {
        return Long.compareUnsigned(aMin, bMax) <= 0 && Long.compareUnsigned(bMin, aMax) <= 0;
    }

    /** {@code max - min}: the spread minus one, as an unsigned number (all ones for the whole space). */
    static long spreadMinusOne(long min, long max) {
        return max - min;
    }

    /**
     * {@code value * spread / 2^64}, rounded down, for the spread of {@code [min, max]}: the part of a quantity
     * spread evenly over the whole hash space that falls into the range. Unsigned.
     */
    static long scaleDown(long value, long min, long max) {
        long spreadMinusOne = spreadMinusOne(min, max);
        if (spreadMinusOne == -1L) {
            return value; // spread = 2^64
        }
        return Math.unsignedMultiplyHigh(value, spreadMinusOne + 1);
    }

    /**
     * {@code value * 2^64 / spread}, rounded down and saturated at 2<sup>64</sup> - 1: a quantity found in the
     * range spread out to the whole hash space. Unsigned.
     */
    static long scaleUp(long value, long min, long max) {
        long spreadMinusOne = spreadMinusOne(min, max);
        if (spreadMinusOne == -1L) {
            return value;
        }
        long spread = spreadMinusOne + 1;
        if (Long.compareUnsigned(value, spread) >= 0) {
            return -1L; // the quotient is at least 2^64
        }
        // value < spread, so (value * 2^64) / spread < 2^64: long division of the 128-bit number value:0
        return divide128(value, 0, spread);
    }

    /** Unsigned {@code (high * 2^64 + low) / divisor} for {@code high < divisor}, by shift and subtract. */
    private static long divide128(long high, long low, long divisor) {
        long quotient = 0;
        for (int i = 0; i < 64; i++) {
            boolean carry = high < 0; // the bit shifted out of high
            high = (high << 1) | (low >>> 63);
            low <<= 1;
            quotient <<= 1;
            if (carry || Long.compareUnsigned(high, divisor) >= 0) {
                high -= divisor;
                quotient |= 1;
            }
        }
        return quotient;
    }

    /** Unsigned addition saturated at 2<sup>64</sup> - 1. */
    static long saturatingAddUnsigned(long a, long b) {
        long sum = a + b;
        return Long.compareUnsigned(sum, a) < 0 ? -1L : sum;
    }

    static String toString(long min, long max) {
        return String.format(Locale.ROOT, "[%016x, %016x]", min, max);
    }
}
