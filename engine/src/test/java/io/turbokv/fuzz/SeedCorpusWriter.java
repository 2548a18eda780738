package io.turbokv.fuzz;

import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.Lz4;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreSchema;
import io.turbokv.io.WritableFile;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFileWriter;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.SstLimits;
import io.turbokv.sst.SstSummary;
import io.turbokv.sst.SstWriter;
import io.turbokv.sst.TestEntry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the valid seed files of every fuzz target into {@code src/test/resources/io/turbokv/fuzz/}, from files
 * the engine's own writers produce. Run it after a format change, then commit the result:
 * {@code ./mvnw -B -ntp -pl engine -am test -Dtest='io/turbokv/fuzz/SeedCorpusWriter'
 * -Dsurefire.failIfNoSpecifiedTests=false -Dturbokv.fuzz.writeSeeds=true}. Inputs that the fuzzer found (crashes)
 * live in the same directories, named {@code crash-*}, and are not touched.
 */
class SeedCorpusWriter {
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @TempDir
    Path scratch;

    @Test
    @EnabledIfSystemProperty(named = "turbokv.fuzz.writeSeeds", matches = "true")
    void writeSeedCorpus() throws IOException {
        Path resources = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .resolve("src/test/resources/io/turbokv/fuzz");
        List<SstFile> ssts = List.of(
                new SstFile("sample", SstSample.FILE, SstSample.BLOCK_COUNT),
                writeSst("one-entry", List.of(TestEntry.value(KeyHash.hash(new byte[] {7}), new byte[] {7},
                        new byte[] {1, 2}))),
                writeSst("many-small", manySmallEntries()),
                writeSst("long-run", longRun()),
                writeOrderedSst("key-ordered-prefixed", keyOrderedPrefixed()));
        for (SstFile sst : ssts) {
            byte[] withCount = new byte[2 + sst.bytes.length];
            withCount[0] = (byte) (sst.blockCount >>> 8);
            withCount[1] = (byte) sst.blockCount;
            System.arraycopy(sst.bytes, 0, withCount, 2, sst.bytes.length);
            seed(resources, "SstFileFuzzTest", sst.name, withCount);
            seed(resources, "SstBlocksFuzzTest", sst.name, SstBlocks.encode(blocksOf(sst)));
        }
        seed(resources, "SstMutationFuzzTest", "no-edits", new byte[0]);
        seed(resources, "SstMutationFuzzTest", "one-edit", Edits.record(0, 0xFF));

        byte[] meta = writeMeta(2);
        seed(resources, "MetaFileFuzzTest", "two-entries", prefixed(0, meta));
        seed(resources, "MetaFileFuzzTest", "two-entries-signed", prefixed(MetaFileFuzzTest.SIGN, meta));
        seed(resources, "MetaFileFuzzTest", "no-entries-signed", prefixed(MetaFileFuzzTest.SIGN, writeMeta(0)));
        seed(resources, "MetaFileFuzzTest", "key-ranges-signed", prefixed(MetaFileFuzzTest.SIGN, writeMeta(3)));
        seed(resources, "MetaFileFuzzTest", "two-entries-signed-chunks",
                prefixed(MetaFileFuzzTest.SIGN | MetaFileFuzzTest.SIGN_CHUNKS, meta));

        try (Arena arena = Arena.ofConfined()) {
            for (int count : new int[] {0, 1, 100}) {
                seed(resources, "FilterFuzzTest", "key-filter-" + count,
                        prefixed(0, KeyFilter.build(hashes(count), count, arena).toArray(ValueLayout.JAVA_BYTE)));
                seed(resources, "FilterFuzzTest", "key-filter-16-bit-" + count,
                        prefixed(0, KeyFilter.build(hashes(count), count, 16, arena).toArray(ValueLayout.JAVA_BYTE)));
            }
            seed(resources, "FilterFuzzTest", "key-filter-100-signed", prefixed(FilterFuzzTest.SIGN,
                    KeyFilter.build(hashes(100), 100, arena).toArray(ValueLayout.JAVA_BYTE)));
            seed(resources, "FilterFuzzTest", "key-filter-16-bit-5000-signed-chunks",
                    prefixed(FilterFuzzTest.SIGN | FilterFuzzTest.SIGN_CHUNKS,
                            KeyFilter.build(hashes(5000), 5000, 16, arena).toArray(ValueLayout.JAVA_BYTE)));
            for (int count : new int[] {0, 3}) {
                seed(resources, "FilterFuzzTest", "used-key-filter-" + count,
                        prefixed(FilterFuzzTest.USED_KEY_FILTER,
                                UsedKeyFilter.build(hashes(count), count, arena).toArray(ValueLayout.JAVA_BYTE)));
            }
        }

        seed(resources, "BlobFileFuzzTest", "raw", prefixed(BlobFileFuzzTest.RAW, BlobSample.RANDOM_FILE));
        seed(resources, "BlobFileFuzzTest", "lz4", prefixed(BlobFileFuzzTest.RAW, BlobSample.COMPRESSIBLE_FILE));
        seed(resources, "BlobFileFuzzTest", "lz4-signed",
                prefixed(BlobFileFuzzTest.SIGNED, BlobSample.COMPRESSIBLE_FILE));
        seed(resources, "BlobFileFuzzTest", "edits-raw", new byte[] {BlobFileFuzzTest.EDITED});
        seed(resources, "BlobFileFuzzTest", "edits-lz4",
                new byte[] {BlobFileFuzzTest.EDITED | BlobFileFuzzTest.COMPRESSED_SAMPLE});

        Path del = scratch.resolve("00000009.del");
        DeletionFile.write(FileLayer.standard(), del, new int[] {3, 1}, new int[] {2}, new int[] {8, 5});
        seed(resources, "DeletionFileFuzzTest", "five-seqs", prefixed(0, Files.readAllBytes(del)));
        seed(resources, "DeletionFileFuzzTest", "five-seqs-signed",
                prefixed(DeletionFileFuzzTest.SIGN, Files.readAllBytes(del)));
        Path empty = scratch.resolve("00000010.del");
        DeletionFile.write(FileLayer.standard(), empty, new int[0], new int[0], new int[0]);
        seed(resources, "DeletionFileFuzzTest", "empty", prefixed(0, Files.readAllBytes(empty)));

        CurrentFile.write(FileLayer.standard(), scratch, 42);
        byte[] current = Files.readAllBytes(scratch.resolve(StoreFileNames.CURRENT));
        seed(resources, "CurrentFileFuzzTest", "seq-42", prefixed(0, current));
        seed(resources, "CurrentFileFuzzTest", "seq-42-signed", prefixed(CurrentFileFuzzTest.SIGN, current));
        seed(resources, "CurrentFileFuzzTest", "pre-checksum-seq-42", prefixed(0, new byte[] {0, 0, 0, 42}));

        SchemaFile.write(FileLayer.standard(), scratch, new StoreSchema(List.of(
                new StoreSchema.Family("default", StoreSchema.Family.SINGLE_VALUED, 0),
                new StoreSchema.Family("edges", StoreSchema.Family.MULTI_VALUED, 0))));
        byte[] schema = Files.readAllBytes(scratch.resolve(StoreFileNames.SCHEMA));
        seed(resources, "SchemaFileFuzzTest", "two-families", prefixed(0, schema));
        seed(resources, "SchemaFileFuzzTest", "two-families-signed", prefixed(SchemaFileFuzzTest.SIGN, schema));
    }

    private record SstFile(String name, byte[] bytes, int blockCount) {}

    private SstFile writeSst(String name, List<TestEntry> entries) throws IOException {
        Path path = scratch.resolve(name + ".sst");
        SstSummary summary = SstSample.write(path, entries);
        return new SstFile(name, Files.readAllBytes(path), summary.blockCount());
    }

    /** A key-ordered SST ({@code SstWriter} with key order): a key index and blocks of search words. */
    private SstFile writeOrderedSst(String name, List<TestEntry> entries) throws IOException {
        Path path = scratch.resolve(name + ".sst");
        SstWriter writer = new SstWriter(FileLayer.standard().create(path), WriteBufferPool.unpooled(), true, true);
        for (TestEntry e : entries) {
            MemorySegment key = MemorySegment.ofArray(e.key());
            if (e.kind() == EntryKind.TOMBSTONE) {
                writer.addTombstone(e.hash(), key);
            } else {
                writer.addValue(e.hash(), key, MemorySegment.ofArray(e.value()));
            }
        }
        SstSummary summary = writer.finish();
        return new SstFile(name, Files.readAllBytes(path), summary.blockCount());
    }

    /**
     * Keys with a 40-byte shared prefix and a 2-byte counter in key order, over a few key blocks (so the index has
     * separators as long as the prefix), inline and small values, and a tombstone after one key's value.
     */
    private static List<TestEntry> keyOrderedPrefixed() {
        Random random = new Random(19);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 900; i++) {
            byte[] key = new byte[42];
            Arrays.fill(key, 0, 40, (byte) 'k');
            key[40] = (byte) (i >>> 8);
            key[41] = (byte) i;
            entries.add(TestEntry.value(KeyHash.hash(key), key, SstSample.bytes(random, i % 3 == 0 ? 200 : 8)));
            if (i == 450) {
                entries.add(TestEntry.tombstone(KeyHash.hash(key), key));
            }
        }
        return entries;
    }

    private static List<TestEntry> manySmallEntries() {
        Random random = new Random(17);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] key = SstSample.bytes(random, 1 + random.nextInt(40));
            entries.add(TestEntry.value(KeyHash.hash(key), key, SstSample.bytes(random, random.nextInt(40))));
        }
        entries.sort(TestEntry::compareKey);
        List<TestEntry> distinct = new ArrayList<>();
        for (TestEntry entry : entries) {
            if (distinct.isEmpty() || !distinct.getLast().sameKey(entry)) {
                distinct.add(entry);
            }
        }
        return distinct;
    }

    /**
     * One key with more values than a key block holds, so that its run continues in a second key block and the
     * index block has the layout with continuation flags; two other keys around it. The key is empty and the
     * values are inline, the smallest entries, and every hash is its key's, so the key blocks leave the hashes
     * out: each stays under the 64 KiB a {@link SstBlocks} record can hold.
     */
    private static List<TestEntry> longRun() {
        byte[] key = new byte[0];
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < SstLimits.DEFAULT_KEY_BLOCK_RUN_SIZE / SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD + 100; i++) {
            byte[] value = i % 1000 == 0 ? new byte[] {(byte) (i / 1000)} : new byte[0];
            entries.add(TestEntry.value(KeyHash.hash(key), key, value));
        }
        entries.add(TestEntry.tombstone(KeyHash.hash(key), key));
        for (byte[] other : new byte[][] {{1}, {2}}) {
            entries.add(TestEntry.value(KeyHash.hash(other), other, other));
        }
        entries.sort(TestEntry::compareKey); // stable: the run keeps its order
        return entries;
    }

    /** The blocks of an SST file, decoded, each marked for compression when it was stored compressed. */
    private static List<SstBlocks.Block> blocksOf(SstFile sst) throws IOException {
        MemorySegment file = MemorySegment.ofArray(sst.bytes);
        long table = sst.bytes.length - 4L * sst.blockCount;
        List<SstBlocks.Block> blocks = new ArrayList<>();
        long start = 0;
        for (int i = 0; i < sst.blockCount; i++) {
            long end = Integer.toUnsignedLong(file.get(BE_INT, table + 4L * i));
            int uncompressed = file.get(BE_INT, start);
            byte[] data = Arrays.copyOfRange(sst.bytes, (int) start + 8, (int) end);
            if (uncompressed != 0) {
                byte[] decoded = new byte[uncompressed];
                Lz4.decompress(MemorySegment.ofArray(data), MemorySegment.ofArray(decoded), Path.of(sst.name),
                        start + 8);
                data = decoded;
            }
            blocks.add(new SstBlocks.Block(data, uncompressed != 0));
            start = end;
        }
        return blocks;
    }

    private byte[] writeMeta(int entryCount) throws IOException {
        Path path = scratch.resolve("meta-" + entryCount + ".meta");
        try (Arena arena = Arena.ofConfined(); WritableFile out = FileLayer.standard().create(path)) {
            List<MetaEntry> entries = new ArrayList<>();
            for (int i = 0; i < entryCount; i++) {
                long[] hashes = hashes(10 + i);
                long min =
                        Arrays.stream(hashes).reduce((a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b).orElseThrow();
                long max =
                        Arrays.stream(hashes).reduce((a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b).orElseThrow();
                // a third entry is a key-ordered SST's, with its key range
                MetaEntry.KeyRange keys = i < 2 ? null
                        : new MetaEntry.KeyRange(new byte[] {1, 2}, new byte[] {1, 2, (byte) (i + 1)});
                entries.add(new MetaEntry(3 + i, 4, min, max, 1000 + i,
                        i == 0 ? MetaEntry.COLD : MetaEntry.FRESH, hashes.length,
                        KeyFilter.build(hashes.clone(), hashes.length, arena), keys));
            }
            MetaFileWriter.write(out, 1, new int[] {1, 2}, entries, UsedKeyFilter.build(hashes(3), 3, arena));
        }
        return Files.readAllBytes(path);
    }

    private static long[] hashes(int count) {
        long[] hashes = new long[count];
        for (int i = 0; i < count; i++) {
            hashes[i] = KeyHash.hash(new byte[] {(byte) i, (byte) (i >>> 8)});
        }
        return hashes;
    }

    private static byte[] prefixed(int mode, byte[] bytes) {
        byte[] input = new byte[1 + bytes.length];
        input[0] = (byte) mode;
        System.arraycopy(bytes, 0, input, 1, bytes.length);
        return input;
    }

    private static void seed(Path resources, String testClass, String name, byte[] bytes) throws IOException {
        String method = Arrays.stream(Class.forName(SeedCorpusWriter.class.getModule(), "io.turbokv.fuzz." + testClass)
                .getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(com.code_intelligence.jazzer.junit.FuzzTest.class))
                .findFirst().orElseThrow().getName();
        Path directory = resources.resolve(testClass + "Inputs").resolve(method);
        Files.createDirectories(directory);
        Files.write(directory.resolve("seed-" + name), bytes);
    }
}
