package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.Crc32;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key block search interpolates over the stored hashes; whatever their distribution, every present key is
 * found with all its entries and no absent key is, and a key block of the hashless kinds of SST format 1 is damage.
 */
class KeyBlockSearchTest {
    private static final int KEYS = 3000;

    @TempDir
    Path dir;

    private final Random random = new Random(29);

    @Test
    void uniformHashesAreFound() throws IOException {
        checkEveryKey(i -> random.nextLong());
    }

    @Test
    void hashesCrowdedAtBothEndsOfTheRangeAreFound() throws IOException {
        // half near 0, half near 2^64: interpolation's first guesses land far from them
        checkEveryKey(i -> i % 2 == 0 ? random.nextInt(1000) : -1 - random.nextInt(1000));
    }

    @Test
    void exponentiallySpreadHashesAreFound() throws IOException {
        checkEveryKey(i -> (1L << (i % 64)) + i / 64);
    }

    @Test
    void hashesThatCollideInLongRunsAreFoundByKey() throws IOException {
        checkEveryKey(i -> i / 200);
    }

    @Test
    void hashesOnTheSignBoundaryCompareUnsigned() throws IOException {
        checkEveryKey(i -> Long.MAX_VALUE - 1500 + i);
    }

    private void checkEveryKey(IntToLongFunction hashOf) throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = SstFiles.bytes(random, 12);
            java.nio.ByteBuffer.wrap(key).putInt(i); // unique
            entries.add(TestEntry.value(hashOf.applyAsLong(i), key, SstFiles.bytes(random, 1 + random.nextInt(12))));
        }
        entries.sort(TestEntry::compareKey);
        Path file = dir.resolve("00000001.sst");
        Files.deleteIfExists(file);
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertTrue(reader.keyBlockCount() > 1, "the entries span several key blocks");
            for (TestEntry e : entries) {
                assertEquals(List.of(e), SstFiles.lookup(reader, scratch, e.hash(), e.key()));
            }
            for (TestEntry absent : SstFiles.absentKeys(random, entries, 500)) {
                assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()));
            }
        }
    }

    @Test
    void hashlessKeyBlocksOfFormatOneAreDamage() throws IOException {
        for (int formatOneType : new int[] {2, 4}) {
            Path file = dir.resolve("0000000" + formatOneType + ".sst");
            List<TestEntry> entries = List.of(TestEntry.value(5, new byte[] {1}, new byte[] {2}));
            SstSummary summary = SstFiles.write(file, entries);
            byte[] bytes = Files.readAllBytes(file);
            MemorySegment segment = MemorySegment.ofArray(bytes);
            // block 0 is the only key block, stored: set its type byte and sign it again, so only the type is wrong
            long end = Bytes.u32(segment, bytes.length - 4L * summary.blockCount());
            segment.set(ValueLayout.JAVA_BYTE, BlockFraming.HEADER_LENGTH + KeyBlock.TYPE_OFFSET,
                    (byte) formatOneType);
            segment.set(Bytes.BE_INT, BlockFraming.CRC_OFFSET, Crc32.of(0,
                    segment.asSlice(BlockFraming.HEADER_LENGTH, end - BlockFraming.HEADER_LENGTH)));
            Files.write(file, bytes);
            try (SstReader reader = SstReader.open(file, formatOneType, summary.blockCount(), summary.fileSize());
                 LookupScratch scratch = new LookupScratch()) {
                CorruptionException e = assertThrows(CorruptionException.class,
                        () -> SstFiles.lookup(reader, scratch, 5, new byte[] {1}));
                assertTrue(e.getMessage().contains("key block type: expected=1|3 found=" + formatOneType),
                        e.getMessage());
            }
        }
    }
}
