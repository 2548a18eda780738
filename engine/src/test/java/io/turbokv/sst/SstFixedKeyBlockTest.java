package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key blocks whose entries share key and value reference length use the fixed-size layout (type 3). */
class SstFixedKeyBlockTest {
    @TempDir
    Path dir;

    private final Random random = new Random(17);

    private List<TestEntry> entries(int count, int keyLength, boolean realHashes, IntFunction<TestEntry> shape) {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] key = SstFiles.bytes(random, keyLength);
            TestEntry e = shape.apply(i);
            long hash = realHashes ? KeyHash.hash(key) : i / 3;
            entries.add(new TestEntry(hash, key, e.kind(), e.value(), e.blobSeq()));
        }
        entries.sort(TestEntry::compareKey);
        return entries;
    }

    private List<Integer> roundTrip(List<TestEntry> entries) throws IOException {
        Path file = dir.resolve("00000001.sst");
        java.nio.file.Files.deleteIfExists(file);
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(entries, SstFiles.iterate(reader));
            for (TestEntry e : entries) {
                assertEquals(SstFiles.group(entries, e).getFirst(),
                        SstFiles.lookup(reader, scratch, e.hash(), e.key()).getFirst());
            }
            for (TestEntry absent : SstFiles.absentKeys(random, entries, 100)) {
                assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()));
            }
            return SstFiles.keyBlockTypes(reader);
        }
    }

    @Test
    void shortKeysWithInlineValuesOfOneLengthUseTheFixedLayout() throws IOException {
        List<Integer> types = roundTrip(entries(2000, 16, true,
                i -> TestEntry.value(0, null, SstFiles.bytes(random, 8))));
        assertEquals(new HashSet<>(List.of(KeyBlock.TYPE_FIXED)), new HashSet<>(types));
        assertTrue(types.size() > 1);
    }

    @Test
    void longKeysWithTombstonesUseTheFixedLayout() throws IOException {
        List<Integer> types = roundTrip(entries(1000, 40, true, i -> TestEntry.tombstone(0, null)));
        assertEquals(new HashSet<>(List.of(KeyBlock.TYPE_FIXED)), new HashSet<>(types));
    }

    @Test
    void entryTypesWithReferencesOfOneLengthShareAMixedFixedBlock() throws IOException {
        // 8-byte inline values and small references (8 bytes), with made-up colliding hashes.
        List<Integer> types = roundTrip(entries(1500, 20, false, i -> TestEntry.value(0, null,
                SstFiles.bytes(random, i % 2 == 0 ? 8 : SstLimits.MAX_INLINE_VALUE_SIZE + 1 + random.nextInt(500)))));
        assertEquals(new HashSet<>(List.of(KeyBlock.TYPE_FIXED)), new HashSet<>(types));
        // 4-byte inline values and blob references (4 bytes), real hashes, short keys.
        types = roundTrip(entries(1500, 10, true, i -> i % 2 == 0 ? TestEntry.blob(0, null, i)
                : TestEntry.value(0, null, SstFiles.bytes(random, 4))));
        assertEquals(new HashSet<>(List.of(KeyBlock.TYPE_FIXED)), new HashSet<>(types));
    }

    @Test
    void differentKeyLengthsFallBackToTheVariableLayout() throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            byte[] key = SstFiles.bytes(random, 5 + random.nextInt(20));
            entries.add(TestEntry.value(KeyHash.hash(key), key, SstFiles.bytes(random, 8)));
        }
        entries.sort(TestEntry::compareKey);
        List<Integer> types = roundTrip(entries.stream().distinct().toList());
        assertEquals(new HashSet<>(List.of(KeyBlock.TYPE_VARIABLE)), new HashSet<>(types));
    }

    @Test
    void manyEmptyValuesOfTheEmptyKeyUseTheFixedLayout() throws IOException {
        long hash = KeyHash.hash(new byte[0]);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            entries.add(TestEntry.value(hash, new byte[0], new byte[0]));
        }
        entries.add(TestEntry.tombstone(hash, new byte[0]));
        Path file = dir.resolve("00000002.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 2, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(entries, SstFiles.lookup(reader, scratch, hash, new byte[0]));
            assertEquals(List.of(KeyBlock.TYPE_FIXED), SstFiles.keyBlockTypes(reader),
                    "the tombstone makes the block mixed");
        }
        entries.removeLast();
        Path file2 = dir.resolve("00000003.sst");
        summary = SstFiles.write(file2, entries);
        try (SstReader reader = SstReader.open(file2, 3, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(entries, SstFiles.lookup(reader, scratch, hash, new byte[0]));
            assertEquals(List.of(KeyBlock.TYPE_FIXED), SstFiles.keyBlockTypes(reader),
                    "the stored hashes count entries of zero bytes");
        }
    }

    @Test
    void valuesUpToTheInlineLimitLiveInTheKeyBlockNextToTheirKey() throws IOException {
        List<TestEntry> entries = entries(3000, 16, true,
                i -> TestEntry.value(0, null, SstFiles.bytes(random, SstLimits.MAX_INLINE_VALUE_SIZE)));
        Path file = dir.resolve("00000004.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 4, summary.blockCount(), summary.fileSize())) {
            assertEquals(reader.keyBlockCount() + 1, reader.blockCount(), "key blocks and the index, no value block");
        }
        assertEquals(new HashSet<>(List.of(KeyBlock.TYPE_FIXED)), new HashSet<>(roundTrip(entries)));
        List<TestEntry> oneByteLonger = entries(3000, 16, true,
                i -> TestEntry.value(0, null, SstFiles.bytes(random, SstLimits.MAX_INLINE_VALUE_SIZE + 1)));
        Path longer = dir.resolve("00000005.sst");
        summary = SstFiles.write(longer, oneByteLonger);
        try (SstReader reader = SstReader.open(longer, 5, summary.blockCount(), summary.fileSize())) {
            assertTrue(reader.blockCount() > 2 * reader.keyBlockCount(), "small values go to value blocks");
        }
    }
}
