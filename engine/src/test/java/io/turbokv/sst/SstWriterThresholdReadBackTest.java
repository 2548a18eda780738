package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes SSTs, hash-ordered and key-ordered, at every threshold of the writer and reads each back entry by entry:
 * key blocks at the entry limit and at the byte limit (one below, at, one above, several blocks), mixed fixed blocks
 * (inline and small values with the same reference length, empty values against tombstones), and random groups with
 * long shared key prefixes, different keys on one hash, runs longer than the run budget, values at every size class
 * boundary, blobs and tombstones. The summary's entry count, key count and (key-ordered) min and max key are checked
 * too. The default suite uses the default and the minimum block sizes; the stress profile adds 65,535- and
 * 70,000-entry files and uncompressed blocks with a 16-bit filter.
 */
class SstWriterThresholdReadBackTest {
    record E(long hash, byte[] key, int kind, byte[] value, int blob) {}

    private static final int VALUE = 0;
    private static final int BLOB = 1;
    private static final int TOMBSTONE = 2;

    private static final SstOptions SMALL = new SstOptions(SstLimits.MIN_KEY_BLOCK_SIZE,
            SstLimits.MIN_SMALL_VALUE_BLOCK_SIZE, true, 8);
    private static final SstOptions UNCOMPRESSED = new SstOptions(SstLimits.DEFAULT_KEY_BLOCK_SIZE,
            SstLimits.DEFAULT_SMALL_VALUE_BLOCK_SIZE, false, 16);

    @TempDir
    Path dir;

    @Test
    void readsBackEveryKeyBlockThreshold() throws IOException {
        writeAndReadBack(new SstOptions[] {SstOptions.DEFAULT, SMALL}, false);
    }

    @Test
    @Tag("stress")
    void readsBackLargeFilesAndUncompressedBlocks() throws IOException {
        writeAndReadBack(new SstOptions[] {SstOptions.DEFAULT, SMALL, UNCOMPRESSED}, true);
    }

    private void writeAndReadBack(SstOptions[] options, boolean large) throws IOException {
        int c = 0;
        for (int o = 0; o < options.length; o++) {
            for (boolean keyOrdered : new boolean[] {false, true}) {
                for (List<E> input : inputs(options[o], keyOrdered, large)) {
                    writeAndCheck("case-" + (c++) + "-o" + o + "-" + (keyOrdered ? "key" : "hash"), input,
                            options[o], keyOrdered);
                }
            }
        }
    }

    private static List<List<E>> inputs(SstOptions options, boolean keyOrdered, boolean large) {
        List<List<E>> all = new ArrayList<>();
        int entryLimit = options.keyBlockEntries();
        // entry limit: empty keys, blobs (20 accounted bytes each): the entry and byte limits meet
        for (int n : new int[] {1, 2, entryLimit - 1, entryLimit, entryLimit + 1, 3 * entryLimit + 5}) {
            List<E> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] key = keyOrdered ? be(i, 4) : new byte[0];
                in.add(new E(mix(i), key, BLOB, null, i));
            }
            all.add(in);
        }
        // byte limit: fixed 16-byte keys, 8-byte inline values, around 16384/44
        int perEntry = 16 + 8 + SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD;
        int byteLimit = options.keyBlockBytes() / perEntry;
        int[] counts = large ? new int[] {byteLimit - 1, byteLimit, byteLimit + 1, 2 * byteLimit, 65535, 70000}
                : new int[] {byteLimit - 1, byteLimit, byteLimit + 1, 2 * byteLimit};
        for (int n : counts) {
            List<E> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                in.add(new E(mix(i), be(i, 16), VALUE, be(i * 7L, 8), 0));
            }
            all.add(in);
        }
        // mixed fixed blocks: same key length; inline(8) vs small (both 8-byte refs); empty value vs tombstone
        Random r = new Random(42);
        List<E> mixed = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            int k = r.nextInt(4);
            byte[] key = be(i, 12);
            switch (k) {
                case 0 -> mixed.add(new E(mix(i), key, VALUE, bytes(r, 8), 0));
                case 1 -> mixed.add(new E(mix(i), key, VALUE, bytes(r, 129 + r.nextInt(300)), 0));
                case 2 -> mixed.add(new E(mix(i), key, VALUE, new byte[0], 0));
                default -> mixed.add(new E(mix(i), key, TOMBSTONE, null, 0));
            }
        }
        all.add(mixed);
        List<E> mixedEmpty = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            mixedEmpty.add(new E(mix(i), be(i, 12), (i % 3 == 0) ? TOMBSTONE : VALUE, new byte[0], 0));
        }
        all.add(mixedEmpty);
        // random: keys 0..300 bytes, long shared prefixes, equal hashes with different keys, many values per key,
        // values at every class threshold, blobs, tombstones (about 15 MB a seed at 800 keys: the default suite
        // writes one seed, the stress profile four)
        int[] sizes = {0, 1, 8, 127, 128, 129, 4095, 4096, 4097, 20000, 70000};
        for (int seed = 0; seed < (large ? 4 : 1); seed++) {
            Random random = new Random(seed);
            List<E> in = new ArrayList<>();
            byte[] prefix = bytes(random, 250);
            for (int i = 0; i < (large ? 1500 : 800); i++) {
                int len = random.nextInt(301);
                byte[] key = random.nextInt(3) == 0 ? Arrays.copyOf(prefix, Math.min(len, 250) + random.nextInt(51))
                        : bytes(random, len);
                if (random.nextInt(5) == 0 && key.length > 0) {
                    key[key.length - 1] ^= 1;
                }
                long hash = random.nextInt(4) == 0 ? 77 : random.nextLong();
                int values = random.nextInt(60) == 0 ? 1500 + random.nextInt(1000) : 1 + random.nextInt(3);
                for (int v = 0; v < values; v++) {
                    int kind = random.nextInt(10) == 0 ? BLOB : VALUE;
                    int size = values > 100 ? random.nextInt(129) : sizes[random.nextInt(sizes.length)];
                    in.add(new E(hash, key, kind, kind == VALUE ? bytes(random, size) : null, random.nextInt(1000)));
                }
                if (random.nextInt(4) == 0) {
                    in.add(new E(hash, key, TOMBSTONE, null, 0));
                }
            }
            all.add(in);
        }
        List<List<E>> sorted = new ArrayList<>();
        for (List<E> in : all) {
            sorted.add(sortAndDedupe(in, keyOrdered));
        }
        return sorted;
    }

    /** Sorts stably by (hash, key) or key and keeps each key's group consistent (one hash, tombstone last). */
    private static List<E> sortAndDedupe(List<E> in, boolean keyOrdered) {
        // one hash per key, kept from the key's first entry
        Map<String, Long> hashOf = new HashMap<>();
        List<E> fixed = new ArrayList<>();
        for (E e : in) {
            String k = HexFormat.of().formatHex(e.key());
            long h = keyOrdered ? hashOf.computeIfAbsent(k, x -> e.hash()) : e.hash();
            fixed.add(new E(h, e.key(), e.kind(), e.value(), e.blob()));
        }
        Comparator<E> byKey = (a, b) -> Arrays.compareUnsigned(a.key(), b.key());
        Comparator<E> order = keyOrdered ? byKey
                : ((Comparator<E>) (a, b) -> Long.compareUnsigned(a.hash(), b.hash())).thenComparing(byKey);
        Comparator<E> tombLast = Comparator.comparingInt(e -> e.kind() == TOMBSTONE ? 1 : 0);
        fixed.sort(order.thenComparing(tombLast));
        List<E> out = new ArrayList<>();
        for (E e : fixed) {
            if (!out.isEmpty()) {
                E last = out.get(out.size() - 1);
                if (last.kind() == TOMBSTONE && last.hash() == e.hash() && Arrays.equals(last.key(), e.key())) {
                    continue; // at most one tombstone, last
                }
            }
            out.add(e);
        }
        return out;
    }

    private void writeAndCheck(String name, List<E> input, SstOptions options, boolean keyOrdered)
            throws IOException {
        Path file = dir.resolve(name + ".sst");
        SstWriter writer = new SstWriter(FileLayer.standard().create(file), WriteBufferPool.unpooled(), true,
                keyOrdered, options);
        for (E e : input) {
            MemorySegment key = MemorySegment.ofArray(e.key());
            switch (e.kind()) {
                case VALUE -> writer.addValue(e.hash(), key, MemorySegment.ofArray(e.value()));
                case BLOB -> writer.addBlob(e.hash(), key, e.blob());
                default -> writer.addTombstone(e.hash(), key);
            }
        }
        SstSummary s = writer.finish();
        assertEquals(input.size(), s.entryCount(), name);
        long distinct = keyOrdered ? input.stream().map(e -> HexFormat.of().formatHex(e.key())).distinct().count()
                : input.stream().mapToLong(E::hash).distinct().count();
        assertEquals(distinct, s.keyCount(), name);
        if (keyOrdered) {
            assertEquals(HexFormat.of().formatHex(input.get(0).key()), HexFormat.of().formatHex(s.minKey()), name);
            assertEquals(HexFormat.of().formatHex(input.get(input.size() - 1).key()),
                    HexFormat.of().formatHex(s.maxKey()), name);
        }
        try (SstReader reader = SstReader.open(file, 1, s.blockCount(), s.fileSize())) {
            List<TestEntry> read = SstFiles.iterate(reader);
            assertEquals(input.size(), read.size(), name);
            for (int i = 0; i < input.size(); i++) {
                E e = input.get(i);
                TestEntry t = read.get(i);
                long hash = keyOrdered ? t.hash() : e.hash(); // a key-ordered block stores no hash
                TestEntry expected = switch (e.kind()) {
                    case VALUE -> TestEntry.value(hash, e.key(), e.value());
                    case BLOB -> TestEntry.blob(hash, e.key(), e.blob());
                    default -> TestEntry.tombstone(hash, e.key());
                };
                assertEquals(expected, t, name + " entry " + i);
            }
        }
        // the stress cases write hundreds of MB: free each file once it is checked
        Files.delete(file);
    }

    private static long mix(long i) {
        long z = i * 0x9E3779B97F4A7C15L + 1;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    private static byte[] be(long v, int length) {
        byte[] b = new byte[length];
        for (int i = length - 1; i >= 0 && i >= length - 8; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
