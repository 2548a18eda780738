package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The k-way merge: global (hash, key) order, newest source first among equal keys, file order kept. */
class MergeIteratorTest {
    @TempDir
    Path dir;

    /** One entry to write: value == null is a tombstone. */
    private record Entry(byte[] key, byte[] value) {
        long hash() {
            return KeyHash.hash(MemorySegment.ofArray(key));
        }
    }

    private SstReader write(int seq, List<Entry> entries) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> {
            int cmp = Long.compareUnsigned(a.hash(), b.hash());
            if (cmp == 0) {
                cmp = Arrays.compareUnsigned(a.key(), b.key());
            }
            if (cmp == 0) { // a key's tombstone last
                cmp = Boolean.compare(a.value() == null, b.value() == null);
            }
            return cmp;
        });
        Path path = dir.resolve(seq + ".sst");
        SstWriter writer = new SstWriter(FileLayer.standard().create(path));
        for (Entry e : sorted) {
            if (e.value() == null) {
                writer.addTombstone(e.hash(), MemorySegment.ofArray(e.key()));
            } else {
                writer.addValue(e.hash(), MemorySegment.ofArray(e.key()), MemorySegment.ofArray(e.value()));
            }
        }
        SstSummary summary = writer.finish();
        return SstReader.open(path, seq, summary.blockCount(), summary.fileSize());
    }

    private SstReader writeKeyOrdered(int seq, List<Entry> entries) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.key(), b.key()));
        Path path = dir.resolve(seq + ".sst");
        SstWriter writer = new SstWriter(FileLayer.standard().create(path), WriteBufferPool.unpooled(), true, true);
        for (Entry e : sorted) {
            writer.addValue(e.hash(), MemorySegment.ofArray(e.key()), MemorySegment.ofArray(e.value()));
        }
        SstSummary summary = writer.finish();
        return SstReader.open(path, seq, summary.blockCount(), summary.fileSize());
    }

    /**
     * Keys of 0 to 40 bytes (across the 8- and 16-byte word boundaries) under a 24-byte shared prefix, some differing
     * only in their last byte, in several sources with overlaps; in both orders every entry's {@code startsNewKey}
     * must say whether its key differs from the previous entry's.
     */
    @Test
    void startsNewKeyTellsEachKeyChangeForKeysOfEveryLength() throws IOException {
        for (boolean byKey : new boolean[] {false, true}) {
            List<SstReader> readers = new ArrayList<>();
            int sources = 3;
            for (int s = 0; s < sources; s++) {
                TreeMap<String, Entry> unique = new TreeMap<>();
                for (int length = 0; length <= 40; length++) {
                    for (int last = 0; last < 4; last++) {
                        if ((length + last + s) % 3 == 0 || length == 0 && s > 0) {
                            continue; // each source holds a different two thirds
                        }
                        byte[] key = new byte[length];
                        for (int i = 0; i < length; i++) {
                            key[i] = (byte) (i < 24 ? 0x5A : i);
                        }
                        if (length > 0) {
                            key[length - 1] = (byte) last; // also a zero byte: must not equal the padding
                        }
                        unique.put(HexFormat.of().formatHex(key), new Entry(key, new byte[] {(byte) s}));
                    }
                }
                List<Entry> entries = new ArrayList<>(unique.values());
                int seq = (byKey ? 10 : 0) + s + 1;
                readers.add(byKey ? writeKeyOrdered(seq, entries) : write(seq, entries));
            }
            List<SstEntryIterator> iterators = readers.stream().map(SstReader::iterator).toList();
            try {
                MergeIterator merge = new MergeIterator(iterators, new int[] {0, 1, 2}, byKey);
                byte[] previous = null;
                int keys = 0;
                int entries = 0;
                while (merge.next()) {
                    byte[] key = merge.key().toArray(ValueLayout.JAVA_BYTE);
                    boolean expected = previous == null || !Arrays.equals(previous, key);
                    assertEquals(expected, merge.startsNewKey(), "byKey=" + byKey + " key "
                            + HexFormat.of().formatHex(key) + " after " + (previous == null ? "none"
                                    : HexFormat.of().formatHex(previous)));
                    keys += expected ? 1 : 0;
                    entries++;
                    previous = key;
                }
                assertEquals(1 + 40 * 4, keys, "byKey=" + byKey + ": distinct keys");
                assertTrue(entries > keys, "some keys are in several sources");
            } finally {
                iterators.forEach(SstEntryIterator::close);
                readers.forEach(SstReader::close);
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void equalKeysComeNewestSourceFirstAndEachSourceKeepsItsOrder() throws IOException {
        List<SstReader> readers = new ArrayList<>();
        readers.add(write(1, List.of(new Entry(b("x"), b("old")), new Entry(b("y"), b("y1")))));
        readers.add(write(2, List.of(new Entry(b("x"), b("v1")), new Entry(b("x"), b("v2")),
                new Entry(b("x"), null), new Entry(b("z"), b("z2")))));
        readers.add(write(3, List.of(new Entry(b("x"), b("new")))));
        List<String> seen = new ArrayList<>();
        List<SstEntryIterator> iterators = readers.stream().map(SstReader::iterator).toList();
        try {
            MergeIterator merge = new MergeIterator(iterators, new int[] {0, 1, 2});
            long previousHash = 0;
            boolean first = true;
            while (merge.next()) {
                assertTrue(first || Long.compareUnsigned(previousHash, merge.hash()) <= 0, "hash order");
                first = false;
                previousHash = merge.hash();
                String key = new String(merge.key().toArray(ValueLayout.JAVA_BYTE),
                        java.nio.charset.StandardCharsets.UTF_8);
                String value = merge.kind() == EntryKind.TOMBSTONE ? "<deleted>"
                        : new String(merge.value().toArray(ValueLayout.JAVA_BYTE),
                                java.nio.charset.StandardCharsets.UTF_8);
                seen.add(key + "=" + value + "@" + merge.rank());
            }
        } finally {
            iterators.forEach(SstEntryIterator::close);
            readers.forEach(SstReader::close);
        }
        List<String> xs = seen.stream().filter(s -> s.startsWith("x=")).toList();
        assertEquals(List.of("x=new@2", "x=v1@1", "x=v2@1", "x=<deleted>@1", "x=old@0"), xs);
        assertEquals(7, seen.size());
    }

    @Test
    void mergingManySourcesYieldsTheSortedUnionAndAllocatesNothingPerEntry() throws IOException {
        int sources = 8;
        int perSource = 20_000;
        TreeMap<String, Integer> expected = new TreeMap<>();
        List<SstReader> readers = new ArrayList<>();
        for (int s = 0; s < sources; s++) {
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < perSource; i++) {
                byte[] key = b("key" + (i * sources + s) % (perSource * 3));
                entries.add(new Entry(key, new byte[] {(byte) s, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
            }
            // one entry per key within a source
            TreeMap<String, Entry> unique = new TreeMap<>();
            for (Entry e : entries) {
                unique.put(HexFormat.of().formatHex(e.key()), e);
            }
            for (String k : unique.keySet()) {
                expected.merge(k, 1, Integer::sum);
            }
            readers.add(write(s + 1, new ArrayList<>(unique.values())));
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long count = 0;
        long allocated = 0;
        for (int pass = 0; pass < 3; pass++) { // the last pass runs compiled code
            List<SstEntryIterator> iterators = readers.stream().map(SstReader::iterator).toList();
            try {
                MergeIterator merge = new MergeIterator(iterators, new int[] {0, 1, 2, 3, 4, 5, 6, 7});
                long before = threads.getCurrentThreadAllocatedBytes();
                count = 0;
                long checksum = 0;
                while (merge.next()) {
                    count++;
                    checksum += merge.hash() + merge.keyLength() + merge.keySegment().get(ValueLayout.JAVA_BYTE,
                            merge.keyOffset()) + merge.valueSegment().get(ValueLayout.JAVA_BYTE, merge.valueOffset())
                            + merge.valueLength();
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertTrue(checksum != 0);
            } finally {
                iterators.forEach(SstEntryIterator::close);
            }
        }
        readers.forEach(SstReader::close);
        assertEquals(expected.values().stream().mapToLong(Integer::longValue).sum(), count);
        double perEntry = (double) allocated / count;
        System.out.printf(Locale.ROOT, "MergeIteratorTest: %d entries from %d SSTs, %.2f heap bytes per entry%n",
                count, sources, perEntry);
        // keys and values as (segment, offset, length): nothing per entry; the blocks' decoding allocates a little
        // (the 8 sources' iterators and their buffers are made outside the measured loop)
        assertTrue(perEntry <= 2, "heap bytes per merged entry: " + perEntry);
    }
}
