package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turbokv.ffm.Advice;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SST opened for lookups lets the kernel read ahead until its key blocks are warm, then reads page by page: the
 * mapping's {@code madvise} state as Linux reports it ({@code rr}, random read, in the mapping's {@code VmFlags} in
 * {@code /proc/self/smaps}) after lookups in one of its key blocks and after lookups in all of them.
 */
class SstReaderAdviceTest {
    private static final Path SMAPS = Path.of("/proc/self/smaps");
    /** The first line of a mapping's record: its address range. */
    private static final Pattern MAPPING_HEADER = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    @TempDir
    Path dir;

    @Test
    void aLookupMappingReadsAheadUntilItsKeyBlocksWereUsed() throws IOException {
        assumeTrue(Files.isReadable(SMAPS), "Linux only: /proc/self/smaps");
        Random random = new Random(3);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            byte[] key = SstFiles.bytes(random, 16);
            ByteBuffer.wrap(key).putInt(i);
            entries.add(TestEntry.value(KeyHash.hash(key), key, SstFiles.bytes(random, 100)));
        }
        entries.sort(TestEntry::compareKey);
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader probe = SstReader.open(file, 1, summary.blockCount(), summary.fileSize(), Advice.RANDOM)) {
            // without native access advice is a no-op and there is nothing to see
            assumeTrue(probe.keyBlockCount() > 0 && randomRead(file), "madvise unavailable");
        }
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            int keyBlocks = reader.keyBlockCount();
            assertTrue(keyBlocks >= 16, "key blocks: " + keyBlocks);
            assertFalse(randomRead(file), "read-ahead right after the open");
            EntryVisitor visitor = new EntryVisitor() {
                @Override
                public void onValue(MemorySegment bytes, long offset, long length) {
                    // the lookups are for their effect on the mapping's advice
                }

                @Override
                public void onBlob(int blobSeq) {
                    throw new AssertionError("no blobs here");
                }

                @Override
                public void onTombstone() {
                    throw new AssertionError("no tombstones here");
                }
            };
            reader.lookup(entries.getFirst().hash(), MemorySegment.ofArray(entries.getFirst().key()), scratch, visitor);
            assertFalse(randomRead(file), "read-ahead after a lookup in one key block of " + keyBlocks);
            for (TestEntry entry : entries) {
                assertEquals(LookupResult.FOUND,
                        reader.lookup(entry.hash(), MemorySegment.ofArray(entry.key()), scratch, visitor));
            }
            assertTrue(randomRead(file), "page by page once every key block was used");
        }
    }

    /** Whether the mapping of {@code file} is advised random read ({@code rr} among its {@code VmFlags}). */
    private static boolean randomRead(Path file) throws IOException {
        boolean inMapping = false;
        String name = file.toRealPath().toString();
        for (String line : Files.readAllLines(SMAPS)) {
            if (MAPPING_HEADER.matcher(line).lookingAt()) {
                inMapping = false;
            }
            if (line.endsWith(name)) {
                inMapping = true;
            } else if (inMapping && line.startsWith("VmFlags:")) {
                return List.of(line.substring("VmFlags:".length()).trim().split(" ")).contains("rr");
            }
        }
        throw new AssertionError("no mapping of " + name + " in " + SMAPS);
    }
}
