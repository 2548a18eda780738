package io.turbokv.fuzz;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.sst.SstSummary;
import io.turbokv.sst.SstWriter;
import io.turbokv.sst.TestEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A small SST with every block kind, written by {@link SstWriter} from a fixed entry list: a variable-size key
 * block (short keys with their real XXH64), compressed key blocks (long keys with made-up, partly colliding
 * hashes), fixed-size key blocks (uniform keys), inline, small
 * (in compressed and in stored value blocks) and medium values (compressed and stored), blob references,
 * tombstones and a multi-valued group that ends with its tombstone. Deterministic: the same bytes on every run.
 */
final class SstSample {
    /** The entries, in file order. */
    static final List<TestEntry> ENTRIES = entries();
    private static final Written WRITTEN = write();
    /** The file's bytes. */
    static final byte[] FILE = WRITTEN.bytes;
    /** The file's block count, as its meta entry would record it. */
    static final int BLOCK_COUNT = WRITTEN.blockCount;

    private SstSample() {}

    private record Written(byte[] bytes, int blockCount) {}

    private static List<TestEntry> entries() {
        Random random = new Random(9);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            byte[] key = bytes(random, 4 + random.nextInt(28));
            byte[] value = i % 3 == 0 ? bytes(random, i % 9) : bytes(random, 9 + random.nextInt(200));
            entries.add(TestEntry.value(KeyHash.hash(key), key, value));
        }
        entries.sort(TestEntry::compareKey);
        // Long compressible keys with made-up hashes: compressed key blocks with hashes; a multi-valued group with
        // a compressible medium value, a stored medium value, a blob and its tombstone.
        long top = 0xFFFF_FFFF_FFFF_0000L;
        byte[] a = filled(15_000, 1);
        byte[] b = filled(15_000, 2);
        entries.add(TestEntry.value(top, a, filled(6000, 'x')));
        entries.add(TestEntry.value(top, a, bytes(new Random(3), 4200)));
        entries.add(TestEntry.blob(top, a, 77));
        entries.add(TestEntry.tombstone(top, a));
        entries.add(TestEntry.tombstone(top, b));
        entries.add(TestEntry.value(top + 1, filled(16_300, 3), new byte[] {1, 2, 3}));
        // Uniform 20-byte keys, mixed references: fixed-size key blocks.
        for (int i = 0; i < 6; i++) {
            byte[] key = filled(20, 10 + i);
            entries.add(i == 5 ? TestEntry.blob(top + 2 + i, key, 5)
                    : TestEntry.value(top + 2 + i, key, bytes(random, i % 2 == 0 ? 8 : 100)));
        }
        return List.copyOf(entries);
    }

    private static Written write() {
        try {
            Path directory = Files.createTempDirectory("turbokv-fuzz-sample-");
            Path path = directory.resolve("00000001.sst");
            SstSummary summary = write(path, ENTRIES);
            byte[] bytes = Files.readAllBytes(path);
            Files.delete(path);
            Files.delete(directory);
            return new Written(bytes, summary.blockCount());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code entries}, in file order, as the SST {@code path}. */
    static SstSummary write(Path path, List<TestEntry> entries) throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(path));
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

    /** The entries of the key of {@code first}, in file order. */
    static List<TestEntry> group(TestEntry first) {
        return ENTRIES.stream().filter(first::sameKey).toList();
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

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
