package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.filter.KeyFilter;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key-ordered SSTs: entries in unsigned key order whatever their hashes, a key index of shortest separators, point
 * lookups by a search over the index and the key block's search words, iteration from any key, every value class, a key's
 * many values across key blocks, keys with long shared prefixes, and damage to the key index.
 */
class KeyOrderedSstTest {
    @TempDir
    Path dir;

    /** Keys as a Kafka Streams store makes them: a long shared prefix, then a big-endian counter. */
    static byte[] prefixedKey(int prefixLength, int index) {
        byte[] key = new byte[prefixLength + 4];
        Arrays.fill(key, 0, prefixLength, (byte) 'p');
        ByteBuffer.wrap(key).putInt(prefixLength, index);
        return key;
    }

    @Test
    void everyKeyWithALongSharedPrefixIsFoundAndTheIndexHoldsShortSeparators() throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] key = prefixedKey(200, i * 2);
            entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {(byte) i, 1, 2}));
        }
        Path file = write(entries);
        try (SstReader reader = open(file); LookupScratch scratch = new LookupScratch()) {
            assertTrue(reader.keyOrdered());
            assertTrue(reader.keyBlockCount() > 100, "key blocks: " + reader.keyBlockCount());
            for (TestEntry entry : entries) {
                assertEquals(List.of(entry), SstFiles.lookup(reader, scratch, entry.hash(), entry.key()));
            }
            for (int i = 0; i < 2000; i++) {
                byte[] absent = prefixedKey(200, i * 2 + 1);
                assertEquals(List.of(), SstFiles.lookup(reader, scratch, KeyHash.hash(absent), absent));
            }
            assertEquals(entries, SstFiles.iterate(reader));
        }
        // a separator is the shared prefix plus at most the 4 counter bytes: about 205 bytes per key block, not
        // a copy of each block's keys
        long indexBytes = Files.size(file) - indexStart(file);
        try (SstReader reader = open(file)) {
            assertTrue(indexBytes < reader.keyBlockCount() * 220L, "index of " + indexBytes + " bytes for "
                    + reader.keyBlockCount() + " key blocks");
        }
    }

    @Test
    void randomEntriesOfEveryValueClassReadBackByLookupAndFromEveryStartKey() throws IOException {
        Random random = new Random(19);
        List<TestEntry> entries = byKey(SstFiles.randomEntries(random, 3000, false, true));
        Path file = write(entries);
        try (SstReader reader = open(file); LookupScratch scratch = new LookupScratch()) {
            for (TestEntry entry : entries) {
                assertEquals(SstFiles.group(entries, entry), SstFiles.lookup(reader, scratch, entry.hash(),
                        entry.key()), entry.toString());
            }
            for (TestEntry absent : SstFiles.absentKeys(random, entries, 300)) {
                if (entries.stream().anyMatch(e -> Arrays.equals(e.key(), absent.key()))) {
                    continue; // a known key with another hash: a key-ordered SST finds keys by their bytes
                }
                assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()));
            }
            assertEquals(entries, SstFiles.iterate(reader));
            for (int i = 0; i < 200; i++) {
                byte[] from = i % 2 == 0 ? entries.get(random.nextInt(entries.size())).key()
                        : SstFiles.randomKey(random);
                List<TestEntry> want = entries.stream()
                        .filter(e -> Arrays.compareUnsigned(e.key(), from) >= 0).toList();
                assertEquals(want, iterateFrom(reader, from));
            }
            assertEquals(entries, iterateFrom(reader, null));
        }
    }

    @Test
    void aKeysManyValuesAcrossKeyBlocksAreFoundWholeFromEitherSide() throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        byte[] before = {1};
        byte[] many = {2};
        byte[] after = {2, 0};
        entries.add(TestEntry.value(KeyHash.hash(before), before, new byte[] {9}));
        for (int i = 0; i < 30_000; i++) {
            entries.add(TestEntry.value(KeyHash.hash(many), many, ByteBuffer.allocate(4).putInt(i).array()));
        }
        entries.add(TestEntry.tombstone(KeyHash.hash(many), many));
        entries.add(TestEntry.value(KeyHash.hash(after), after, new byte[] {8}));
        Path file = write(entries);
        try (SstReader reader = open(file); LookupScratch scratch = new LookupScratch()) {
            assertTrue(reader.keyBlockCount() > 3, "the run spans key blocks: " + reader.keyBlockCount());
            for (TestEntry entry : List.of(entries.getFirst(), entries.get(1), entries.getLast())) {
                assertEquals(SstFiles.group(entries, entry), SstFiles.lookup(reader, scratch, entry.hash(),
                        entry.key()));
            }
            assertEquals(entries.subList(1, entries.size()), iterateFrom(reader, many));
            assertEquals(List.of(entries.getLast()), iterateFrom(reader, new byte[] {2, 0}));
        }
    }

    /**
     * A key block may start with a key as short as its separator (the shared prefix with the key before it plus one
     * byte): the index leads a lookup of that key to the block before, whose keys all share a longer prefix, and the
     * lookup must go on into the next block rather than stop at the first key that differs.
     */
    @Test
    void aKeyThatIsItsBlocksSeparatorIsFound() throws IOException {
        int prefix = 20;
        // each group fills one key block exactly: its first key prefix + [g], then keys prefix + [g, i (2 bytes)],
        // each with a 1-byte inline value; the next group's first entry no longer fits
        int first = prefix + 1 + 1 + SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD;
        int other = first + 2;
        int perGroup = 1 + (SstLimits.DEFAULT_KEY_BLOCK_SIZE - first) / other;
        List<TestEntry> entries = new ArrayList<>();
        int groups = 6;
        for (int g = 1; g <= groups; g++) {
            for (int i = 0; i < perGroup; i++) {
                byte[] key = Arrays.copyOf(prefixedKey(prefix, 0), i == 0 ? prefix + 1 : prefix + 3);
                key[prefix] = (byte) g;
                if (i > 0) {
                    key[prefix + 1] = (byte) (i >>> 8);
                    key[prefix + 2] = (byte) i;
                }
                entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {(byte) i}));
            }
        }
        Path file = write(entries);
        try (SstReader reader = open(file); LookupScratch scratch = new LookupScratch()) {
            assertEquals(groups, reader.keyBlockCount(), "one key block per group");
            for (TestEntry entry : entries) {
                assertEquals(List.of(entry), SstFiles.lookup(reader, scratch, entry.hash(), entry.key()),
                        Arrays.toString(entry.key()));
            }
        }
    }

    /**
     * Search words (the 8 key bytes after a key block's shared prefix, zero-padded) tie for keys that differ only
     * past them, for a key and the same key with zero bytes appended, and for keys shorter than the prefix plus 8:
     * every present key is found, every absent one is not, and an iterator from any key, up or down, starts at the
     * right entry, with shared prefixes of 0 to 300 bytes and many key blocks each.
     */
    @Test
    void keysWhoseSearchWordsTieOrEndEarlyAreFoundAndSeekedExactly() throws IOException {
        Random random = new Random(23);
        byte[] alphabet = {0, 1, 2, (byte) 0x80, (byte) 0xff};
        for (int prefixLength : new int[] {0, 5, 8, 300}) {
            TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
            while (keys.size() < 2500) {
                byte[] key = new byte[prefixLength + random.nextInt(prefixLength == 300 ? 14 : 20)];
                Arrays.fill(key, 0, prefixLength, (byte) 'p');
                for (int i = prefixLength; i < key.length; i++) {
                    key[i] = alphabet[random.nextInt(alphabet.length)];
                }
                keys.add(key);
            }
            List<TestEntry> entries = new ArrayList<>();
            TreeMap<byte[], Integer> firstEntry = new TreeMap<>(Arrays::compareUnsigned);
            for (byte[] key : keys) {
                firstEntry.put(key, entries.size());
                entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {(byte) key.length}));
                if (random.nextInt(50) == 0) {
                    entries.add(TestEntry.tombstone(KeyHash.hash(key), key));
                }
            }
            Path file = write(entries);
            try (SstReader reader = open(file); LookupScratch scratch = new LookupScratch()) {
                assertTrue(reader.keyBlockCount() > 3, "key blocks: " + reader.keyBlockCount());
                List<byte[]> probes = new ArrayList<>();
                for (byte[] key : keys) {
                    probes.add(key);
                    probes.add(Arrays.copyOf(key, key.length + 1)); // a zero byte appended
                    if (key.length > 0) {
                        probes.add(Arrays.copyOf(key, key.length - 1));
                    }
                }
                for (byte[] probe : probes) {
                    int from = firstEntry.getOrDefault(probe, entries.size());
                    int to = from;
                    while (to < entries.size() && Arrays.equals(entries.get(to).key(), probe)) {
                        to++;
                    }
                    List<TestEntry> want = entries.subList(from, to);
                    assertEquals(want, SstFiles.lookup(reader, scratch, KeyHash.hash(probe), probe),
                            prefixLength + ": " + Arrays.toString(probe));
                }
                for (int i = 0; i < 40; i++) {
                    byte[] from = probes.get(random.nextInt(probes.size()));
                    var ceiling = firstEntry.ceilingEntry(from);
                    List<TestEntry> up = ceiling == null ? List.of()
                            : entries.subList(ceiling.getValue(), entries.size());
                    assertEquals(up, iterateFrom(reader, from), prefixLength + ": " + Arrays.toString(from));
                    byte[] down = keys.floor(from);
                    assertEquals(down == null ? null : Arrays.toString(down),
                            firstKeyDownFrom(reader, from), prefixLength + ": " + Arrays.toString(from));
                }
            }
        }
    }

    /** The key the reverse iterator from {@code from} starts at, as text, or null when it has none. */
    private static String firstKeyDownFrom(SstReader reader, byte[] from) throws CorruptionException {
        try (SstEntryIterator it = reader.keyIteratorReverse(MemorySegment.ofArray(from))) {
            return it.next() ? Arrays.toString(it.key().toArray(ValueLayout.JAVA_BYTE)) : null;
        }
    }

    @Test
    void theFilterAndHashRangeCoverEveryKeyThoughItsHashesComeUnordered() throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            byte[] key = prefixedKey(3, i);
            entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {1}));
        }
        SstSummary summary;
        SstWriter writer = new SstWriter(FileLayer.standard().create(dir.resolve("00000001.sst")),
                WriteBufferPool.unpooled(), true, true);
        for (TestEntry e : entries) {
            writer.addValue(e.hash(), MemorySegment.ofArray(e.key()), MemorySegment.ofArray(e.value()));
        }
        summary = writer.finish();
        assertEquals(5000, summary.keyCount());
        for (TestEntry e : entries) {
            assertTrue(KeyFilter.mayContain(summary.keyFilter(), e.hash()));
            assertTrue(Long.compareUnsigned(e.hash(), summary.minHash()) >= 0
                    && Long.compareUnsigned(e.hash(), summary.maxHash()) <= 0);
        }
    }

    @Test
    void keysOutOfOrderOrAfterTheirTombstoneAreRefused() throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(dir.resolve("00000001.sst")),
                WriteBufferPool.unpooled(), true, true);
        byte[] b = {2};
        writer.addTombstone(KeyHash.hash(b), MemorySegment.ofArray(b));
        assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(0, MemorySegment.ofArray(new byte[] {1}), MemorySegment.ofArray(b)));
        assertThrows(IllegalArgumentException.class,
                () -> writer.addValue(KeyHash.hash(b), MemorySegment.ofArray(b), MemorySegment.ofArray(b)));
        writer.abandon();
    }

    @Test
    void aSeparatorBelowTheOneBeforeItIsDamage() throws IOException {
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            byte[] key = prefixedKey(20, i);
            entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {1}));
        }
        Path file = write(entries);
        long start = indexStart(file);
        int count;
        int blockCount;
        try (SstReader reader = open(file)) {
            count = reader.keyBlockCount();
            blockCount = reader.blockCount();
        }
        assertTrue(count > 3);
        long indexEnd = Files.size(file) - (long) blockCount * BlockOffsetTable.ENTRY_LENGTH;
        byte[] bytes = Files.readAllBytes(file);
        // the index block is stored as is (8 header bytes, then the data): the last separator ends the block, and
        // starts where the one before it ends; its first byte ('p') becomes 0, below every separator before it
        long endsAt = start + 8 + KeyIndexBlock.BLOCKS_OFFSET + (long) count * KeyIndexBlock.BLOCK_SIZE;
        long regionAt = endsAt + (long) count * KeyIndexBlock.END_SIZE;
        int at = (int) (regionAt + ByteBuffer.wrap(bytes).getInt((int) (endsAt + (count - 2L) * 4)));
        assertEquals('p', bytes[at], "the first byte of the last separator");
        bytes[at] = 0;
        // keep the block's CRC right (length word, then the data), so that the index's own checks find the damage
        CRC32 crc = new CRC32();
        crc.update(bytes, (int) start, 4);
        crc.update(bytes, (int) start + 8, (int) (indexEnd - start - 8));
        ByteBuffer.wrap(bytes).putInt((int) start + 4, (int) crc.getValue());
        Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        CorruptionException e = assertThrows(CorruptionException.class, () -> open(file).close());
        assertTrue(e.getMessage().contains("separator"), e.getMessage());
    }

    private Path write(List<TestEntry> entries) throws IOException {
        Path file = dir.resolve("00000001.sst");
        Files.deleteIfExists(file);
        SstWriter writer = new SstWriter(FileLayer.standard().create(file), WriteBufferPool.unpooled(), true, true);
        for (TestEntry e : entries) {
            MemorySegment key = MemorySegment.ofArray(e.key());
            switch (e.kind()) {
                case VALUE -> writer.addValue(e.hash(), key, MemorySegment.ofArray(e.value()));
                case BLOB -> writer.addBlob(e.hash(), key, e.blobSeq());
                case TOMBSTONE -> writer.addTombstone(e.hash(), key);
            }
        }
        SstSummary summary = writer.finish();
        Files.writeString(dir.resolve("summary"), summary.blockCount() + " " + summary.fileSize());
        return file;
    }

    private SstReader open(Path file) throws IOException {
        String[] summary = Files.readString(dir.resolve("summary")).split(" ");
        return SstReader.open(file, 1, Integer.parseInt(summary[0]), Long.parseLong(summary[1]));
    }

    /** Where the index block (the last block) starts: the end of the block before it, from the offset table. */
    private long indexStart(Path file) throws IOException {
        try (SstReader reader = open(file)) {
            return reader.blockStart(reader.blockCount() - 1);
        }
    }

    /** The entries sorted as a key-ordered SST needs them: by key, each key's entries in their order. */
    private static List<TestEntry> byKey(List<TestEntry> entries) {
        List<TestEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(TestEntry::key, Arrays::compareUnsigned));
        return sorted;
    }

    private static List<TestEntry> iterateFrom(SstReader reader, byte[] from) throws CorruptionException {
        List<TestEntry> found = new ArrayList<>();
        try (SstEntryIterator it = reader.keyIterator(from == null ? null : MemorySegment.ofArray(from))) {
            while (it.next()) {
                byte[] key = it.key().toArray(ValueLayout.JAVA_BYTE);
                found.add(switch (it.kind()) {
                    case VALUE -> TestEntry.value(it.hash(), key, it.value().toArray(ValueLayout.JAVA_BYTE));
                    case BLOB -> TestEntry.blob(it.hash(), key, it.blobSeq());
                    case TOMBSTONE -> TestEntry.tombstone(it.hash(), key);
                });
            }
        }
        return found;
    }
}
