package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to any byte of an SST is reported as {@link CorruptionException}, never as another exception and never as
 * a wrong value.
 */
class SstCorruptionTest {
    @TempDir
    Path dir;

    private List<TestEntry> entries;
    private SstSummary summary;
    private byte[] original;

    @BeforeEach
    void writeSmallSstWithEveryBlockKind() throws IOException {
        entries = smallEntrySet();
        Path file = dir.resolve("00000001.sst");
        summary = SstFiles.write(file, entries);
        original = Files.readAllBytes(file);
    }

    /**
     * Short keys of many lengths with their real hashes (a variable-size key block), then long compressible keys with made-up,
     * partly colliding hashes (compressed key blocks with hashes), then a fixed-size key block of mixed entry
     * types: inline, small (compressed and stored blocks), medium (compressed and stored), blob, tombstone and a
     * multi-valued group.
     */
    static List<TestEntry> smallEntrySet() {
        Random random = new Random(11);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] key = SstFiles.bytes(random, 4 + random.nextInt(28));
            byte[] value = i % 3 == 0 ? SstFiles.bytes(random, i % 9) : SstFiles.bytes(random, 9 + random.nextInt(200));
            entries.add(TestEntry.value(KeyHash.hash(key), key, value));
        }
        entries.sort(TestEntry::compareKey);
        long top = 0xFFFF_FFFF_FFFF_FF00L;
        byte[] a = longKey(1);
        byte[] b = longKey(2);
        byte[] c = new byte[16_300];
        Arrays.fill(c, (byte) 3);
        byte[] compressible = new byte[6000];
        Arrays.fill(compressible, (byte) 'x');
        entries.add(TestEntry.value(top, a, compressible));
        entries.add(TestEntry.value(top, a, SstFiles.bytes(new Random(3), 4200)));
        entries.add(TestEntry.blob(top, a, 77));
        entries.add(TestEntry.tombstone(top, a));
        entries.add(TestEntry.tombstone(top, b));
        entries.add(TestEntry.value(top + 1, c, new byte[] {1, 2, 3}));
        for (int i = 0; i < 4; i++) {
            byte[] key = new byte[20];
            Arrays.fill(key, (byte) (10 + i));
            // 8-byte inline values and small values (8-byte references): one fixed-size mixed block
            entries.add(TestEntry.value(top + 2 + i, key, SstFiles.bytes(random, i % 2 == 0 ? 8 : 200)));
        }
        return entries;
    }

    private static byte[] longKey(int fill) {
        byte[] key = new byte[15_000];
        Arrays.fill(key, (byte) fill);
        return key;
    }

    @Test
    void theUndamagedFileHasEveryBlockKindAndReadsBackCompletely() throws IOException {
        MemorySegment bytes = MemorySegment.ofArray(original);
        int blocks = summary.blockCount();
        int compressed = 0;
        long start = 0;
        for (int i = 0; i < blocks; i++) {
            long end = Bytes.u32(bytes, original.length - 4L * (blocks - i));
            boolean stored = Bytes.u32(bytes, start) == 0;
            compressed += stored ? 0 : 1;
            start = end;
        }
        assertTrue(blocks >= 6 && compressed >= 3 && blocks - compressed >= 3,
                "blocks: " + blocks + ", compressed: " + compressed);
        try (SstReader reader = SstReader.open(dir.resolve("00000001.sst"), 1, blocks, summary.fileSize())) {
            assertEquals(List.of(KeyBlock.TYPE_VARIABLE, KeyBlock.TYPE_VARIABLE, KeyBlock.TYPE_VARIABLE,
                    KeyBlock.TYPE_FIXED), SstFiles.keyBlockTypes(reader));
        }
        Path file = dir.resolve("00000001.sst");
        assertEquals(Outcome.INTACT, readEverything(file, summary.fileSize(), summary.blockCount()));
    }

    @Test
    void flippingAnyByteIsDetected() throws IOException {
        flipEveryByte(0xFF);
    }

    @Test
    void flippingTheLowestBitOfAnyByteIsDetected() throws IOException {
        flipEveryByte(0x01);
    }

    private void flipEveryByte(int mask) throws IOException {
        Path file = dir.resolve("00000002.sst");
        for (int offset = 0; offset < original.length; offset++) {
            byte[] damaged = original.clone();
            damaged[offset] ^= (byte) mask;
            Files.write(file, damaged);
            Outcome outcome = readEverything(file, summary.fileSize(), summary.blockCount());
            assertEquals(Outcome.DETECTED, outcome, "flipped byte at offset " + offset + " of " + original.length
                    + " with mask " + mask);
        }
    }

    @Test
    void truncatingAtAnyLengthIsDetected() throws IOException {
        Path file = dir.resolve("00000003.sst");
        for (int length = 0; length < original.length; length++) {
            Files.write(file, Arrays.copyOf(original, length));
            assertEquals(Outcome.DETECTED, readEverything(file, summary.fileSize(), summary.blockCount()),
                    "truncated to " + length);
            // Even when the meta entry agreed with the truncated length, the offset table and index give it away.
            assertEquals(Outcome.DETECTED, readEverything(file, length, summary.blockCount()),
                    "truncated to " + length + " with a matching expected size");
        }
    }

    @Test
    void aWrongBlockCountIsDetectedAtOpen() {
        Path file = dir.resolve("00000001.sst");
        for (int count : new int[] {0, 1, summary.blockCount() - 1, summary.blockCount() + 1, 65_535, 65_536}) {
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> SstReader.open(file, 1, count, summary.fileSize()).close(), "block count " + count);
            assertTrue(e.getMessage().contains("file=00000001.sst"), e.getMessage());
        }
    }

    @Test
    void aDamagedOffsetTableEntryFailsTheFirstUseOfItsBlockNotTheOpen() throws IOException {
        int blocks = summary.blockCount();
        long tableStart = original.length - (long) blocks * BlockOffsetTable.ENTRY_LENGTH;
        MemorySegment bytes = MemorySegment.ofArray(original);
        // each entry but the three the open reads (the index block's two and the one its start is checked against):
        // set to 0, to one byte past the file, and to the end of the block before it (a span of no bytes, not even
        // a header)
        for (int block = 0; block < blocks - 3; block++) {
            long entry = tableStart + (long) block * BlockOffsetTable.ENTRY_LENGTH;
            long previousEnd = block == 0 ? 0 : Bytes.u32(bytes, entry - BlockOffsetTable.ENTRY_LENGTH);
            for (long found : new long[] {0, original.length + 1L, previousEnd}) {
                byte[] damaged = original.clone();
                MemorySegment.ofArray(damaged).set(Bytes.BE_INT, entry, (int) found);
                Path file = dir.resolve("00000005.sst");
                Files.write(file, damaged);
                try (SstReader reader = SstReader.open(file, 5, blocks, summary.fileSize())) {
                    CorruptionException e = assertThrows(CorruptionException.class, () -> SstFiles.iterate(reader),
                            "block " + block + " end " + found);
                    assertEquals(file, e.file());
                    // the entry's own bounds, or its order against the entry before it, found at the first use of a
                    // block the entry bounds (the block it ends, or the block it starts, or the one after that)
                    assertTrue(e.getMessage().startsWith("block " + block + " end offset"), e.getMessage());
                    assertEquals(entry, e.offset(), e.getMessage());
                }
            }
        }
    }

    @Test
    void aDamagedEntryTheOpenReadsFailsTheOpen() throws IOException {
        int blocks = summary.blockCount();
        long last = original.length - (long) BlockOffsetTable.ENTRY_LENGTH;
        // the index block's two entries, and the one before them, against which the index block's start is checked
        for (long entry : new long[] {last, last - BlockOffsetTable.ENTRY_LENGTH,
                last - 2 * BlockOffsetTable.ENTRY_LENGTH}) {
            byte[] damaged = original.clone();
            MemorySegment.ofArray(damaged).set(Bytes.BE_INT, entry, 0);
            Path file = dir.resolve("00000006.sst");
            Files.write(file, damaged);
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> SstReader.open(file, 6, blocks, summary.fileSize()).close());
            assertEquals(entry, e.offset(), e.getMessage());
        }
    }

    @Test
    void aCrcMismatchNamesTheBlockTheFileAndTheOffset() throws IOException {
        Path file = dir.resolve("00000004.sst");
        byte[] damaged = original.clone();
        damaged[BlockFraming.HEADER_LENGTH] ^= 1; // first data byte of block 0
        Files.write(file, damaged);
        try (SstReader reader = SstReader.open(file, 4, summary.blockCount(), summary.fileSize())) {
            CorruptionException e = assertThrows(CorruptionException.class, () -> SstFiles.iterate(reader));
            assertTrue(e.getMessage().startsWith("block 0 crc mismatch: expected=0x"), e.getMessage());
            assertEquals(0, e.offset());
            assertEquals(file, e.file());
        }
    }

    enum Outcome {
        INTACT, DETECTED
    }

    /** Opens the file and reads every key and every entry, checking each against the model. */
    private Outcome readEverything(Path file, long expectedSize, int blockCount) {
        try (SstReader reader = SstReader.open(file, 1, blockCount, expectedSize);
             LookupScratch scratch = new LookupScratch()) {
            TestEntry previous = null;
            for (TestEntry e : entries) {
                if (previous == null || !previous.sameKey(e)) {
                    List<TestEntry> found = SstFiles.lookup(reader, scratch, e.hash(), e.key());
                    if (!found.equals(SstFiles.group(entries, e))) {
                        fail("wrong value for " + e + ": " + found);
                    }
                }
                previous = e;
            }
            if (!SstFiles.iterate(reader).equals(entries)) {
                fail("iteration yielded wrong entries");
            }
            return Outcome.INTACT;
        } catch (CorruptionException e) {
            return Outcome.DETECTED;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("damage surfaced as " + e, e);
        }
    }
}
