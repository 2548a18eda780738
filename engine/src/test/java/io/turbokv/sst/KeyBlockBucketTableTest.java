package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** One bucket of a 255-entry block whose last hash is {@link #LAST_HASH}: bucket {@code b} holds hash b << 32. */
    private static final long LAST_HASH = 255L << 32;

    /**
     * A bucket's start is kept as a signed byte, its distance from {@code bucket * entriesPerBucket}: 127 entries
     * past it fits and 128 does not (then the block has no table); 128 entries before it fits and 129 does not.
     * Every key is found either way.
     */
    @Test
    void bucketStartsAtTheSignedByteLimitsFitAndOnePastThemHasNoTable() throws IOException {
        // 128 entries in bucket 0, then one in each of buckets 128..254: bucket 1 starts 127 entries late
        KeyBlock.Layout late = oneBlock(concat(run(0, 128), spread(128)), 6);
        assertEquals(127, late.bucketStarts()[1]);
        // 129 entries in bucket 0: bucket 1 would start 128 entries late
        assertNull(oneBlock(concat(run(0, 129), spread(129)), 7).bucketStarts());
        // one entry in bucket 0, 129 in bucket 129, then one in each of 130..254: bucket 129 starts 128 early
        KeyBlock.Layout early = oneBlock(concat(run(0, 1), run(129, 129), spread(130)), 8);
        assertEquals(-128, early.bucketStarts()[129]);
        // one entry in bucket 0, 130 in bucket 130: bucket 130 would start 129 entries early
        assertNull(oneBlock(concat(run(0, 1), run(130, 130), spread(131)), 9).bucketStarts());
    }

    /** Entries per bucket and buckets per block, written out, at each block size where they change. */
    @Test
    void bucketCountsAtEachBlockSizeWhereTheyChange() throws IOException {
        int[][] expected = { // entries, entries per bucket, buckets
                {2, 1, 2}, {3, 1, 3}, {254, 1, 254}, {255, 1, 255}, {256, 2, 128}, {257, 2, 129}, {382, 2, 191},
                {383, 2, 192}, {384, 2, 192}, {385, 2, 193}, {510, 2, 255}, {511, 3, 171}};
        assertEquals(1, KeyBlock.entriesPerBucket(1));
        int seq = 20;
        for (int[] row : expected) {
            assertEquals(row[1], KeyBlock.entriesPerBucket(row[0]), row[0] + " entries");
            KeyBlock.Layout layout = oneBlock(entries(row[0], 4, 4, KeyHash::hash), seq++);
            assertNotNull(layout.bucketStarts(), row[0] + " entries");
            assertEquals(row[2] + 1, layout.bucketStarts().length, row[0] + " entries: buckets + 1");
        }
    }

    /**
     * The largest key blocks of short entries put more than {@value KeyBlock#SCAN_ENTRIES} entries in a bucket (some
     * 37 per bucket for 4-byte keys and values in a 256 KiB block): such a bucket is searched by its stored hashes,
     * and every key, every value of a run, and absent keys under known hashes are answered as in a 16 KiB block.
     */
    @Test
    void bucketsOfTheLargestKeyBlocksAreSearchedByTheirHashes() throws IOException {
        List<TestEntry> entries = new ArrayList<>(entries(30_000, 4, 4, KeyHash::hash));
        // keys sharing a hash (collisions), and one key with several values, inside the large buckets
        for (int i = 0; i < 300; i++) {
            TestEntry known = entries.get(random.nextInt(30_000));
            entries.add(TestEntry.value(known.hash(), randomKey(), new byte[] {7, 7, 7, 7}));
            if (i % 30 == 0) {
                entries.add(TestEntry.value(known.hash(), known.key(), new byte[] {8, 8, 8, 8}));
            }
        }
        entries.sort(TestEntry::compareKey);
        SstOptions largest = new SstOptions(SstLimits.MAX_KEY_BLOCK_SIZE, SstOptions.DEFAULT.valueBlockBytes(),
                SstOptions.DEFAULT.compress(), SstOptions.DEFAULT.filterFingerprintBits());
        List<KeyBlock.Layout> layouts = checkBlocks(entries, 40, true, largest);
        assertTrue(layouts.stream().anyMatch(l -> KeyBlock.entriesPerBucket(l.count()) > KeyBlock.SCAN_ENTRIES),
                layouts::toString);
        layouts = checkBlocks(entries, 41, true, SstOptions.DEFAULT);
        assertTrue(layouts.stream().allMatch(l -> KeyBlock.entriesPerBucket(l.count()) < KeyBlock.SCAN_ENTRIES),
                layouts::toString);
    }

    /**
     * A bucket of {@value KeyBlock#SCAN_ENTRIES} entries is compared entry by entry, one of one more is searched by
     * its hashes: both find every key, of a hash of its own or of a hash three keys share, and no absent key.
     */
    @Test
    void bucketsJustBelowAndAboveTheScanLimitFindEveryKey() throws IOException {
        int scan = KeyBlock.SCAN_ENTRIES;
        // 35 buckets over [0, 35 << 32]: bucket b holds the hashes [b << 32, (b + 1) << 32)
        List<TestEntry> entries = new ArrayList<>(run(0, scan)); // bucket 0: the scan limit
        for (int i = 0; i < scan + 1; i++) { // bucket 10: one more, three keys under hash (10 << 32) + 5
            long hash = (10L << 32) + Math.min(i, 5) + Math.max(0, i - 7);
            entries.add(TestEntry.value(hash, randomKey(), new byte[] {(byte) i, 2, 3, 4}));
        }
        entries.add(TestEntry.value(20L << 32, randomKey(), new byte[] {5, 6, 7, 8}));
        while (entries.size() < 34) {
            entries.add(TestEntry.value((25L << 32) + entries.size(), randomKey(), new byte[] {9, 9, 9, 9}));
        }
        entries.add(TestEntry.value(35L << 32, randomKey(), new byte[] {9, 9, 9, 9}));
        entries.sort(TestEntry::compareKey);
        KeyBlock.Layout layout = oneBlock(entries, 42);
        assertEquals(35, layout.count());
        assertNotNull(layout.bucketStarts());
        byte[] table = layout.bucketStarts();
        assertEquals(scan, KeyBlock.bucketStart(table, 35, 1) - KeyBlock.bucketStart(table, 35, 0), "bucket 0");
        assertEquals(scan + 1, KeyBlock.bucketStart(table, 35, 11) - KeyBlock.bucketStart(table, 35, 10), "bucket 10");
    }

    /**
     * {@link SstReader#touchEntry} ahead of a lookup (batchGet) selects the entry the lookup's search of a long
     * bucket arrives at, the key's first, whose lines it loads; in a short bucket it loads nothing, as
     * {@link SstReader#touchGuess} loaded the bucket's entries. A default 16 KiB block with keys of 17 and 40
     * values (one bucket each, over the scan limit) and keys of one value.
     */
    @Test
    void touchEntrySelectsTheFirstEntryOfAKeyInALongBucket() throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        List<byte[]> manyValued = new ArrayList<>();
        for (int k = 0; k < 300; k++) {
            byte[] key = randomKey();
            int values = k == 100 ? KeyBlock.SCAN_ENTRIES + 1 : k == 200 ? 40 : 1;
            if (values > 1) {
                manyValued.add(key);
            }
            for (int v = 0; v < values; v++) {
                entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {(byte) v, 1, 2, 3}));
            }
        }
        entries.sort(TestEntry::compareKey);
        Path file = dir.resolve("touch.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            for (TestEntry e : entries) { // every block used once, so that the touches read it
                SstFiles.lookup(reader, scratch, e.hash(), e.key());
            }
            TestEntry single = entries.stream()
                    .filter(e -> manyValued.stream().noneMatch(key -> Arrays.equals(key, e.key())))
                    .findFirst()
                    .orElseThrow();
            for (byte[] key : manyValued) {
                long hash = KeyHash.hash(key);
                // the cursor rests on another key's entry: touchEntry must move it to this key's first
                assertEquals(List.of(single), SstFiles.lookup(reader, scratch, single.hash(), single.key()));
                reader.touchGuess(hash);
                reader.touchEntry(hash, scratch);
                KeyBlock cursor = scratch.keyBlock;
                assertTrue(cursor.isBucketed(), "a default block of fixed-size entries has a bucket table");
                assertEquals(0, cursor.compareKey(MemorySegment.ofArray(key)), "touchEntry's entry");
            }
        }
    }

    /**
     * A cursor pointed at a block through its {@link KeyBlock.Layout} takes the block's order from the layout, not
     * from the block it held before: a key-ordered block's layout made again from such a cursor has no bucket table
     * (its search words are not hashes, a table over them would send lookups to the wrong entries), and a
     * hash-ordered block's keeps its table after the cursor served a key-ordered block.
     */
    @Test
    void aCursorResetFromALayoutTakesTheBlocksOrderNotThePreviousBlocks() throws IOException {
        List<TestEntry> byHash = entries(200, 16, 100, KeyHash::hash);
        List<TestEntry> byKey = new ArrayList<>(entries(200, 16, 100, KeyHash::hash));
        byKey.sort((a, b) -> Arrays.compareUnsigned(a.key(), b.key()));
        Path hashFile = dir.resolve("30.sst");
        Path keyFile = dir.resolve("31.sst");
        SstSummary hashSummary = SstFiles.write(hashFile, byHash);
        SstSummary keySummary = writeKeyOrdered(keyFile, byKey);
        try (SstReader hashReader = SstReader.open(hashFile, 30, hashSummary.blockCount(), hashSummary.fileSize());
             SstReader keyReader = SstReader.open(keyFile, 31, keySummary.blockCount(), keySummary.fileSize());
             BlockBuffer hashBuffer = new BlockBuffer();
             BlockBuffer keyBuffer = new BlockBuffer();
             BlockChecksum checksum = new BlockChecksum()) {
            assertTrue(keyReader.keyOrdered());
            BlockView hashView = new BlockView();
            BlockView keyView = new BlockView();
            hashReader.loadBlock(hashReader.keyBlock(0), hashBuffer, checksum, hashView);
            keyReader.loadBlock(keyReader.keyBlock(0), keyBuffer, checksum, keyView);
            KeyBlock cursor = new KeyBlock();
            cursor.reset(hashView, hashFile, 0, hashReader.keyBlock(0), false);
            KeyBlock.Layout hashLayout = cursor.layout(false);
            cursor.reset(keyView, keyFile, 0, keyReader.keyBlock(0), true);
            KeyBlock.Layout keyLayout = cursor.layout(false);
            assertNotNull(hashLayout.bucketStarts(), "hash-ordered block");
            assertNull(keyLayout.bucketStarts(), "key-ordered block");

            cursor.reset(hashLayout, hashView.segment, hashView.offset, hashFile); // after the key-ordered block
            assertArrayEquals(hashLayout.bucketStarts(), cursor.layout(false).bucketStarts());
            cursor.reset(keyLayout, keyView.segment, keyView.offset, keyFile); // after the hash-ordered block
            assertNull(cursor.layout(false).bucketStarts(), "key-ordered block, after a hash-ordered one");
        }
    }

    private static SstSummary writeKeyOrdered(Path file, List<TestEntry> entries) throws IOException {
        return write(new SstWriter(FileLayer.standard().create(file), WriteBufferPool.unpooled(), true, true), entries);
    }

    private static SstSummary writeHashOrdered(Path file, List<TestEntry> entries, SstOptions options)
            throws IOException {
        return write(new SstWriter(FileLayer.standard().create(file), WriteBufferPool.unpooled(), true, false, options),
                entries);
    }

    private static SstSummary write(SstWriter writer, List<TestEntry> entries) throws IOException {
        for (TestEntry e : entries) {
            writer.addValue(e.hash(), MemorySegment.ofArray(e.key()), MemorySegment.ofArray(e.value()));
        }
        return writer.finish();
    }

    /** {@code count} entries of 4-byte random keys whose hashes fall in bucket {@code bucket} of a 255-entry block. */
    private List<TestEntry> run(int bucket, int count) {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(TestEntry.value(((long) bucket << 32) + i, randomKey(), new byte[] {1, 2, 3, 4}));
        }
        return entries;
    }

    /** One entry in each bucket from {@code firstBucket} to 253, then one at {@link #LAST_HASH} (bucket 254). */
    private List<TestEntry> spread(int firstBucket) {
        List<TestEntry> entries = new ArrayList<>();
        for (int b = firstBucket; b < 254; b++) {
            entries.add(TestEntry.value(((long) b << 32) + (1L << 31), randomKey(), new byte[] {5, 6, 7, 8}));
        }
        entries.add(TestEntry.value(LAST_HASH, randomKey(), new byte[] {9, 9, 9, 9}));
        return entries;
    }

    private byte[] randomKey() {
        byte[] key = new byte[4];
        random.nextBytes(key);
        return key;
    }

    @SafeVarargs
    private static List<TestEntry> concat(List<TestEntry>... parts) {
        List<TestEntry> all = new ArrayList<>();
        for (List<TestEntry> part : parts) {
            all.addAll(part);
        }
        all.sort(TestEntry::compareKey);
        return all;
    }

    /** Writes {@code entries} (one key block), checks every key through it, returns its layout. */
    private KeyBlock.Layout oneBlock(List<TestEntry> entries, int seq) throws IOException {
        List<KeyBlock.Layout> layouts = checkBlocks(entries, seq, false);
        assertEquals(1, layouts.size(), "key blocks");
        assertEquals(entries.size(), layouts.getFirst().count());
        return layouts.getFirst();
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
     * {@link SstReader#lookup}, twice (the block's first use, which makes its layout, and a later one), and
     * {@code batchGet}'s touches of every key's lines.
     *
     * @return the key blocks' layouts
     */
    private List<KeyBlock.Layout> checkBlocks(List<TestEntry> entries, int seq, boolean uniform) throws IOException {
        return checkBlocks(entries, seq, uniform, SstOptions.DEFAULT);
    }

    /** As {@link #checkBlocks(List, int, boolean)}, the SST written with the block budgets of {@code options}. */
    private List<KeyBlock.Layout> checkBlocks(List<TestEntry> entries, int seq, boolean uniform, SstOptions options)
            throws IOException {
        Path file = dir.resolve(seq + ".sst");
        SstSummary summary = writeHashOrdered(file, entries, options);
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
            // batchGet touches each key's lines before its lookup: SstReader.touchBucket asserts that the bucket it
            // loads lies within the block (surefire runs with -ea), and a lookup right after the touches, which move
            // the scratch's key block cursor, still finds every entry of the key
            assertTrue(SstReader.class.desiredAssertionStatus(), "the touches' bounds are asserted");
            for (List<TestEntry> group : groups.values()) {
                TestEntry e = group.getFirst();
                reader.touchGuess(e.hash());
                reader.touchEntry(e.hash(), scratch);
                assertEquals(group, SstFiles.lookup(reader, scratch, e.hash(), e.key()));
            }
        }
        return layouts;
    }
}
