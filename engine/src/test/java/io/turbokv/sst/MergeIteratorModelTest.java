package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge against a model, with sources of both key-segment classes (stored key blocks: mapped memory;
 * LZ4 key blocks: decode buffers), 1 to 11 sources (loser trees of every shape), keys of 0 to 40 bytes under a
 * 32-byte shared prefix, the same key in many sources: hash order, key order and descending key order.
 */
class MergeIteratorModelTest {
    @TempDir
    Path dir;

    private record Entry(byte[] key, byte[] value, int rank) {
        long hash() {
            return KeyHash.hash(MemorySegment.ofArray(key));
        }
    }

    private int nextSeq;

    private SstReader write(List<Entry> entries, boolean byKey, boolean compress) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        Comparator<Entry> byKeyBytes = (a, b) -> Arrays.compareUnsigned(a.key(), b.key());
        sorted.sort(byKey ? byKeyBytes
                : Comparator.<Entry, Long>comparing(Entry::hash, Long::compareUnsigned).thenComparing(byKeyBytes));
        int seq = ++nextSeq;
        Path path = dir.resolve(seq + ".sst");
        SstOptions options = new SstOptions(SstOptions.DEFAULT.keyBlockBytes(), SstOptions.DEFAULT.valueBlockBytes(),
                compress, SstOptions.DEFAULT.filterFingerprintBits());
        SstWriter writer = new SstWriter(FileLayer.standard().create(path), WriteBufferPool.unpooled(), true, byKey,
                options);
        for (Entry e : sorted) {
            writer.addValue(e.hash(), MemorySegment.ofArray(e.key()), MemorySegment.ofArray(e.value()));
        }
        SstSummary summary = writer.finish();
        return SstReader.open(path, seq, summary.blockCount(), summary.fileSize());
    }

    private static byte[] key(Random random, int pool) {
        int id = random.nextInt(pool);
        int length = id % 41;
        byte[] key = new byte[length];
        for (int i = 0; i < length; i++) {
            key[i] = (byte) (i < 32 ? 0x5A : 0);
        }
        if (length > 0) {
            key[length - 1] = (byte) (id / 41); // keys differing only in the last byte, some in a zero byte
        }
        return key;
    }

    @Test
    void everyOrderMatchesTheModelForOneToElevenSourcesOfBothSegmentClasses() throws IOException {
        Random random = new Random(18);
        for (int mode = 0; mode < 3; mode++) {
            boolean byKey = mode > 0;
            boolean descending = mode == 2;
            for (int sources = 1; sources <= 11; sources++) {
                List<Entry> all = new ArrayList<>();
                List<SstReader> readers = new ArrayList<>();
                int[] ranks = new int[sources];
                for (int s = 0; s < sources; s++) {
                    ranks[s] = (s * 7 + 3) % 101; // ranks not in source order
                    TreeMap<String, Entry> unique = new TreeMap<>();
                    int count = 200 + random.nextInt(3_000);
                    for (int i = 0; i < count; i++) {
                        byte[] key = key(random, 41 * 8);
                        byte[] value = (HexFormat.of().formatHex(key) + "@" + ranks[s]).getBytes();
                        unique.put(HexFormat.of().formatHex(key), new Entry(key, value, ranks[s]));
                    }
                    all.addAll(unique.values());
                    readers.add(write(new ArrayList<>(unique.values()), byKey, s % 2 == 0));
                }
                Comparator<Entry> keyOrder = (a, b) -> Arrays.compareUnsigned(a.key(), b.key());
                Comparator<Entry> order = byKey ? (descending ? keyOrder.reversed() : keyOrder)
                        : Comparator.<Entry, Long>comparing(Entry::hash, Long::compareUnsigned).thenComparing(keyOrder);
                all.sort(order.thenComparing(Comparator.comparingInt(Entry::rank).reversed()));
                List<SstEntryIterator> iterators = readers.stream()
                        .map(r -> byKey ? (descending ? r.keyIteratorReverse(null) : r.keyIterator(null))
                                : r.iterator())
                        .toList();
                try {
                    MergeIterator merge = new MergeIterator(iterators, ranks, byKey, descending);
                    byte[] previous = null;
                    int i = 0;
                    while (merge.next()) {
                        String where = "mode " + mode + ", " + sources + " sources, entry " + i;
                        Entry expected = all.get(i++);
                        byte[] key = merge.key().toArray(ValueLayout.JAVA_BYTE);
                        assertArrayEquals(expected.key(), key, where);
                        assertEquals(expected.rank(), merge.rank(), where);
                        assertArrayEquals(expected.value(), merge.value().toArray(ValueLayout.JAVA_BYTE), where);
                        assertEquals(previous == null || !Arrays.equals(previous, key), merge.startsNewKey(), where);
                        previous = key;
                    }
                    assertEquals(all.size(), i, "mode " + mode + ", " + sources + " sources: entries");
                } finally {
                    iterators.forEach(SstEntryIterator::close);
                    readers.forEach(SstReader::close);
                }
            }
        }
    }
}
