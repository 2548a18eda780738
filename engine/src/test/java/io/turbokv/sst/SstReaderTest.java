package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turbokv.CorruptionException;
import io.turbokv.ffm.Advice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SstReaderTest {
    @TempDir
    Path dir;

    @Test
    void aSizeDifferentFromTheMetaEntryIsACorruptionNamingBoth() throws IOException {
        Path file = dir.resolve("00000007.sst");
        SstSummary summary = SstFiles.write(file, List.of(TestEntry.value(1, new byte[] {1}, new byte[] {2})));
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> SstReader.open(file, 7, summary.blockCount(), summary.fileSize() + 1));
        assertTrue(e.getMessage().contains("expected=" + (summary.fileSize() + 1) + " found=" + summary.fileSize()),
                e.getMessage());
        assertEquals(CorruptionException.NO_OFFSET, e.offset());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> SstReader.open(dir.resolve("00000009.sst"), 9, 2, 100));
    }

    @Test
    void theReaderReportsWhatItOpened() throws IOException {
        Path file = dir.resolve("00000003.sst");
        SstSummary summary = SstFiles.write(file, SstFiles.randomEntries(new Random(1), 50, false, false));
        try (SstReader reader = SstReader.open(file, 3, summary.blockCount(), summary.fileSize())) {
            assertEquals(3, reader.seq());
            assertEquals(file, reader.path());
            assertEquals(summary.blockCount(), reader.blockCount());
            assertEquals(summary.fileSize(), reader.fileSize());
        }
    }

    @Test
    void aLookupAfterCloseFailsCleanly() throws IOException {
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, List.of(TestEntry.value(1, new byte[] {1}, new byte[] {2})));
        SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
        reader.close();
        reader.close();
        try (LookupScratch scratch = new LookupScratch()) {
            assertThrows(IllegalStateException.class, () -> SstFiles.lookup(reader, scratch, 1, new byte[] {1}));
        }
    }

    @Test
    void anExhaustedIteratorStaysExhausted() throws IOException {
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, List.of(TestEntry.tombstone(1, new byte[] {1})));
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             SstEntryIterator it = reader.iterator()) {
            assertTrue(it.next());
            assertEquals(EntryKind.TOMBSTONE, it.kind());
            assertThrows(IllegalStateException.class, it::value);
            assertThrows(IllegalStateException.class, it::blobSeq);
            assertFalse(it.next());
            assertFalse(it.next());
        }
    }

    @Test
    void aLookupVisitsTheValuesOfAKeyThenItsTombstone() throws IOException {
        Path file = dir.resolve("00000001.sst");
        byte[] key = {4, 2};
        List<TestEntry> entries = List.of(TestEntry.value(9, key, new byte[] {1}),
                TestEntry.value(9, key, new byte[5000]), TestEntry.blob(9, key, 12), TestEntry.tombstone(9, key));
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            SstFiles.Collector collector = new SstFiles.Collector(9, key);
            assertEquals(LookupResult.DELETED, reader.lookup(9, MemorySegment.ofArray(key), scratch, collector));
            assertEquals(entries, collector.found);
        }
    }

    /** The VmFlags of this process's mapping of {@code file} (Linux {@code /proc/self/smaps}), or "" if none. */
    private static String vmFlags(Path file) throws IOException {
        String name = " " + file.toRealPath();
        boolean inMapping = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inMapping = line.endsWith(name);
            } else if (inMapping && line.startsWith("VmFlags:")) {
                return line;
            }
        }
        return "";
    }

    @Test
    void compactionInputsCanBeMappedForSequentialReading() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "Linux only");
        Path file = dir.resolve("00000001.sst");
        List<TestEntry> entries = SstFiles.randomEntries(new Random(3), 300, false, false);
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize(), Advice.RANDOM)) {
            assertEquals(file, reader.path());
            // "rr": MADV_RANDOM given; without native access advice is a no-op and there is nothing to see
            assumeTrue(vmFlags(file).contains(" rr"), "madvise unavailable: " + vmFlags(file));
        }
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize(),
                Advice.SEQUENTIAL)) {
            String flags = vmFlags(file);
            assertTrue(flags.contains(" sr") && !flags.contains(" rr"), flags);
            assertEquals(entries, SstFiles.iterate(reader));
        }
        assertEquals("", vmFlags(file), "unmapped at close");
    }
}
