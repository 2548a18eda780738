package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.Bytes;
import io.turbokv.io.FileLayer;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SstWriterTest {
    @TempDir
    Path dir;

    /** The 8 bytes of {@code hash}, big-endian: a key of its own for each hash. */
    private static MemorySegment key(long hash) {
        MemorySegment key = MemorySegment.ofArray(new byte[Long.BYTES]);
        key.set(Bytes.BE_LONG, 0, hash);
        return key;
    }

    private static MemorySegment bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return MemorySegment.ofArray(b);
    }

    private SstWriter newWriter(String name) throws IOException {
        return new SstWriter(FileLayer.standard().create(dir.resolve(name)));
    }

    @Test
    void valuesAtEveryClassThresholdReadBackExactly() throws IOException {
        int[] lengths = {0, 1, 8, 9, 4095, 4096, 4097, 100 << 10};
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            byte[] value = new byte[lengths[i]];
            for (int j = 0; j < value.length; j++) {
                value[j] = (byte) (j * 31 + i);
            }
            entries.add(TestEntry.value(i, new byte[] {(byte) i}, value));
        }
        entries.add(TestEntry.value(100, new byte[0], new byte[0]));
        entries.add(TestEntry.value(101, new byte[64 << 10], new byte[] {5}));
        entries.add(TestEntry.tombstone(101, new byte[(64 << 10) + 1]));
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            for (TestEntry e : entries) {
                assertEquals(List.of(e), SstFiles.lookup(reader, scratch, e.hash(), e.key()), e.toString());
            }
            assertEquals(entries, SstFiles.iterate(reader));
        }
    }

    @Test
    void entriesOutOfOrderAreRefused() throws IOException {
        SstWriter writer = newWriter("1.sst");
        writer.addValue(-1, bytes(5), bytes(1)); // -1 is the largest unsigned hash
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(1, bytes(5), bytes(1)));
        assertTrue(e.getMessage().contains("out of order"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> writer.addValue(-1, bytes(4), bytes(1)));
        assertThrows(IllegalArgumentException.class, () -> writer.addValue(-1, bytes(), bytes(1)));
        writer.addValue(-1, bytes(0x80), bytes(1)); // unsigned: 0x80 > 0x05
        writer.abandon();
    }

    @Test
    void aKeyGroupMayRepeatValuesButNothingFollowsItsTombstone() throws IOException {
        SstWriter writer = newWriter("1.sst");
        writer.addValue(7, bytes(1), bytes(1));
        writer.addValue(7, bytes(1), bytes(1));
        writer.addBlob(7, bytes(1), 3);
        writer.addTombstone(7, bytes(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(7, bytes(1), bytes(2)));
        assertTrue(e.getMessage().contains("tombstone"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> writer.addTombstone(7, bytes(1)));
        writer.addValue(7, bytes(2), bytes(2));
        SstSummary summary = writer.finish();
        assertEquals(5, summary.entryCount());
        assertEquals(1, summary.keyCount());
    }

    @Test
    void aRefusedEntryLeavesTheWriterUsable() throws IOException {
        SstWriter writer = newWriter("1.sst");
        writer.addValue(2, bytes(1), bytes(1));
        assertThrows(IllegalArgumentException.class, () -> writer.addValue(1, bytes(1), bytes(1)));
        writer.addValue(3, bytes(1), bytes(1));
        assertEquals(2, writer.finish().entryCount());
    }

    @Test
    void aKeyBeyondTheU24LimitIsRefusedNamingTheLimit() throws IOException {
        SstWriter writer = newWriter("1.sst");
        MemorySegment huge = MemorySegment.ofArray(new byte[SstLimits.MAX_KEY_LENGTH + 1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(1, huge, bytes(1)));
        assertTrue(e.getMessage().contains("MAX_KEY_LENGTH=" + SstLimits.MAX_KEY_LENGTH), e.getMessage());
        writer.abandon();
    }

    @Test
    void aKeyAtTheU24LimitReadsBack() throws IOException {
        byte[] key = new byte[SstLimits.MAX_KEY_LENGTH];
        key[key.length - 1] = 9;
        List<TestEntry> entries = List.of(TestEntry.value(3, key, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize())) {
            assertEquals(entries, SstFiles.iterate(reader));
        }
    }

    @Test
    void aValueAboveTheMediumLimitIsRefusedPointingToBlobs() throws IOException {
        SstWriter writer = newWriter("1.sst");
        MemorySegment value = MemorySegment.ofArray(new byte[SstLimits.MAX_MEDIUM_VALUE_SIZE + 1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(1, bytes(1), value));
        assertTrue(e.getMessage().contains("blob"), e.getMessage());
        writer.abandon();
    }

    @Test
    void aWriterMadeNotToBuildTheKeyFilterWritesTheSameFileAndSummary() throws IOException {
        SstWriter with = newWriter("1.sst");
        SstWriter without = new SstWriter(FileLayer.standard().create(dir.resolve("2.sst")),
                WriteBufferPool.unpooled(), false);
        SplittableRandom random = new SplittableRandom(7);
        long hash = 0;
        for (int i = 0; i < 5_000; i++) {
            hash += random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(1 << 20); // runs of equal hashes too
            MemorySegment key = bytes(i >>> 8, i & 0xFF);
            MemorySegment value = bytes(i & 0x7F, 1, 2);
            with.addValue(hash, key, value);
            without.addValue(hash, key, value);
        }
        SstSummary expected = with.finish();
        SstSummary summary = without.finish();
        assertNull(summary.keyFilter());
        assertEquals(List.of(expected.blockCount(), expected.minHash(), expected.maxHash(), expected.fileSize(),
                expected.entryCount(), expected.keyCount()),
                List.of(summary.blockCount(), summary.minHash(),
                        summary.maxHash(), summary.fileSize(), summary.entryCount(), summary.keyCount()));
        assertArrayEquals(Files.readAllBytes(dir.resolve("1.sst")), Files.readAllBytes(dir.resolve("2.sst")));
    }

    @Test
    void anEmptySstCannotBeFinished() throws IOException {
        SstWriter writer = newWriter("1.sst");
        assertThrows(IllegalStateException.class, writer::finish);
        writer.abandon();
    }

    @Test
    void aFinishedOrAbandonedWriterRefusesEntries() throws IOException {
        SstWriter writer = newWriter("1.sst");
        writer.addValue(1, bytes(1), bytes(1));
        writer.finish();
        assertThrows(IllegalStateException.class, () -> writer.addValue(2, bytes(1), bytes(1)));
        SstWriter abandoned = newWriter("2.sst");
        abandoned.abandon();
        assertThrows(IllegalStateException.class, () -> abandoned.addTombstone(2, bytes(1)));
    }

    @Test
    void finishWritesTheSizeItReportsAndTheFilterOfTheDistinctHashes() throws IOException {
        SstWriter writer = newWriter("1.sst");
        writer.addValue(1, bytes(1), bytes(1));
        writer.addValue(1, bytes(2), bytes(1));
        writer.addValue(Long.MIN_VALUE, bytes(1), bytes(1));
        writer.addTombstone(-1, bytes(1));
        SstSummary summary = writer.finish();
        assertEquals(Files.size(dir.resolve("1.sst")), summary.fileSize());
        assertEquals(3, summary.keyCount());
        assertEquals(1, summary.minHash());
        assertEquals(-1, summary.maxHash());
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(KeyFilter.build(new long[] {1, Long.MIN_VALUE, -1}, 3, arena)
                    .toArray(ValueLayout.JAVA_BYTE), summary.keyFilter().toArray(ValueLayout.JAVA_BYTE));
        }
        for (long hash : new long[] {1, Long.MIN_VALUE, -1}) {
            assertTrue(KeyFilter.mayContain(summary.keyFilter(), hash));
        }
    }

    @Test
    void theFilterOfManyKeysHoldsExactlyTheDistinctHashesWrittenAcrossListGrowth() throws IOException {
        // 300,000 distinct hashes: the off-heap hash list (1,024 at first) doubles nine times. Every seventh key has
        // two values, so entries outnumber keys and a hash is recorded once per key, not per entry.
        long[] hashes = new SplittableRandom(12).longs(300_000).map(h -> h ^ Long.MIN_VALUE).sorted().distinct()
                .map(h -> h ^ Long.MIN_VALUE).toArray();
        SstWriter writer = newWriter("1.sst");
        long entries = 0;
        for (int i = 0; i < hashes.length; i++) {
            writer.addValue(hashes[i], bytes(1), bytes(2));
            entries++;
            if (i % 7 == 0) {
                writer.addValue(hashes[i], bytes(2), bytes(3));
                entries++;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            SstSummary summary = writer.finish(arena);
            assertEquals(entries, summary.entryCount());
            assertEquals(hashes.length, summary.keyCount());
            assertEquals(hashes[0], summary.minHash());
            assertEquals(hashes[hashes.length - 1], summary.maxHash());
            assertTrue(summary.keyFilter().isNative(), "the filter is in the arena given to finish");
            assertArrayEquals(KeyFilter.build(hashes.clone(), hashes.length, arena).toArray(ValueLayout.JAVA_BYTE),
                    summary.keyFilter().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void runsOfOneHashWithinAndAcrossKeyBlocksCountOneKeyEach() throws IOException {
        // Runs of 1 entry up to past the run budget (a run longer than it continues in the next key blocks), each
        // entry a distinct key with a 100-byte inline value: the distinct hashes are counted and recorded per key
        // block, so a run that starts in one block and goes on in the next must count once.
        int runBudgetEntries = SstLimits.DEFAULT_KEY_BLOCK_RUN_SIZE / (100 + Long.BYTES);
        int[] runLengths = {1, 2, 150, 1, runBudgetEntries - 1, runBudgetEntries + 1, 3, 2 * runBudgetEntries + 7, 1};
        long[] hashes = new long[runLengths.length];
        SstWriter writer = newWriter("1.sst");
        long entries = 0;
        for (int run = 0; run < runLengths.length; run++) {
            hashes[run] = (run + 1) * 0x0123_4567_89ABL;
            for (int i = 0; i < runLengths[run]; i++) {
                writer.addValue(hashes[run], key(i), MemorySegment.ofArray(new byte[100]));
                entries++;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            SstSummary summary = writer.finish(arena);
            assertTrue(summary.blockCount() > runLengths.length, "the runs span many key blocks");
            assertEquals(entries, summary.entryCount());
            assertEquals(hashes.length, summary.keyCount());
            assertEquals(hashes[0], summary.minHash());
            assertEquals(hashes[hashes.length - 1], summary.maxHash());
            assertArrayEquals(KeyFilter.build(hashes.clone(), hashes.length, arena).toArray(ValueLayout.JAVA_BYTE),
                    summary.keyFilter().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void theLowestFirstEntryIsAcceptedAndOrdersTheNext() throws IOException {
        // Hash 0 and the empty key are the lowest (hash, key): the writer checks the first entry against them
        SstWriter writer = newWriter("1.sst");
        writer.addValue(0, bytes(), bytes(1));
        writer.addValue(0, bytes(), bytes(2)); // the key's second value
        writer.addTombstone(0, bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(0, bytes(), bytes(3)));
        assertTrue(e.getMessage().contains("tombstone"), e.getMessage());
        writer.addValue(0, bytes(0), bytes(3));
        SstSummary summary = writer.finish();
        assertEquals(4, summary.entryCount());
        assertEquals(1, summary.keyCount());
        assertEquals(0, summary.minHash());
        assertEquals(0, summary.maxHash());
    }

    @Test
    void aWriterCreatedOnOneThreadIsFilledAndFinishedOnAnother() throws Exception {
        // A writer's off-heap hash list belongs to the thread of its first entry, not of its constructor.
        SstWriter writer = newWriter("1.sst");
        CompletableFuture<SstSummary> finished = CompletableFuture.supplyAsync(() -> {
            try {
                writer.addValue(5, bytes(1), bytes(1));
                writer.addValue(6, bytes(1), bytes(1));
                return writer.finish();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertEquals(2, finished.get().keyCount());
    }

    @Test
    void writingManyKeysWithTheFilterInAnArenaAllocatesNoHeapPerKey() throws IOException {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        int keys = 400_000;
        MemorySegment key = MemorySegment.ofArray(new byte[16]);
        MemorySegment value = MemorySegment.ofArray(new byte[24]);
        try (Arena arena = Arena.ofConfined()) {
            for (int round = 0; round < 2; round++) { // the first round loads and compiles what the writer needs
                SstWriter writer = newWriter(round + ".sst");
                long before = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < keys; i++) {
                    key.set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                    writer.addValue(((long) i << 24) + 12_345, key, value);
                }
                SstSummary summary = writer.finish(arena);
                long allocated = threads.getThreadAllocatedBytes(thread) - before;
                assertEquals(keys, summary.keyCount());
                // With the hashes in a long[] (grown by doubling, copied at finish) and the filter built on the heap
                // this was about 58 bytes per key. What is left is per block (codec and channel wrappers, about
                // 3 bytes per key here) and per file, so even one long per key on the heap would fail this.
                if (round == 1) {
                    assertTrue(allocated < 8L * keys, "allocated " + allocated + " bytes for " + keys + " keys");
                }
            }
        }
    }

    @Test
    void isFullCountsEntriesBytesAndBlocks() throws IOException {
        SstWriter writer = newWriter("1.sst");
        assertFalse(writer.isFull(1, 1));
        writer.addValue(1, bytes(1, 2), bytes(3, 4, 5));
        assertTrue(writer.isFull(1, Long.MAX_VALUE));
        assertTrue(writer.isFull(Long.MAX_VALUE, 5));
        assertFalse(writer.isFull(2, 6));
        // Each medium value is a block: the writer must report full before the u16 block index runs out.
        MemorySegment medium = MemorySegment.ofArray(new byte[SstLimits.MAX_SMALL_VALUE_SIZE + 1]);
        long hash = 2;
        while (!writer.isFull(Long.MAX_VALUE, Long.MAX_VALUE)) {
            // a key of its own per hash: an SST holds each key under one hash (SstReader.lookup)
            writer.addValue(hash, key(hash), medium);
            hash++;
        }
        assertTrue(hash > 60_000, "full after " + hash + " entries");
        SstSummary summary = writer.finish();
        assertTrue(summary.blockCount() <= SstLimits.MAX_BLOCK_COUNT);
        Path file = dir.resolve("1.sst");
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(1, SstFiles.lookup(reader, scratch, hash - 1, key(hash - 1).toArray(ValueLayout.JAVA_BYTE))
                    .size());
        }
    }

    @Test
    void addingPastTheBlockLimitIsRefused() throws IOException {
        SstWriter writer = newWriter("1.sst");
        MemorySegment medium = MemorySegment.ofArray(new byte[SstLimits.MAX_SMALL_VALUE_SIZE + 1]);
        long[] added = {0};
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            while (true) {
                writer.addValue(added[0], bytes(1), medium);
                added[0]++;
            }
        });
        assertTrue(e.getMessage().contains("isFull"), e.getMessage());
        SstSummary summary = writer.finish();
        assertEquals(added[0], summary.entryCount(), "the refused entry left no trace");
        assertTrue(summary.blockCount() <= SstLimits.MAX_BLOCK_COUNT);
    }
}
