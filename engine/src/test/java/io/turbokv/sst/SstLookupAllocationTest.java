package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SstLookupAllocationTest {
    private static final int KEYS = 4000;
    private static final int MEASURED_LOOKUPS = 10_000;

    @TempDir
    Path dir;

    @Test
    void lookupsInVariableKeyBlocksAllocateNothingOnTheHeapAfterWarmUp() throws IOException {
        Random random = new Random(7);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = uniqueKey(random, i, i % 2 == 0 ? 20 : 40);
            int shape = i % 10;
            byte[] value = SstFiles.bytes(random, shape < 3 ? shape * 3 : shape < 9 ? 100 + shape * 300 : 6000);
            entries.add(i % 17 == 0 ? TestEntry.tombstone(KeyHash.hash(key), key)
                    : TestEntry.value(KeyHash.hash(key), key, value));
        }
        measureLookups(entries, random, KeyBlock.TYPE_VARIABLE);
    }

    @Test
    void lookupsInFixedKeyBlocksAllocateNothingOnTheHeapAfterWarmUp() throws IOException {
        Random random = new Random(8);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = uniqueKey(random, i, 16);
            entries.add(TestEntry.value(KeyHash.hash(key), key, SstFiles.bytes(random, i % 2 == 0 ? 8 : 700)));
        }
        measureLookups(entries, random, KeyBlock.TYPE_FIXED);
    }

    private static byte[] uniqueKey(Random random, int i, int length) {
        byte[] key = SstFiles.bytes(random, length);
        java.nio.ByteBuffer.wrap(key).putInt(i);
        return key;
    }

    private void measureLookups(List<TestEntry> entries, Random random, int keyBlockType) throws IOException {
        entries.sort(TestEntry::compareKey);
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);

        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch();
             Arena arena = Arena.ofConfined()) {
            List<Integer> types = SstFiles.keyBlockTypes(reader);
            assertTrue(types.contains(keyBlockType), types.toString());
            MemorySegment[] keys = new MemorySegment[KEYS * 2];
            long[] hashes = new long[keys.length];
            for (int i = 0; i < KEYS; i++) {
                keys[i] = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, entries.get(i).key());
                hashes[i] = entries.get(i).hash();
                byte[] absent = SstFiles.bytes(random, 24);
                keys[KEYS + i] = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, absent);
                hashes[KEYS + i] = KeyHash.hash(absent);
            }
            CountingVisitor visitor = new CountingVisitor();
            for (int round = 0; round < 30; round++) {
                lookUp(reader, scratch, visitor, keys, hashes, keys.length, round);
            }
            visitor.values = 0;
            visitor.deleted = 0;
            long before = threads.getThreadAllocatedBytes(thread);
            int found = lookUp(reader, scratch, visitor, keys, hashes, MEASURED_LOOKUPS, 0);
            long allocated = threads.getThreadAllocatedBytes(thread) - before;

            assertTrue(found > MEASURED_LOOKUPS / 3, "lookups found " + found);
            assertTrue(visitor.values > 0 && visitor.bytes > 0);
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes in " + MEASURED_LOOKUPS + " lookups");
            assertEquals(found, visitor.values + visitor.deleted, "one entry per key: a value or a tombstone");
        }
    }

    private static int lookUp(SstReader reader, LookupScratch scratch, CountingVisitor visitor, MemorySegment[] keys,
                              long[] hashes, int count, int start)
            throws IOException {
        int found = 0;
        for (int n = 0; n < count; n++) {
            int i = (start * 7919 + n * 31) % keys.length;
            if (reader.lookup(hashes[i], keys[i], scratch, visitor) != LookupResult.ABSENT) {
                found++;
            }
        }
        return found;
    }

    /** Counts what it sees; allocates nothing. */
    private static final class CountingVisitor implements EntryVisitor {
        long values;
        long bytes;
        long deleted;

        @Override
        public void onValue(MemorySegment bytes, long offset, long length) {
            values++;
            this.bytes += length + bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + length / 2);
        }

        @Override
        public void onBlob(int blobSeq) {
            values++;
        }

        @Override
        public void onTombstone() {
            deleted++;
        }
    }
}
