package io.turbokv.sst;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CacheStatistics;
import io.turbokv.cache.BlockCaches;
import io.turbokv.cache.Readers;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lookups through the block caches (io.turbokv.cache): the same answers as without them, compressed key and value
 * blocks served from the caches once loaded, nothing allocated on the heap by a lookup that hits both caches, and
 * an iterator that never touches them.
 */
class SstCachedLookupTest {
    private static final int KEYS = 6000;

    @TempDir
    Path dir;

    private static List<TestEntry> compressibleEntries() {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = String.format(Locale.ROOT, "cached-key-%08d", i).getBytes(UTF_8); // >= 16 bytes
            byte[] value = String.format(Locale.ROOT, "value %08d ", i).repeat(1 + i % 20).getBytes(UTF_8);
            entries.add(TestEntry.value(KeyHash.hash(key), key, value));
        }
        entries.sort(TestEntry::compareKey);
        return entries;
    }

    @Test
    void lookupsThroughTheCachesAnswerAsWithoutAndHitOnceLoaded() throws IOException {
        List<TestEntry> entries = compressibleEntries();
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch();
             BlockCaches caches = new BlockCaches(64 << 20, 64 << 20)) {
            for (int round = 0; round < 2; round++) {
                int slot = caches.readers().enter();
                scratch.useCaches(caches.keyBlocks(), caches.valueBlocks(), slot);
                try {
                    for (TestEntry entry : entries) {
                        List<TestEntry> found = SstFiles.lookup(reader, scratch, entry.hash(), entry.key());
                        assertEquals(1, found.size());
                        assertArrayEquals(entry.value(), found.getFirst().value());
                    }
                } finally {
                    scratch.useCaches(null, null, Readers.NO_SLOT);
                    caches.readers().exit(slot);
                }
            }
            CacheStatistics keys = caches.keyBlocks().statistics();
            CacheStatistics values = caches.valueBlocks().statistics();
            assertTrue(keys.items() > 1 && values.items() > 1, keys + " " + values);
            assertEquals(keys.items(), keys.misses(), "each compressed key block decoded once: " + keys);
            assertEquals(values.items(), values.misses(), "each compressed value block decoded once: " + values);

            try (SstEntryIterator iterator = reader.iterator()) {
                int count = 0;
                while (iterator.next()) {
                    count++;
                }
                assertEquals(KEYS, count);
            }
            assertEquals(keys, caches.keyBlocks().statistics(), "the iterator reads around the caches");
            assertEquals(values, caches.valueBlocks().statistics());
        }
    }

    @Test
    void aDamagedBlockIsNeverCachedAndFailsEveryTime() throws IOException {
        List<TestEntry> entries = compressibleEntries();
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length / 3] ^= 0x5A; // inside some block's data: its CRC no longer matches
        java.nio.file.Files.write(file, bytes);
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch();
             BlockCaches caches = new BlockCaches(64 << 20, 64 << 20)) {
            String[] firstRound = new String[KEYS];
            int damaged = 0;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < KEYS; i++) {
                    TestEntry entry = entries.get(i);
                    int slot = caches.readers().enter();
                    scratch.useCaches(caches.keyBlocks(), caches.valueBlocks(), slot);
                    String outcome;
                    try {
                        List<TestEntry> found = SstFiles.lookup(reader, scratch, entry.hash(), entry.key());
                        assertEquals(1, found.size());
                        assertArrayEquals(entry.value(), found.getFirst().value());
                        outcome = "ok";
                    } catch (io.turbokv.CorruptionException e) {
                        outcome = e.getMessage();
                        damaged += round == 0 ? 1 : 0;
                    } finally {
                        scratch.useCaches(null, null, Readers.NO_SLOT);
                        caches.readers().exit(slot);
                    }
                    if (round == 0) {
                        firstRound[i] = outcome;
                    } else {
                        assertEquals(firstRound[i], outcome, "key " + i + " on the second round");
                    }
                }
            }
            assertTrue(damaged > 0, "the flipped byte hit a block that lookups read");
            assertTrue(damaged < KEYS, "other blocks still answer");
        }
    }

    @Test
    void lookupsThatHitBothCachesAllocateNothingOnTheHeap() throws IOException {
        List<TestEntry> entries = compressibleEntries();
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch();
             BlockCaches caches = new BlockCaches(64 << 20, 64 << 20);
             Arena arena = Arena.ofConfined()) {
            MemorySegment[] keys = new MemorySegment[KEYS];
            long[] hashes = new long[KEYS];
            for (int i = 0; i < KEYS; i++) {
                keys[i] = arena.allocateFrom(ValueLayout.JAVA_BYTE, entries.get(i).key());
                hashes[i] = entries.get(i).hash();
            }
            Counting visitor = new Counting();
            for (int round = 0; round < 30; round++) {
                lookUp(reader, scratch, caches, visitor, keys, hashes);
            }
            long keyMisses = caches.keyBlocks().statistics().misses();
            long valueMisses = caches.valueBlocks().statistics().misses();
            long valueHits = caches.valueBlocks().statistics().hits();
            visitor.values = 0;
            long before = threads.getThreadAllocatedBytes(thread);
            lookUp(reader, scratch, caches, visitor, keys, hashes);
            lookUp(reader, scratch, caches, visitor, keys, hashes);
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            System.out.println("allocation: " + allocated + " bytes in " + 2 * KEYS
                    + " SST lookups hitting both caches");
            assertEquals(2 * KEYS, visitor.values);
            assertEquals(keyMisses, caches.keyBlocks().statistics().misses(), "every key block was a hit");
            assertEquals(valueMisses, caches.valueBlocks().statistics().misses(), "every value block was a hit");
            assertTrue(caches.valueBlocks().statistics().hits() > valueHits + KEYS, "value blocks were hit");
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes in " + 2 * KEYS + " lookups");
        }
    }

    /** One reader entry per lookup, as the store does. */
    private static void lookUp(SstReader reader, LookupScratch scratch, BlockCaches caches, Counting visitor,
                               MemorySegment[] keys, long[] hashes)
            throws IOException {
        for (int i = 0; i < keys.length; i++) {
            int slot = caches.readers().enter();
            scratch.useCaches(caches.keyBlocks(), caches.valueBlocks(), slot);
            try {
                reader.lookup(hashes[i], keys[i], scratch, visitor);
            } finally {
                scratch.useCaches(null, null, Readers.NO_SLOT);
                caches.readers().exit(slot);
            }
        }
    }

    /** Counts what it sees; allocates nothing. */
    private static final class Counting implements EntryVisitor {
        long values;
        long bytes;

        @Override
        public void onValue(MemorySegment segment, long offset, long length) {
            values++;
            bytes += segment.get(ValueLayout.JAVA_BYTE, offset + length - 1);
        }

        @Override
        public void onBlob(int blobSeq) {
            values++;
        }

        @Override
        public void onTombstone() {
            // none written
        }
    }
}
