package io.turbokv.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link EntrySorter} over records spread across chunks: the order SSTs need, on both sides of the radix-sort
 * threshold, with ties at every level, and every record intact where its stripe wrote it.
 */
class EntrySorterTest {
    private record Entry(long hash, byte[] key, boolean tombstone, byte[] value, int order) {}

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

    /** Appends {@code entries} to chunks of {@code memory}, handing a chunk over every few records or when full. */
    private static EntryBuffer fill(List<Entry> entries, BatchMemory memory, Random random) {
        EntryBuffer buffer = new EntryBuffer(memory);
        EntryChunk chunk = null;
        int handOverAt = 0;
        for (Entry entry : entries) {
            long recordBytes = EntryChunk.recordBytes(entry.key.length, entry.tombstone ? 0 : entry.value.length);
            if (chunk != null && (chunk.count() == handOverAt || !chunk.hasRoom(recordBytes))) {
                buffer.add(chunk);
                chunk = null;
            }
            if (chunk == null) {
                chunk = new EntryChunk(memory, recordBytes);
                handOverAt = 1 + random.nextInt(40);
            }
            if (entry.tombstone) {
                chunk.addTombstone(entry.hash, MemorySegment.ofArray(entry.key));
            } else {
                chunk.addValue(entry.hash, MemorySegment.ofArray(entry.key), MemorySegment.ofArray(entry.value));
            }
        }
        if (chunk != null) {
            buffer.add(chunk);
        }
        return buffer;
    }

    @Property(tries = 100)
    void sortsAKeyOrderedBufferByUnsignedKeyThenTombstoneLastThenAppendOrder(
                                                                             @ForAll @IntRange(min = 0,
                                                                                     max = 600) int size,
                                                                             @ForAll long seed) {
        Random random = new Random(seed);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            byte[] key = new byte[random.nextInt(3)];
            random.nextBytes(key);
            boolean tombstone = random.nextInt(4) == 0;
            entries.add(new Entry(random.nextLong(), key, tombstone, tombstone ? new byte[0] : new byte[] {(byte) i},
                    i));
        }
        BatchMemory memory = new BatchMemory(WriteBufferPool.unpooled());
        try (EntryBuffer buffer = fill(entries, memory, random);
             EntrySorter sorted = EntrySorter.sort(buffer, true)) {
            entries.sort((a, b) -> {
                int c = Arrays.compareUnsigned(a.key, b.key);
                if (c == 0) {
                    c = Boolean.compare(a.tombstone, b.tombstone);
                }
                return c != 0 ? c : Integer.compare(a.order, b.order);
            });
            assertEquals(size, sorted.count());
            for (int i = 0; i < size; i++) {
                long ref = sorted.ref(i);
                Entry expected = entries.get(i);
                assertEquals(expected.hash, sorted.hash(i), "record " + i + " of " + size);
                assertArrayEquals(expected.key, buffer.memory(ref).asSlice(EntryBuffer.keyOffset(ref),
                        buffer.keyLength(ref)).toArray(ValueLayout.JAVA_BYTE));
            }
            assertArrayEquals(entries.stream().mapToLong(Entry::hash).map(h -> h ^ Long.MIN_VALUE).sorted()
                    .map(h -> h ^ Long.MIN_VALUE).distinct().toArray(), sorted.distinctHashes(0, size),
                    "the key filter's hashes: distinct, ascending unsigned");
        }
        assertEquals(0, memory.heldBytes(), "closing the sorter and the buffer returns the scratch and every chunk");
    }

    @Property(tries = 200)
    void sortsByUnsignedHashThenKeyThenTombstoneLastThenAppendOrder(
                                                                    @ForAll @IntRange(min = 0, max = 3000) int size,
                                                                    @ForAll long seed, @ForAll boolean fewHashes) {
        Random random = new Random(seed);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            // few distinct hashes and short keys, so ties at every level are common; or random hashes with every
            // radix digit in play
            long hash = fewHashes
                    ? (random.nextInt(8) == 0 ? -1L - random.nextInt(3) : random.nextInt(20))
                    : random.nextLong();
            byte[] key = new byte[random.nextInt(3)];
            random.nextBytes(key);
            boolean tombstone = random.nextInt(4) == 0;
            byte[] value = new byte[random.nextInt(30)];
            Arrays.fill(value, (byte) i);
            entries.add(new Entry(hash, key, tombstone, value, i));
        }
        BatchMemory memory = new BatchMemory(WriteBufferPool.unpooled());
        try (EntryBuffer buffer = fill(entries, memory, random); EntrySorter sorted = EntrySorter.sort(buffer)) {
            entries.sort(EntrySorterTest::compare);
            assertEquals(size, sorted.count());
            assertArrayEquals(entries.stream().mapToLong(Entry::hash).distinct().toArray(),
                    sorted.distinctHashes(0, size), "the key filter's hashes: distinct, ascending unsigned");
            if (size > 0) {
                int middle = random.nextInt(size);
                int split = sorted.hashBoundaryNear(middle);
                boolean oneHash = entries.stream().mapToLong(Entry::hash).distinct().count() == 1;
                assertEquals(oneHash, split == 0, "0 only when every record has one hash");
                if (split > 0) {
                    assertNotEquals(sorted.hash(split - 1), sorted.hash(split), "the halves share no hash");
                    for (int i = Math.min(split, middle) + 1; i < Math.max(split, middle); i++) {
                        assertEquals(sorted.hash(i - 1), sorted.hash(i), "no nearer boundary between");
                    }
                    assertArrayEquals(sorted.distinctHashes(0, size), LongStream.concat(
                            Arrays.stream(sorted.distinctHashes(0, split)),
                            Arrays.stream(sorted.distinctHashes(split, size))).toArray());
                }
            }
            for (int i = 0; i < size; i++) {
                long ref = sorted.ref(i);
                Entry expected = entries.get(i);
                assertEquals(expected.hash, sorted.hash(i));
                assertEquals(expected.hash, buffer.memory(ref).get(ValueLayout.JAVA_LONG_UNALIGNED,
                        EntryBuffer.offset(ref) + EntryChunk.HASH));
                MemorySegment memoryOfRef = buffer.memory(ref);
                assertArrayEquals(expected.key, memoryOfRef.asSlice(EntryBuffer.keyOffset(ref),
                        buffer.keyLength(ref)).toArray(ValueLayout.JAVA_BYTE));
                assertEquals(expected.tombstone, buffer.kind(ref) == EntryKind.TOMBSTONE);
                if (!expected.tombstone) {
                    assertArrayEquals(expected.value, memoryOfRef.asSlice(EntryBuffer.keyOffset(ref)
                            + buffer.keyLength(ref), buffer.valueLengthOrSeq(ref)).toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
        assertEquals(0, memory.heldBytes(), "closing the sorter and the buffer returns the scratch and every chunk");
    }

    @Test
    void aChunkKeepsBlobReferencesAndCountsItsBytes() {
        BatchMemory memory = new BatchMemory(WriteBufferPool.unpooled());
        EntryChunk chunk = new EntryChunk(memory, 100);
        chunk.addBlob(7, MemorySegment.ofArray(new byte[] {1, 2}), 42);
        chunk.addValue(8, MemorySegment.ofArray(new byte[] {3}), MemorySegment.ofArray(new byte[5]));
        assertEquals(2, chunk.count());
        assertEquals(2 + 1 + 5, chunk.dataBytes());
        assertEquals(EntryChunk.recordBytes(2, 0) + EntryChunk.recordBytes(1, 5), chunk.usedBytes());
        assertEquals(memory.heldBytes(), chunk.segment().byteSize());
        try (EntryBuffer buffer = new EntryBuffer(memory)) {
            buffer.add(chunk);
            try (EntrySorter sorted = EntrySorter.sort(buffer)) {
                assertEquals(EntryKind.BLOB, buffer.kind(sorted.ref(0)));
                assertEquals(42, buffer.valueLengthOrSeq(sorted.ref(0)));
                assertEquals(EntryKind.VALUE, buffer.kind(sorted.ref(1)));
                assertEquals(2 * WriteBufferPool.MIN_BUFFER_BYTES, memory.heldBytes(), "the chunk and the scratch");
            }
            assertEquals(WriteBufferPool.MIN_BUFFER_BYTES, memory.heldBytes(), "the sorter returned its scratch");
        }
        assertEquals(0, memory.heldBytes());
        assertEquals(2 * WriteBufferPool.MIN_BUFFER_BYTES, memory.peakBytes());
    }

    @Test
    void aClosedChunkCannotBeWrittenAgain() {
        EntryChunk chunk = new EntryChunk(new BatchMemory(WriteBufferPool.unpooled()), 100);
        chunk.close();
        chunk.close(); // idempotent
        assertNull(chunk.segment());
        assertThrows(IllegalStateException.class, () -> chunk.addTombstone(1, MemorySegment.ofArray(new byte[1])));
    }
}
