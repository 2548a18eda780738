package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.sst.LookupScratch;
import io.turbokv.sst.SstReader;
import io.turbokv.sst.TestEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A valid SST with known entries ({@link SstSample}), edited at fuzzer-chosen bytes ({@link Edits}), never reads
 * back bytes that were not written: opening it, iterating it and looking up each key (and keys that are not
 * there) either throw {@link CorruptionException} or give exactly what the writer was given. Iteration gives a
 * prefix of the written entries before any damage it reports, and all of them when it reports none; a lookup
 * gives the key's whole group or nothing at all. The empty input (no edits) must read back completely.
 */
class SstMutationFuzzTest {
    private static final FuzzFiles FILES = new FuzzFiles("sst-mutation");

    @FuzzTest
    void editedSstReadsBackExactlyWhatWasWrittenOrIsReportedAsDamaged(byte[] input) {
        byte[] file = Edits.apply(SstSample.FILE, input, 0);
        Path path = FILES.write("00000001.sst", file);
        SstReader reader;
        try {
            reader = SstReader.open(path, 1, SstSample.BLOCK_COUNT, file.length);
        } catch (IOException e) {
            assertTrue(e instanceof CorruptionException, () -> "not a CorruptionException: " + e);
            assertTrue(!Arrays.equals(file, SstSample.FILE), () -> "the unedited file failed to open: " + e);
            return;
        }
        try (reader) {
            checkIteration(reader, !Arrays.equals(file, SstSample.FILE));
            checkLookups(reader);
        }
    }

    private static void checkIteration(SstReader reader, boolean edited) {
        List<TestEntry> expected = SstSample.ENTRIES;
        List<TestEntry> found = new ArrayList<>();
        boolean damaged = false;
        try {
            SstReads.iterate(reader, found, expected.size() + 1);
        } catch (CorruptionException e) {
            damaged = true;
            assertTrue(edited, () -> "the unedited file is reported as damaged: " + e);
        }
        for (int i = 0; i < found.size(); i++) {
            assertTrue(i < expected.size(), () -> "iteration gave more entries than were written: " + found);
            assertEquals(expected.get(i), found.get(i), "iterated entry " + i);
        }
        if (!damaged) {
            assertEquals(expected.size(), found.size(), "entries iterated without any damage reported");
        }
    }

    private static void checkLookups(SstReader reader) {
        try (LookupScratch scratch = new LookupScratch()) {
            TestEntry previous = null;
            for (TestEntry entry : SstSample.ENTRIES) {
                if (previous != null && previous.sameKey(entry)) {
                    continue;
                }
                previous = entry;
                List<TestEntry> group = SstSample.group(entry);
                try {
                    assertEquals(group, SstReads.lookup(reader, scratch, entry.hash(), entry.key()),
                            "lookup of " + entry);
                } catch (CorruptionException e) {
                    // Allowed: damage on the way to this key.
                }
                byte[] longer = Arrays.copyOf(entry.key(), entry.key().length + 1);
                checkAbsent(reader, scratch, TestEntry.tombstone(entry.hash(), longer));
                checkAbsent(reader, scratch, TestEntry.tombstone(entry.hash() ^ 0x5555_5555_5555_5555L, entry.key()));
            }
        }
    }

    private static void checkAbsent(SstReader reader, LookupScratch scratch, TestEntry absent) {
        if (SstSample.ENTRIES.stream().anyMatch(absent::sameKey)) {
            return;
        }
        try {
            assertEquals(List.of(), SstReads.lookup(reader, scratch, absent.hash(), absent.key()),
                    "lookup of the absent key " + absent);
        } catch (CorruptionException e) {
            // Allowed: damage on the way to where the key would be.
        }
    }
}
