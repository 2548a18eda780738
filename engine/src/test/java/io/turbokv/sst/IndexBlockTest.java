package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The two index block layouts: which one the writer picks, how a hash finds its first key block, what is damage. */
class IndexBlockTest {
    private static final Path FILE = Path.of("00000001.sst");

    @Test
    void withoutContinuedRunsTheLayoutIsType0WithTenByteEntries() throws CorruptionException {
        IndexBlock index = new IndexBlock();
        index.add(5, 0, false);
        index.add(10, 2, false);
        index.add(20, 4, false);
        MemorySegment data = index.encode();
        assertEquals(IndexBlock.TYPE, Bytes.u8(data, IndexBlock.TYPE_OFFSET));
        assertEquals(IndexBlock.ENTRIES_OFFSET + 2 * IndexBlock.ENTRY_LENGTH, data.byteSize());
        IndexBlock read = IndexBlock.read(data, 100, 5, FILE);
        assertEquals(0, read.firstPosition(0));
        assertEquals(0, read.firstPosition(9));
        assertEquals(1, read.firstPosition(10));
        assertEquals(1, read.firstPosition(19));
        assertEquals(2, read.firstPosition(-1), "unsigned: the largest hash");
        assertFalse(read.runContinuesAfter(0, 10));
    }

    /**
     * Key blocks by their hashes: 0 = [1 .. 7], 1 = [7 .. 7] and 2 = [7 .. 9] continue the run of 7,
     * 3 = [9 .. 12] continues the run of 9, 4 = [15 ..] and 5 = [20 ..] start afresh.
     */
    @Test
    void aContinuedRunIsFoundFromItsFirstBlockAndFollowedThroughTheBlocksThatContinueIt()
            throws CorruptionException {
        IndexBlock index = new IndexBlock();
        index.add(1, 0, false);
        index.add(7, 1, true);
        index.add(7, 2, true);
        index.add(9, 3, true);
        index.add(15, 4, false);
        index.add(20, 5, false);
        MemorySegment data = index.encode();
        assertEquals(IndexBlock.TYPE_WITH_CONTINUATIONS, Bytes.u8(data, IndexBlock.TYPE_OFFSET));
        assertEquals(IndexBlock.ENTRIES_OFFSET + 5 * IndexBlock.ENTRY_WITH_CONTINUATION_LENGTH, data.byteSize());
        IndexBlock read = IndexBlock.read(data, 100, 6, FILE);
        assertEquals(6, read.keyBlockCount());
        assertEquals(0, read.firstPosition(7), "the run of 7 starts in block 0, which ends with it");
        assertTrue(read.runContinuesAfter(0, 7));
        assertTrue(read.runContinuesAfter(1, 7));
        assertFalse(read.runContinuesAfter(2, 7), "block 3 continues a run of 9, not of 7");
        assertEquals(2, read.firstPosition(8));
        assertEquals(2, read.firstPosition(9), "the run of 9 starts in block 2");
        assertTrue(read.runContinuesAfter(2, 9));
        assertEquals(3, read.firstPosition(12));
        assertFalse(read.runContinuesAfter(3, 12));
        assertEquals(4, read.firstPosition(15), "a block starting a hash without continuing holds its first entry");
        assertEquals(5, read.firstPosition(20));
        assertFalse(read.runContinuesAfter(5, 20), "the last block");
    }

    /**
     * The interpolated search answers as a scan over every position would, for even hashes (where its guess is
     * close), skewed ones (where it walks and then halves), runs continued over several blocks, hashes outside the
     * blocks' range, unsigned order, and indexes of 1 to 3000 key blocks.
     */
    @Test
    void theInterpolatedSearchAnswersAsAScanForEvenSkewedAndContinuedHashes() throws CorruptionException {
        SplittableRandom random = new SplittableRandom(17);
        for (int round = 0; round < 300; round++) {
            int blocks = 1 + random.nextInt(round < 100 ? 12 : 3000);
            int shape = round % 3;
            long[] firsts = new long[blocks];
            for (int i = 0; i < blocks; i++) {
                long even = random.nextLong();
                firsts[i] = shape == 1 ? (even >>> 40) * (even >>> 52) : even; // skewed: crowded near zero
            }
            long[] unsigned = Arrays.stream(firsts).map(h -> h ^ Long.MIN_VALUE).sorted().map(h -> h ^ Long.MIN_VALUE)
                    .toArray();
            boolean[] continues = new boolean[blocks];
            IndexBlock index = new IndexBlock();
            for (int i = 0; i < blocks; i++) {
                if (i > 0 && shape == 2 && random.nextInt(4) == 0) {
                    unsigned[i] = unsigned[i - 1]; // this block continues the run of the one before
                    continues[i] = true;
                } else if (i > 0 && Long.compareUnsigned(unsigned[i], unsigned[i - 1]) <= 0) {
                    unsigned[i] = unsigned[i - 1] + 1;
                }
                index.add(unsigned[i], i, continues[i]);
            }
            IndexBlock read = IndexBlock.read(index.encode(), 0, blocks, FILE);
            for (int probe = 0; probe < 200; probe++) {
                long hash = switch (random.nextInt(4)) {
                    case 0 -> unsigned[random.nextInt(blocks)];
                    case 1 -> unsigned[random.nextInt(blocks)] + random.nextInt(3) - 1;
                    case 2 -> random.nextInt(2) == 0 ? 0 : -1;
                    default -> random.nextLong();
                };
                assertEquals(scan(unsigned, continues, hash), read.firstPosition(hash),
                        "hash " + Long.toUnsignedString(hash) + " among " + blocks + " blocks, shape " + shape);
            }
        }
    }

    /** The last position whose first hash is below {@code hash}, or equal without continuing; else 0. */
    private static int scan(long[] firsts, boolean[] continues, long hash) {
        int answer = 0;
        for (int i = 1; i < firsts.length; i++) {
            int cmp = Long.compareUnsigned(firsts[i], hash);
            if (cmp < 0 || (cmp == 0 && !continues[i])) {
                answer = i;
            }
        }
        return answer;
    }

    @Test
    void equalHashesWithoutContinuationAreDamage() {
        MemorySegment data = type1(new long[] {7, 7}, new int[] {1, 0});
        CorruptionException e = assertThrows(CorruptionException.class, () -> IndexBlock.read(data, 100, 4, FILE));
        assertTrue(e.getMessage().contains("index entry 2 hash not ascending"), e.getMessage());
        assertThrows(CorruptionException.class,
                () -> IndexBlock.read(type1(new long[] {8, 7}, new int[] {0, 1}), 100, 4, FILE));
        assertDoesNotThrow(() -> IndexBlock.read(type1(new long[] {7, 7}, new int[] {0, 1}), 100, 4, FILE));
    }

    @Test
    void aContinuationFlagOtherThanZeroOrOneIsDamage() {
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> IndexBlock.read(type1(new long[] {7}, new int[] {2}), 100, 4, FILE));
        assertTrue(e.getMessage().contains("index entry 1 continues: expected=0|1 found=2"), e.getMessage());
        assertEquals(100 + IndexBlock.ENTRIES_OFFSET + IndexBlock.ENTRY_CONTINUES_OFFSET, e.offset());
    }

    @Test
    void aLengthThatDoesNotMatchTheTypeOrAnUnknownTypeIsDamage() {
        MemorySegment type1 = type1(new long[] {7}, new int[] {0});
        MemorySegment asType0 = MemorySegment.ofArray(type1.toArray(ValueLayout.JAVA_BYTE));
        asType0.set(ValueLayout.JAVA_BYTE, IndexBlock.TYPE_OFFSET, (byte) IndexBlock.TYPE);
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> IndexBlock.read(asType0, 100, 4, FILE));
        assertTrue(e.getMessage().contains("expected=3 + 10n found=14"), e.getMessage());
        MemorySegment type2 = MemorySegment.ofArray(type1.toArray(ValueLayout.JAVA_BYTE));
        type2.set(ValueLayout.JAVA_BYTE, IndexBlock.TYPE_OFFSET, (byte) 2);
        e = assertThrows(CorruptionException.class, () -> IndexBlock.read(type2, 100, 4, FILE));
        assertTrue(e.getMessage().contains("index block type: expected=0|1 found=2"), e.getMessage());
    }

    /** A type 1 index block over key blocks 0, 1, ...: first block 0, then one entry per hash. */
    private static MemorySegment type1(long[] hashes, int[] continues) {
        MemorySegment data = MemorySegment.ofArray(
                new byte[IndexBlock.ENTRIES_OFFSET + hashes.length * IndexBlock.ENTRY_WITH_CONTINUATION_LENGTH]);
        data.set(ValueLayout.JAVA_BYTE, IndexBlock.TYPE_OFFSET, (byte) IndexBlock.TYPE_WITH_CONTINUATIONS);
        for (int i = 0; i < hashes.length; i++) {
            long at = IndexBlock.ENTRIES_OFFSET + (long) i * IndexBlock.ENTRY_WITH_CONTINUATION_LENGTH;
            data.set(Bytes.BE_LONG, at, hashes[i]);
            data.set(Bytes.BE_SHORT, at + IndexBlock.ENTRY_BLOCK_OFFSET, (short) (i + 1));
            data.set(ValueLayout.JAVA_BYTE, at + IndexBlock.ENTRY_CONTINUES_OFFSET, (byte) continues[i]);
        }
        return data;
    }
}
