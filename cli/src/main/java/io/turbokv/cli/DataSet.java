package io.turbokv.cli;

import java.nio.charset.StandardCharsets;

/**
 * The generated data set of {@code demo} and {@code load}: entry {@code i} has the 14-byte key
 * {@code k0000000000042} ({@code k} and {@code i} in at least 13 decimal digits) and a value of
 * {@code valueSize} bytes that starts with {@code i} in decimal and {@code :}, followed by pseudo-random lower-case
 * letters drawn from {@code seed} and {@code i} (SplitMix64). The same arguments always give the same bytes, so a
 * reader can check every value without keeping the data.
 *
 * <p>Thread-safe: stateless after construction.
 */
final class DataSet {
    static final int KEY_DIGITS = 13;

    private final long seed;
    private final int valueSize;

    DataSet(long seed, int valueSize) {
        if (valueSize < 0) {
            throw new IllegalArgumentException("value size: " + valueSize + " (expected: >= 0)");
        }
        this.seed = seed;
        this.valueSize = valueSize;
    }

    int valueSize() {
        return valueSize;
    }

    /** The key of entry {@code i}. */
    static byte[] key(long i) {
        String digits = Long.toString(i);
        byte[] key = new byte[1 + Math.max(KEY_DIGITS, digits.length())];
        key[0] = 'k';
        int pad = key.length - 1 - digits.length();
        for (int p = 0; p < pad; p++) {
            key[1 + p] = '0';
        }
        for (int d = 0; d < digits.length(); d++) {
            key[1 + pad + d] = (byte) digits.charAt(d);
        }
        return key;
    }

    /** The value of entry {@code i}. */
    byte[] value(long i) {
        byte[] value = new byte[valueSize];
        byte[] prefix = (i + ":").getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(prefix.length, valueSize);
        System.arraycopy(prefix, 0, value, 0, n);
        long state = seed ^ (i * 0x9E37_79B9_7F4A_7C15L);
        long bits = 0;
        int left = 0;
        for (int p = n; p < valueSize; p++) {
            if (left == 0) {
                state += 0x9E37_79B9_7F4A_7C15L;
                bits = mix(state);
                left = 12; // 12 letters of 5 bits each from one 64-bit draw
            }
            value[p] = (byte) ('a' + (int) ((bits & 31) % 26));
            bits >>>= 5;
            left--;
        }
        return value;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
