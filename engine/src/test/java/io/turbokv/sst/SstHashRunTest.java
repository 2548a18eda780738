package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs of entries with one hash (a key's many values, or different keys whose hashes collide) longer than a key
 * block: they continue in the following key blocks, and lookup, iteration and the writer's room checks follow them.
 */
class SstHashRunTest {
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void aMillionValuesOfOneSixteenByteKeyReadBackThroughLookupAndIteration() throws IOException {
        byte[] key = "sixteen byte key".getBytes(StandardCharsets.US_ASCII);
        assertRunOfOneKeyReadsBack(key, 1_000_000, 4);
    }

    @Test
    void twoHundredValuesOfOneHundredKiBKeyReadBackThroughLookupAndIteration() throws IOException {
        byte[] key = new byte[100 << 10];
        new Random(5).nextBytes(key);
        assertRunOfOneKeyReadsBack(key, 200, 4);
    }

    @Test
    void aRunOfMaximumLengthKeysTakesOneKeyBlockPerEntry() throws IOException {
        byte[] key = new byte[SstLimits.MAX_KEY_LENGTH];
        key[0] = 1;
        long hash = KeyHash.hash(key);
        byte[] small = new byte[100];
        byte[] medium = new byte[SstLimits.MAX_SMALL_VALUE_SIZE + 1];
        Arrays.fill(small, (byte) 2);
        Arrays.fill(medium, (byte) 3);
        List<TestEntry> entries = List.of(TestEntry.value(hash - 1, new byte[] {1}, new byte[] {1}),
                TestEntry.value(hash, key, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), TestEntry.value(hash, key, small),
                TestEntry.value(hash, key, medium), TestEntry.blob(hash, key, 9), TestEntry.tombstone(hash, key),
                TestEntry.value(hash + 1, new byte[] {2}, new byte[] {2}));
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(entries.size(), reader.keyBlockCount(), "one key block per entry");
            for (TestEntry entry : entries) {
                assertEquals(SstFiles.group(entries, entry), SstFiles.lookup(reader, scratch, entry.hash(),
                        entry.key()), entry.toString());
            }
            assertEquals(entries, SstFiles.iterate(reader));
        }
    }

    @Test
    void differentKeysSharingOneHashSpanKeyBlocksAndEachFindsOnlyItsEntries() throws IOException {
        Random random = new Random(23);
        long hash = 0x4242_4242_4242_4242L;
        List<TestEntry> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            keys.add(TestEntry.tombstone(hash, SstFiles.bytes(random, 40 + random.nextInt(60))));
        }
        keys.sort(TestEntry::compareKey);
        List<TestEntry> entries = new ArrayList<>();
        entries.add(TestEntry.value(hash - 1, new byte[] {9}, new byte[] {9, 9}));
        for (TestEntry k : keys) {
            if (!entries.getLast().sameKey(k)) {
                for (int v = 1 + random.nextInt(3); v > 0; v--) {
                    entries.add(TestEntry.value(hash, k.key(), SstFiles.bytes(random, random.nextInt(40))));
                }
                if (random.nextInt(7) == 0) {
                    entries.add(k);
                }
            }
        }
        entries.add(TestEntry.value(hash + 1, new byte[] {8}, new byte[] {8, 8}));
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertTrue(reader.keyBlockCount() >= 3, "key blocks: " + reader.keyBlockCount());
            for (TestEntry entry : entries) {
                assertEquals(SstFiles.group(entries, entry), SstFiles.lookup(reader, scratch, entry.hash(),
                        entry.key()), entry.toString());
            }
            for (byte[] absent : new byte[][] {{}, {0}, new byte[200], {(byte) 0xFF, (byte) 0xFF}}) {
                assertEquals(List.of(), SstFiles.lookup(reader, scratch, hash, absent));
            }
            assertEquals(List.of(), SstFiles.lookup(reader, scratch, hash + 2, new byte[] {8}));
            assertEquals(entries, SstFiles.iterate(reader));
        }
    }

    @Test
    void aRunReachingTheBlockLimitStillTakesItsTombstoneWhenRoomRunsOut() throws IOException {
        byte[] key = {4, 2};
        long hash = KeyHash.hash(key);
        byte[] value = new byte[SstLimits.MAX_SMALL_VALUE_SIZE + 1]; // a medium value: one block each
        SstWriter writer = new SstWriter(FileLayer.standard().create(dir.resolve("00000001.sst")));
        MemorySegment keySegment = MemorySegment.ofArray(key);
        MemorySegment valueSegment = MemorySegment.ofArray(value);
        int added = 0;
        while (writer.hasRoomFor(key.length, value.length)) {
            valueSegment.set(BE_INT, 0, added++);
            writer.addValue(hash, keySegment, valueSegment);
        }
        assertTrue(added > SstLimits.MAX_BLOCK_COUNT - 100, "room ran out after " + added + " values");
        writer.addTombstone(hash, keySegment);
        SstSummary summary = writer.finish();
        assertTrue(summary.blockCount() <= SstLimits.MAX_BLOCK_COUNT, "blocks: " + summary.blockCount());
        try (SstReader reader = SstReader.open(dir.resolve("00000001.sst"), 1, summary.blockCount(),
                summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            int[] next = {0};
            boolean[] tombstone = {false};
            LookupResult result = reader.lookup(hash, keySegment, scratch, new EntryVisitor() {
                @Override
                public void onValue(MemorySegment bytes, long offset, long length) {
                    assertEquals(value.length, length);
                    assertEquals(next[0]++, bytes.get(BE_INT, offset));
                }

                @Override
                public void onBlob(int blobSeq) {
                    throw new AssertionError("no blob was written");
                }

                @Override
                public void onTombstone() {
                    tombstone[0] = true;
                }
            });
            assertEquals(LookupResult.DELETED, result);
            assertEquals(added, next[0]);
            assertTrue(tombstone[0]);
        }
    }

    @Test
    void roomCountsTheBytesAnEntryMayAdd() throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(dir.resolve("00000001.sst")));
        assertTrue(writer.hasRoomFor(SstLimits.MAX_KEY_LENGTH, SstLimits.MAX_MEDIUM_VALUE_SIZE));
        assertFalse(writer.hasRoomFor(1, SstLimits.MAX_FILE_SIZE));
        assertFalse(writer.hasRoomFor(SstLimits.MAX_FILE_SIZE / 2, 0), "the key counts twice: value and tombstone");
        writer.abandon();
    }

    /**
     * Writes {@code count} values of {@code valueLength} bytes (the value's index, big-endian, then zeros) under
     * {@code key}, between keys of the neighbouring hashes, and reads them back by lookup and iteration.
     */
    private void assertRunOfOneKeyReadsBack(byte[] key, int count, int valueLength) throws IOException {
        long hash = KeyHash.hash(key);
        byte[] below = {1};
        byte[] above = {2};
        Path file = dir.resolve("00000001.sst");
        SstWriter writer = new SstWriter(FileLayer.standard().create(file));
        writer.addValue(hash - 1, MemorySegment.ofArray(below), MemorySegment.ofArray(new byte[] {5}));
        MemorySegment keySegment = MemorySegment.ofArray(key);
        MemorySegment value = MemorySegment.ofArray(new byte[valueLength]);
        for (int i = 0; i < count; i++) {
            value.set(BE_INT, 0, i);
            writer.addValue(hash, keySegment, value);
        }
        writer.addValue(hash + 1, MemorySegment.ofArray(above), MemorySegment.ofArray(new byte[] {6}));
        writer.addTombstone(hash + 1, MemorySegment.ofArray(above));
        SstSummary summary = writer.finish();
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertTrue(reader.keyBlockCount() > 1, "key blocks: " + reader.keyBlockCount());
            int[] next = {0};
            LookupResult result = reader.lookup(hash, keySegment, scratch, new EntryVisitor() {
                @Override
                public void onValue(MemorySegment bytes, long offset, long length) {
                    assertEquals(valueLength, length);
                    assertEquals(next[0]++, bytes.get(BE_INT, offset));
                }

                @Override
                public void onBlob(int blobSeq) {
                    throw new AssertionError("no blob was written");
                }

                @Override
                public void onTombstone() {
                    throw new AssertionError("no tombstone was written");
                }
            });
            assertEquals(LookupResult.FOUND, result);
            assertEquals(count, next[0]);
            assertEquals(List.of(TestEntry.value(hash - 1, below, new byte[] {5})),
                    SstFiles.lookup(reader, scratch, hash - 1, below));
            assertEquals(
                    List.of(TestEntry.value(hash + 1, above, new byte[] {6}), TestEntry.tombstone(hash + 1, above)),
                    SstFiles.lookup(reader, scratch, hash + 1, above));
            assertEquals(List.of(), SstFiles.lookup(reader, scratch, hash, below));
            assertEquals(List.of(), SstFiles.lookup(reader, scratch, hash, Arrays.copyOf(key, key.length + 1)));
            try (SstEntryIterator it = reader.iterator()) {
                assertTrue(it.next());
                assertEquals(hash - 1, it.hash());
                for (int i = 0; i < count; i++) {
                    assertTrue(it.next());
                    assertEquals(hash, it.hash());
                    assertEquals(MemorySegment.ofArray(key).byteSize(), it.keyLength());
                    assertEquals(i, it.valueSegment().get(BE_INT, it.valueOffset()), "value " + i);
                }
                assertTrue(it.next());
                assertEquals(hash + 1, it.hash());
                assertTrue(it.next());
                assertEquals(EntryKind.TOMBSTONE, it.kind());
                assertFalse(it.next());
            }
        }
    }
}
