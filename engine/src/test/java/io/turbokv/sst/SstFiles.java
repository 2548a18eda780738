package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Test helpers: generate sorted entry sets, write them as an SST, read everything back. */
final class SstFiles {
    private SstFiles() {}

    static SstSummary write(Path file, List<TestEntry> entries) throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(file));
        for (TestEntry e : entries) {
            MemorySegment key = MemorySegment.ofArray(e.key());
            switch (e.kind()) {
                case VALUE -> writer.addValue(e.hash(), key, MemorySegment.ofArray(e.value()));
                case BLOB -> writer.addBlob(e.hash(), key, e.blobSeq());
                case TOMBSTONE -> writer.addTombstone(e.hash(), key);
            }
        }
        return writer.finish();
    }

    /** Every entry of the file, through the iterator. */
    static List<TestEntry> iterate(SstReader reader) throws CorruptionException {
        List<TestEntry> found = new ArrayList<>();
        try (SstEntryIterator it = reader.iterator()) {
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

    /** The layout type byte of each key block, in hash order. */
    static List<Integer> keyBlockTypes(SstReader reader) throws CorruptionException {
        List<Integer> types = new ArrayList<>();
        try (BlockBuffer buffer = new BlockBuffer(); BlockChecksum checksum = new BlockChecksum()) {
            BlockView view = new BlockView();
            for (int i = 0; i < reader.keyBlockCount(); i++) {
                reader.loadBlock(reader.keyBlock(i), buffer, checksum, view);
                types.add(io.turbokv.io.Bytes.u8(view.segment, view.offset + KeyBlock.TYPE_OFFSET));
            }
        }
        return types;
    }

    /** The entries of one key, through lookup; the result code is checked against them. */
    static List<TestEntry> lookup(SstReader reader, LookupScratch scratch, long hash, byte[] key)
            throws CorruptionException {
        Collector collector = new Collector(hash, key);
        LookupResult result = reader.lookup(hash, MemorySegment.ofArray(key), scratch, collector);
        LookupResult expected = collector.found.isEmpty() ? LookupResult.ABSENT
                : collector.found.getLast().kind() == EntryKind.TOMBSTONE ? LookupResult.DELETED
                : LookupResult.FOUND;
        if (result != expected) {
            throw new AssertionError("lookup result " + result + " for entries " + collector.found);
        }
        return collector.found;
    }

    /** The entries of {@code entries} with the same key as {@code first}, in order. */
    static List<TestEntry> group(List<TestEntry> entries, TestEntry first) {
        return entries.stream().filter(first::sameKey).toList();
    }

    /** A random sorted entry set covering every value class, key shape and multi-value groups. */
    static List<TestEntry> randomEntries(Random random, int keyCount, boolean collidingHashes,
                                         boolean largeValues) {
        return randomEntries(random, keyCount, collidingHashes, largeValues, false);
    }

    /**
     * As {@link #randomEntries(Random, int, boolean, boolean)}; {@code uniform} gives every key 24 bytes and
     * (mostly) 8-byte value references, the shape of fixed-size key blocks.
     */
    static List<TestEntry> randomEntries(Random random, int keyCount, boolean collidingHashes,
                                         boolean largeValues, boolean uniform) {
        List<TestEntry> keys = new ArrayList<>();
        long[] hashPool = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9abc_def0L};
        for (int i = 0; i < keyCount; i++) {
            byte[] key = uniform ? bytes(random, 24) : randomKey(random);
            long hash = collidingHashes ? hashPool[random.nextInt(hashPool.length)] : KeyHash.hash(key);
            keys.add(TestEntry.tombstone(hash, key));
        }
        keys.sort(TestEntry::compareKey);
        List<TestEntry> entries = new ArrayList<>();
        TestEntry previous = null;
        for (TestEntry k : keys) {
            if (previous != null && previous.sameKey(k)) {
                continue;
            }
            previous = k;
            int values = random.nextInt(10) < 7 || uniform ? 1 : random.nextInt(4);
            for (int v = 0; v < values; v++) {
                byte[] value = uniform ? bytes(random, random.nextBoolean() ? 8 : 9 + random.nextInt(4088))
                        : randomValue(random, largeValues);
                boolean blob = random.nextInt(uniform ? 500 : 12) == 0;
                entries.add(blob ? TestEntry.blob(k.hash(), k.key(), random.nextInt())
                        : TestEntry.value(k.hash(), k.key(), value));
            }
            if (values == 0 || random.nextInt(uniform ? 500 : 6) == 0) {
                entries.add(k);
            }
        }
        return entries;
    }

    static byte[] randomKey(Random random) {
        int shape = random.nextInt(20);
        int length = shape == 0 ? 0 : shape < 10 ? 1 + random.nextInt(32) : shape < 19 ? 33 + random.nextInt(60)
                : random.nextInt(50) == 0 ? 64 << 10 : 100 + random.nextInt(2000);
        return bytes(random, length);
    }

    static byte[] randomValue(Random random, boolean largeValues) {
        int shape = random.nextInt(40);
        int length = shape < 12 ? random.nextInt(9)
                : shape < 15 ? SstLimits.MAX_INLINE_VALUE_SIZE - 1 + random.nextInt(3)
                : shape < 30 ? 9 + random.nextInt(4088)
                : shape < 33 ? 4094 + random.nextInt(5)
                : shape < 39 ? 4097 + random.nextInt(12_000)
                : largeValues ? 100 << 10 : 4097 + random.nextInt(100);
        return bytes(random, length);
    }

    /** Random bytes, half of the time compressible (runs of a few byte values). */
    static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        if (random.nextBoolean()) {
            random.nextBytes(bytes);
        } else {
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) ((i / 7) % 3 + random.nextInt(2));
            }
        }
        return bytes;
    }

    /**
     * Keys that are not in {@code entries}: random keys, and keys of known hashes (a known key longer by a byte, or
     * with its last byte changed, under the known key's hash). Each comes with a hash a writer could have given it:
     * a lookup's hash is the one its key was written with ({@link SstReader#lookup}), which a key block's bucket
     * table relies on.
     */
    static List<TestEntry> absentKeys(Random random, List<TestEntry> entries, int count) {
        List<TestEntry> absent = new ArrayList<>();
        for (int i = 0; i < count && !entries.isEmpty(); i++) {
            TestEntry known = entries.get(random.nextInt(entries.size()));
            TestEntry candidate = switch (i % 3) {
                case 0 -> TestEntry.tombstone(known.hash(), Arrays.copyOf(known.key(), known.key().length + 1));
                case 1 -> {
                    byte[] key = known.key().length == 0 ? new byte[1] : known.key().clone();
                    key[key.length - 1] ^= 1;
                    yield TestEntry.tombstone(known.hash(), key);
                }
                default -> {
                    byte[] key = randomKey(random);
                    yield TestEntry.tombstone(random.nextBoolean() ? KeyHash.hash(key) : known.hash(), key);
                }
            };
            if (entries.stream().noneMatch(candidate::sameKey)) {
                absent.add(candidate);
            }
        }
        return absent;
    }

    /** Collects a lookup's entries as test entries. */
    static final class Collector implements EntryVisitor {
        final long hash;
        final byte[] key;
        final List<TestEntry> found = new ArrayList<>();

        Collector(long hash, byte[] key) {
            this.hash = hash;
            this.key = key;
        }

        @Override
        public void onValue(MemorySegment bytes, long offset, long length) {
            found.add(TestEntry.value(hash, key, bytes.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE)));
        }

        @Override
        public void onBlob(int blobSeq) {
            found.add(TestEntry.blob(hash, key, blobSeq));
        }

        @Override
        public void onTombstone() {
            found.add(TestEntry.tombstone(hash, key));
        }
    }
}
