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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bucket table a hash-ordered fixed-size key block's {@link KeyBlock.Layout} carries: blocks of uniform hashes
 * have one, one entry per bucket up to {@value KeyBlock#MAX_BUCKETS} entries and several above, and every key is
 * found through it by its bytes alone; a block whose bucket starts do not fit the table (skewed hashes, a long run of
 * one key) has none and is searched by its hashes, with the same answers.
 */
class KeyBlockBucketTableTest {
    @TempDir
    Path dir;

    private final Random random = new Random(29);

    @Test
    void blocksOfUniformHashesFindEveryKeyThroughTheirBucketBelowAndAbove255Entries() throws IOException {
        // 16-byte keys and 100-byte inline values: about 130 entries per 16 KiB key block, one per bucket
        List<KeyBlock.Layout> layouts = checkBlocks(entries(3000, 16, 100, KeyHash::hash), 1, true);
        assertTrue(layouts.stream().allMatch(l -> l.count() <= KeyBlock.MAX_BUCKETS), layouts::toString);
        // 4-byte keys and 4-byte values: over 800 entries per key block, several per bucket
        layouts = checkBlocks(entries(3000, 4, 4, KeyHash::hash), 2, true);
        assertTrue(layouts.stream().anyMatch(l -> l.count() > KeyBlock.MAX_BUCKETS), layouts::toString);
    }

    @Test
    void skewedAndCollidingHashesAreFoundWithOrWithoutATable() throws IOException {
        // Most hashes in a narrow range near 0 (one bucket), a few at the far end of the unsigned range, and runs
        // of up to four keys sharing a hash, some of them across a bucket's start.
        long[] far = {Long.MAX_VALUE, Long.MIN_VALUE, -2, -1};
        List<TestEntry> entries = entries(1500, 16, 100, key -> {
            int shape = random.nextInt(100);
            return shape < 2 ? far[random.nextInt(far.length)] : shape < 60 ? random.nextInt(400) : random.nextLong();
        });
        checkBlocks(entries, 3, false);
        // the same spread, slightly skewed: every fourth hash in the lowest sixteenth of the range
        entries = entries(3000, 16, 100, key -> random.nextInt(4) == 0 ? random.nextLong() >>> 4 : random.nextLong());
        checkBlocks(entries, 4, false);
    }

    @Test
    void aBlockHoldingALongRunOfOneKeyHasNoTableAndFindsItsValues() throws IOException {
        List<TestEntry> entries = new ArrayList<>(entries(200, 4, 4, KeyHash::hash));
        byte[] key = {1, 2, 3, 4};
        for (int v = 0; v < 5000; v++) {
            entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {(byte) v, (byte) (v >> 8), 0, 0}));
        }
        entries.sort(TestEntry::compareKey);
        List<KeyBlock.Layout> layouts = checkBlocks(entries, 5, false);
        KeyBlock.Layout largest = layouts.stream().max(Comparator.comparingInt(KeyBlock.Layout::count)).orElseThrow();
        assertTrue(largest.count() > 5000, layouts::toString);
        assertNull(largest.bucketStarts(), "the run's block");
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
     * Writes {@code entries}, checks that each key block of {@code uniform} hashes has a table (of more than one
     * entry and not a single hash) and, in each block that has one, that {@link KeyBlock#findInBucket} names each
     * key's first entry; then every key and some absent ones through
     * {@link SstReader#lookup}, twice (the block's first use, which makes its layout, and a later one).
     *
     * @return the key blocks' layouts
     */
    private List<KeyBlock.Layout> checkBlocks(List<TestEntry> entries, int seq, boolean uniform) throws IOException {
        Path file = dir.resolve(seq + ".sst");
        SstSummary summary = SstFiles.write(file, entries);
        List<KeyBlock.Layout> layouts = new ArrayList<>();
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
                layouts.add(layout);
                if (uniform && count > 1 && keyBlock.hash(0) != keyBlock.hash(count - 1)) {
                    assertNotNull(layout.bucketStarts(), "block " + b + " of " + count + " entries");
                }
                if (layout.bucketStarts() == null) {
                    continue;
                }
                assertEquals(Math.ceilDiv(count, KeyBlock.entriesPerBucket(count)) + 1, layout.bucketStarts().length);
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
            }
            Map<String, List<TestEntry>> groups = new HashMap<>();
            for (TestEntry e : entries) {
                groups.computeIfAbsent(HexFormat.of().formatHex(e.key()), k -> new ArrayList<>()).add(e);
            }
            for (int round = 0; round < 2; round++) {
                for (List<TestEntry> group : groups.values()) {
                    TestEntry e = group.getFirst();
                    assertEquals(group, SstFiles.lookup(reader, scratch, e.hash(), e.key()));
                }
                for (TestEntry absent : SstFiles.absentKeys(random, entries, 300)) {
                    assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()));
                }
            }
        }
        return layouts;
    }
}
