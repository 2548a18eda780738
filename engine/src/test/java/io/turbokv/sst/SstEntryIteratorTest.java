package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The iterator's reuse of decoded value blocks, and its copy-free accessors. */
class SstEntryIteratorTest {
    @TempDir
    Path dir;

    /**
     * Small values sharing compressed value blocks, with medium values (their own blocks, decoded into the same
     * buffer) between them: the remembered small block must not outlive the buffer's next use.
     */
    static List<TestEntry> smallAndMediumEntries(Random random, int count) {
        List<TestEntry> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] key = SstFiles.bytes(random, 16);
            keys.add(TestEntry.tombstone(KeyHash.hash(key), key));
        }
        keys.sort(TestEntry::compareKey);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            TestEntry k = keys.get(i);
            if (i > 0 && k.sameKey(keys.get(i - 1))) {
                continue;
            }
            int length = i % 7 == 3 ? 4097 + random.nextInt(20_000) : 9 + random.nextInt(200);
            byte[] value = new byte[length];
            for (int b = 0; b < length; b++) {
                value[b] = (byte) (i + (b / 5) % 4); // compressible, and different per entry
            }
            entries.add(TestEntry.value(k.hash(), k.key(), value));
        }
        return entries;
    }

    @Test
    void smallValuesOfOneBlockWithMediumValuesBetweenThemReadBackIntact() throws IOException {
        List<TestEntry> entries = smallAndMediumEntries(new Random(11), 3000);
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize())) {
            assertEquals(entries, SstFiles.iterate(reader));
        }
    }

    /** Copies every entry of {@code reader} to a new SST through the range accessors and add methods. */
    static SstSummary copyByRanges(SstReader reader, Path target) throws IOException {
        return copyByRanges(reader, target, false, new int[1]);
    }

    /**
     * As {@link #copyByRanges(SstReader, Path)}; with {@code raw}, medium values go as their blocks
     * ({@link SstWriter#addMediumRaw}), counted in {@code rawCount[0]}.
     */
    static SstSummary copyByRanges(SstReader reader, Path target, boolean raw, int[] rawCount) throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(target));
        try (SstEntryIterator it = reader.iterator(raw)) {
            while (it.next()) {
                if (it.isRawMediumValue()) {
                    rawCount[0]++;
                    writer.addMediumRaw(it.hash(), it.keySegment(), it.keyOffset(), it.keyLength(),
                            it.rawBlockSegment(), it.rawBlockOffset(), it.rawBlockLength());
                    continue;
                }
                switch (it.kind()) {
                    case VALUE -> writer.addValue(it.hash(), it.keySegment(), it.keyOffset(), it.keyLength(),
                            it.valueSegment(), it.valueOffset(), it.valueLength());
                    case TOMBSTONE -> writer.addTombstone(it.hash(), it.keySegment(), it.keyOffset(),
                            it.keyLength());
                    case BLOB -> writer.addBlob(it.hash(), it.keySegment(), it.keyOffset(), it.keyLength(),
                            it.blobSeq());
                }
            }
        }
        return writer.finish();
    }

    @Test
    void entriesCopiedByRangeReadBackAsWritten() throws IOException {
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            List<TestEntry> entries = SstFiles.randomEntries(random, 1 + random.nextInt(400), seed % 3 == 0,
                    false, seed % 2 == 0);
            Path source = dir.resolve(seed + "-a.sst");
            Path copy = dir.resolve(seed + "-b.sst");
            SstSummary written = SstFiles.write(source, entries);
            SstSummary copied;
            try (SstReader reader = SstReader.open(source, 1, written.blockCount(), written.fileSize())) {
                copied = copyByRanges(reader, copy);
            }
            try (SstReader reader = SstReader.open(copy, 2, copied.blockCount(), copied.fileSize())) {
                assertEquals(entries, SstFiles.iterate(reader), "seed " + seed);
            }
        }
    }

    @Test
    void theRangeAccessorsRefuseWhatIsNotAValue() throws IOException {
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, List.of(TestEntry.tombstone(1, new byte[] {1}),
                TestEntry.blob(2, new byte[] {2}, 9)));
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             SstEntryIterator it = reader.iterator()) {
            assertTrue(it.next());
            assertEquals(1, it.keyLength());
            assertEquals(1, it.keySegment().get(ValueLayout.JAVA_BYTE, it.keyOffset()));
            assertThrows(IllegalStateException.class, it::valueSegment);
            assertThrows(IllegalStateException.class, it::valueOffset);
            assertTrue(it.next());
            assertThrows(IllegalStateException.class, it::valueLength);
            assertEquals(9, it.blobSeq());
        }
    }

    private static long mediumValues(List<TestEntry> entries) {
        return entries.stream().filter(e -> e.value() != null && e.value().length > SstLimits.MAX_SMALL_VALUE_SIZE)
                .count();
    }

    @Test
    void mediumValuesCopiedAsRawBlocksGiveTheSameFileAndReadBack() throws IOException {
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            List<TestEntry> entries = seed % 2 == 0 ? smallAndMediumEntries(random, 1 + random.nextInt(300))
                    : SstFiles.randomEntries(random, 1 + random.nextInt(300), seed % 3 == 0, seed % 5 == 1);
            Path source = dir.resolve(seed + "-a.sst");
            Path copy = dir.resolve(seed + "-b.sst");
            SstSummary written = SstFiles.write(source, entries);
            int[] raw = new int[1];
            SstSummary copied;
            try (SstReader reader = SstReader.open(source, 1, written.blockCount(), written.fileSize())) {
                copied = copyByRanges(reader, copy, true, raw);
            }
            assertEquals(mediumValues(entries), raw[0], "seed " + seed);
            // same entries in the same order: the raw copy reproduces the file byte for byte
            assertEquals(-1, Files.mismatch(source, copy), "seed " + seed);
            try (SstReader reader = SstReader.open(copy, 2, copied.blockCount(), copied.fileSize());
                 LookupScratch scratch = new LookupScratch()) {
                assertEquals(entries, SstFiles.iterate(reader), "seed " + seed);
                TestEntry e = entries.get(random.nextInt(entries.size()));
                assertEquals(SstFiles.group(entries, e), SstFiles.lookup(reader, scratch, e.hash(), e.key()));
            }
        }
    }

    @Test
    void mediumBlocksMoveToTheirNewIndexInAnotherFile() throws IOException {
        // the copy interleaves new small values, so every medium block lands at another index and offset
        List<TestEntry> entries = smallAndMediumEntries(new Random(5), 400);
        Path source = dir.resolve("00000001.sst");
        SstSummary written = SstFiles.write(source, entries);
        Path copy = dir.resolve("00000002.sst");
        List<TestEntry> expected = new ArrayList<>();
        SstWriter writer = new SstWriter(FileLayer.standard().create(copy));
        try (SstReader reader = SstReader.open(source, 1, written.blockCount(), written.fileSize());
             SstEntryIterator it = reader.iterator(true)) {
            int i = 0;
            while (it.next()) {
                TestEntry original = entries.get(i++);
                if (it.isRawMediumValue()) {
                    assertThrows(IllegalStateException.class, it::value);
                    assertThrows(IllegalStateException.class, it::valueSegment);
                    byte[] extra = Arrays.copyOf(original.key(), original.key().length + 1);
                    writer.addMediumRaw(it.hash(), it.keySegment(), it.keyOffset(), it.keyLength(),
                            it.rawBlockSegment(), it.rawBlockOffset(), it.rawBlockLength());
                    expected.add(original);
                    if (KeyHash.hash(extra) == original.hash()) {
                        continue;
                    }
                    TestEntry small = TestEntry.value(original.hash(), extra, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
                    writer.addValue(small.hash(), MemorySegment.ofArray(small.key()),
                            MemorySegment.ofArray(small.value()));
                    expected.add(small);
                } else {
                    assertThrows(IllegalStateException.class, it::rawBlockSegment);
                    writer.addValue(it.hash(), it.keySegment(), it.keyOffset(), it.keyLength(), it.valueSegment(),
                            it.valueOffset(), it.valueLength());
                    expected.add(original);
                }
            }
        }
        SstSummary copied = writer.finish();
        try (SstReader reader = SstReader.open(copy, 2, copied.blockCount(), copied.fileSize())) {
            assertEquals(expected, SstFiles.iterate(reader));
        }
    }

    @Test
    void aDamagedMediumBlockFailsTheRawIteratorNamingTheFile() throws IOException {
        for (boolean compressible : new boolean[] {false, true}) {
            byte[] value = new byte[6000];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) (compressible ? i / 100 : i * 31 + (i >> 3) * 17);
            }
            byte[] key = {7, 7};
            Path file = dir.resolve(compressible + ".sst");
            SstSummary summary = SstFiles.write(file, List.of(TestEntry.value(KeyHash.hash(key), key, value)));
            // block 0 is the medium value: header at 0, data from 8; damage a data byte
            try (FileChannel channel = FileChannel.open(file,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                channel.read(b, 20);
                b.put(0, (byte) (b.get(0) ^ 0x40)).position(0);
                channel.write(b, 20);
            }
            try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
                 SstEntryIterator it = reader.iterator(true)) {
                CorruptionException e = assertThrows(CorruptionException.class, it::next);
                assertTrue(e.getMessage().contains("crc mismatch"), e.getMessage());
                assertEquals(file, e.file());
            }
        }
    }

    @Test
    void theWriterRefusesABlockThatIsNotAMediumValueAndRangesOutsideTheirSegment() throws IOException {
        byte[] key = {1};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(8 + 100); // stored, 100 bytes: a small value
            SstWriter writer = new SstWriter(FileLayer.standard().create(dir.resolve("x.sst")));
            try {
                assertThrows(IllegalArgumentException.class, () -> writer.addMediumRaw(KeyHash.hash(key),
                        MemorySegment.ofArray(key), 0, 1, block, 0, block.byteSize()));
                assertThrows(IllegalArgumentException.class, () -> writer.addMediumRaw(KeyHash.hash(key),
                        MemorySegment.ofArray(key), 0, 1, block, 0, 4));
                assertThrows(IndexOutOfBoundsException.class, () -> writer.addMediumRaw(KeyHash.hash(key),
                        MemorySegment.ofArray(key), 0, 1, block, 1, block.byteSize()));
                assertThrows(IndexOutOfBoundsException.class, () -> writer.addTombstone(KeyHash.hash(key),
                        MemorySegment.ofArray(key), 1, 1));
                assertThrows(IndexOutOfBoundsException.class, () -> writer.addValue(KeyHash.hash(key),
                        MemorySegment.ofArray(key), 0, 1, block, 100, 9));
                assertEquals(0, writer.entryCount());
                writer.addValue(KeyHash.hash(key), MemorySegment.ofArray(key), 0, 1, block, 0, 9);
                assertEquals(1, writer.entryCount());
            } finally {
                writer.abandon();
            }
        }
    }
}
