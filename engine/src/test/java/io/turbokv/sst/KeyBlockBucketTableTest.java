package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bucket table a hash-ordered fixed-size key block's {@link KeyBlock.Layout} carries: blocks of up to
 * {@value KeyBlock#MAX_BUCKETED_COUNT} entries have one and every key is found through it, by key alone, whatever
 * the hashes' spread; larger blocks have none and are searched as before.
 */
class KeyBlockBucketTableTest {
    @TempDir
    Path dir;

    private final Random random = new Random(29);

    @Test
    void blocksOfUpTo255EntriesFindEveryKeyThroughTheirBucketAndLargerOnesHaveNoTable() throws IOException {
        // 16-byte keys and 100-byte inline values: about 130 entries per 16 KiB key block, bucketed
        List<TestEntry> wide = entries(3000, 16, 100, KeyHash::hash);
        List<Integer> counts = checkBlocks(wide, 1);
        assertTrue(counts.stream().allMatch(c -> c <= KeyBlock.MAX_BUCKETED_COUNT), counts::toString);
        // 4-byte keys and 4-byte values: over 800 entries per key block, no table
        List<TestEntry> narrow = entries(3000, 4, 4, KeyHash::hash);
        counts = checkBlocks(narrow, 2);
        assertTrue(counts.stream().anyMatch(c -> c > KeyBlock.MAX_BUCKETED_COUNT), counts::toString);
    }

    @Test
    void skewedAndCollidingHashesAreFoundThroughTheirBucket() throws IOException {
        // Most hashes in a narrow range near 0 (one bucket), a few at the far end of the unsigned range, and runs
        // of up to four keys sharing a hash, some of them across a bucket's start.
        long[] far = {Long.MAX_VALUE, Long.MIN_VALUE, -2, -1};
        List<TestEntry> entries = entries(1500, 16, 100, key -> {
            int shape = random.nextInt(100);
            return shape < 2 ? far[random.nextInt(far.length)] : shape < 60 ? random.nextInt(400) : random.nextLong();
        });
        checkBlocks(entries, 3);
    }

    /** Random keys of one length with inline values of one length, hashed by {@code hash}, sorted. */
    private List<TestEntry> entries(int count, int keyLength, int valueLength,
                                    ToLongFunction<byte[]> hash) {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[keyLength];
            random.nextBytes(key);
            byte[] value = new byte[valueLength];
            random.nextBytes(value);
            entries.add(TestEntry.value(hash.applyAsLong(key), key, value));
        }
        entries.sort(TestEntry::compareKey);
        return entries;
    }

    /**
     * Writes {@code entries}, checks each key block's table against its entry count and, where it has one, that
     * {@link KeyBlock#findInBucket} names each key's first entry; then every key and some absent ones through
     * {@link SstReader#lookup}, twice (the block's first use, which makes its layout, and a later one).
     *
     * @return the key blocks' entry counts
     */
    private List<Integer> checkBlocks(List<TestEntry> entries, int seq) throws IOException {
        Path file = dir.resolve(seq + ".sst");
        SstSummary summary = SstFiles.write(file, entries);
        List<Integer> counts = new ArrayList<>();
        try (SstReader reader = SstReader.open(file, seq, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch();
             BlockBuffer buffer = new BlockBuffer();
             BlockChecksum checksum = new BlockChecksum()) {
            BlockView view = new BlockView();
            KeyBlock keyBlock = new KeyBlock();
            for (int b = 0; b < reader.keyBlockCount(); b++) {
                int block = reader.keyBlock(b);
                reader.loadBlock(block, buffer, checksum, view);
                keyBlock.reset(view, file, 0, block, false);
                KeyBlock.Layout layout = keyBlock.layout(false);
                int count = keyBlock.count();
                counts.add(count);
                boolean spread = keyBlock.hash(0) != keyBlock.hash(count - 1);
                if (count <= KeyBlock.MAX_BUCKETED_COUNT && count > 1 && spread) {
                    assertNotNull(layout.bucketStarts(), "block " + b + " of " + count + " entries");
                    for (int i = 0; i < count; i++) {
                        keyBlock.select(i);
                        byte[] bytes = new byte[(int) keyBlock.keyLength()];
                        MemorySegment.copy(view.segment, ValueLayout.JAVA_BYTE, keyBlock.keyStart(), bytes, 0,
                                bytes.length);
                        MemorySegment key = MemorySegment.ofArray(bytes);
                        int first = keyBlock.findInBucket(keyBlock.hash(i), key);
                        assertTrue(first <= i, "entry " + i + " found at " + first);
                        keyBlock.select(first);
                        assertEquals(0, keyBlock.compareKey(key));
                    }
                } else {
                    assertNull(layout.bucketStarts(), "block " + b + " of " + count + " entries");
                }
            }
            for (int round = 0; round < 2; round++) {
                for (TestEntry e : entries) {
                    assertEquals(SstFiles.group(entries, e), SstFiles.lookup(reader, scratch, e.hash(), e.key()));
                }
                for (TestEntry absent : SstFiles.absentKeys(random, entries, 300)) {
                    assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()));
                }
            }
        }
        return counts;
    }
}
