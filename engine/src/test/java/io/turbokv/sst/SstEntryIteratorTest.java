package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
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
        SstWriter writer = new SstWriter(FileLayer.standard().create(target));
        try (SstEntryIterator it = reader.iterator()) {
            while (it.next()) {
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
}
