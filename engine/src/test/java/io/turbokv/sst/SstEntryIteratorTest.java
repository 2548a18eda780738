package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turbokv.io.KeyHash;
import java.io.IOException;
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
}
