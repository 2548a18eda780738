package io.turbokv.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EntrySorterTest {
    private record Entry(long hash, byte[] key, boolean tombstone, int order) {}

    private static int compare(Entry a, Entry b) {
        int c = Long.compareUnsigned(a.hash, b.hash);
        if (c == 0) {
            c = Arrays.compareUnsigned(a.key, b.key);
        }
        if (c == 0) {
            c = Boolean.compare(a.tombstone, b.tombstone);
        }
        return c != 0 ? c : Integer.compare(a.order, b.order);
    }

    @Property(tries = 200)
    void sortsByUnsignedHashThenKeyThenTombstoneLastThenAppendOrder(
            @ForAll @IntRange(min = 0, max = 600) int size, @ForAll long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<Entry> entries = new ArrayList<>();
        try (EntryBuffer buffer = new EntryBuffer(WriteBufferPool.unpooled(), 64, 4)) {
            for (int i = 0; i < size; i++) {
                // few distinct hashes and short keys, so ties at every level are common
                long hash = random.nextInt(8) == 0 ? -1L - random.nextInt(3) : random.nextInt(20);
                byte[] key = new byte[random.nextInt(3)];
                random.nextBytes(key);
                boolean tombstone = random.nextInt(4) == 0;
                entries.add(new Entry(hash, key, tombstone, i));
                if (tombstone) {
                    buffer.addTombstone(hash, MemorySegment.ofArray(key));
                } else {
                    buffer.addValue(hash, MemorySegment.ofArray(key), MemorySegment.ofArray(new byte[] {(byte) i}));
                }
            }
            EntrySorter.sort(buffer);
            entries.sort(EntrySorterTest::compare);
            for (int i = 0; i < size; i++) {
                long offset = buffer.offset(i);
                Entry expected = entries.get(i);
                assertEquals(expected.hash, buffer.hash(offset));
                assertArrayEquals(expected.key, buffer.key(offset).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                assertEquals(expected.tombstone, buffer.kind(offset) == EntryKind.TOMBSTONE);
            }
        }
    }

    @Test
    void bufferGrowsAndKeepsEveryRecordIntact() {
        try (EntryBuffer buffer = new EntryBuffer(WriteBufferPool.unpooled(), 64, 2); EntryBuffer other = new EntryBuffer(WriteBufferPool.unpooled(), 64, 2)) {
            for (int i = 0; i < 1000; i++) {
                byte[] value = new byte[i % 50];
                Arrays.fill(value, (byte) i);
                (i % 2 == 0 ? buffer : other).addValue(i, MemorySegment.ofArray(new byte[] {(byte) i}),
                        MemorySegment.ofArray(value));
            }
            other.addBlob(7, MemorySegment.ofArray(new byte[] {1, 2}), 42);
            buffer.addAll(other);
            assertEquals(1001, buffer.count());
            for (int i = 0; i < 1000; i++) {
                long offset = buffer.offset(i);
                int n = (int) buffer.hash(offset);
                byte[] value = buffer.value(offset).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                assertEquals(n % 50, value.length);
                for (byte b : value) {
                    assertEquals((byte) n, b);
                }
            }
            long blob = buffer.offset(1000);
            assertEquals(EntryKind.BLOB, buffer.kind(blob));
            assertEquals(42, buffer.valueLengthOrSeq(blob));
            assertTrue(buffer.dataBytes() > 0);
        }
    }
}
