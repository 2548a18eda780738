package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MergeIterator#compareKeys} compares big-endian words, then bytes: it must order keys as unsigned
 * lexicographic bytes with a prefix first, for every length 0..300 (so every remainder after the last whole word), at
 * unaligned offsets, on heap and native segments, and must never read past either key.
 * {@code MergeIteratorModelTest} cannot show this: its real XXH64 hashes leave hash-ordered merges no ties.
 */
class MergeIteratorKeyOrderTest {
    @Test
    void comparesKeysAsUnsignedBytesWithAPrefixFirst() {
        Random random = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int round = 0; round < 60_000; round++) {
                int la = random.nextInt(301);
                byte[] a = new byte[la];
                random.nextBytes(a);
                byte[] b;
                switch (random.nextInt(5)) {
                    case 0 -> b = a.clone(); // equal
                    case 1 -> b = Arrays.copyOf(a, random.nextInt(la + 1)); // b is a prefix of a
                    case 2 -> b = Arrays.copyOf(a, la + random.nextInt(20)); // a is a prefix of b
                    case 3 -> { // one byte differs, often only in the high bit, which a signed compare gets wrong
                        b = a.clone();
                        if (la > 0) {
                            int at = random.nextInt(la);
                            b[at] = (byte) (random.nextBoolean() ? b[at] ^ 0x80 : random.nextInt(256));
                        }
                    }
                    default -> {
                        b = new byte[random.nextInt(301)];
                        random.nextBytes(b);
                    }
                }
                int offA = random.nextInt(9);
                int offB = random.nextInt(9);
                MemorySegment sa = random.nextBoolean() ? MemorySegment.ofArray(new byte[offA + a.length + 3])
                        : arena.allocate(offA + a.length + 3, 1);
                MemorySegment sb = random.nextBoolean() ? MemorySegment.ofArray(new byte[offB + b.length + 3])
                        : arena.allocate(offB + b.length + 3, 1);
                MemorySegment.copy(MemorySegment.ofArray(a), 0, sa, offA, a.length);
                MemorySegment.copy(MemorySegment.ofArray(b), 0, sb, offB, b.length);
                // bytes after each key that would change the order if they were read
                sa.asSlice(offA + a.length).fill((byte) 0xFF);
                sb.asSlice(offB + b.length).fill((byte) 0x00);
                int expected = Integer.signum(Arrays.compareUnsigned(a, b));
                int got = Integer.signum(MergeIterator.compareKeys(sa, offA, a.length, sb, offB, b.length));
                assertEquals(expected, got, () -> "a=" + Arrays.toString(a) + " b=" + Arrays.toString(b));
                int back = Integer.signum(MergeIterator.compareKeys(sb, offB, b.length, sa, offA, a.length));
                assertEquals(-expected, back, () -> "a=" + Arrays.toString(a) + " b=" + Arrays.toString(b));
            }
        }
    }
}
