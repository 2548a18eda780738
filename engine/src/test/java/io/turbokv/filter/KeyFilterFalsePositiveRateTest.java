package io.turbokv.filter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFilterFalsePositiveRateTest {
    private static final int KEYS = 1_000_000;
    private static final int PROBES = 1_000_000;
    private static final long SEED = 0x5EED_F117E5L;

    /** 8 bits: at most 1 % false positives and 9.5 bits per key; 16 bits: at most 0.01 % and 18.5 bits per key. */
    @ParameterizedTest(name = "{0}-bit fingerprints")
    @ValueSource(ints = {8, 16})
    void falsePositiveRateOnAMillionRandomKeysStaysWithinItsWidthsBound(int fingerprintBits) throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        long[] keys = random.longs(KEYS).toArray();
        long[] sortedKeys = keys.clone();
        Arrays.sort(sortedKeys);
        try (Arena arena = Arena.ofConfined()) {
            long start = System.nanoTime();
            MemorySegment filter = KeyFilter.build(keys, KEYS, fingerprintBits, arena);
            long buildNanos = System.nanoTime() - start;

            int falsePositives = 0;
            int probes = 0;
            while (probes < PROBES) {
                long probe = random.nextLong();
                if (Arrays.binarySearch(sortedKeys, probe) >= 0) {
                    continue;
                }
                probes++;
                falsePositives += KeyFilter.mayContain(filter, probe) ? 1 : 0;
            }
            double rate = (double) falsePositives / probes;
            double bitsPerKey = filter.byteSize() * 8.0 / KEYS;
            System.out.printf(Locale.ROOT,
                    "KeyFilter (%d-bit): %d keys, %d absent probes: false-positive rate %.4f %% (%d), %.3f bits/key,"
                            + " %d bytes, built in %d ms%n",
                    fingerprintBits, KEYS, probes, rate * 100, falsePositives, bitsPerKey, filter.byteSize(),
                    buildNanos / 1_000_000);
            assertTrue(rate <= (fingerprintBits == 8 ? 0.01 : 0.0001), "false-positive rate " + rate);
            assertTrue(bitsPerKey <= (fingerprintBits == 8 ? 9.5 : 18.5), "bits per key " + bitsPerKey);
        }
    }
}
