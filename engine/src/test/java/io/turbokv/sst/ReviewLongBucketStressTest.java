package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long buckets ({@link KeyBlock#SCAN_ENTRIES}, searched by their stored hashes) met by every lookup path: many values
 * per key, keys sharing one hash, short keys, at the largest key block budget in the default suite and at every
 * budget in the stress profile ({@code -Pstress}).
 */
class ReviewLongBucketStressTest {
    @TempDir
    Path dir;

    /** The default suite's share: the budget that crowds buckets most, a third of the keys (some 2.5 s). */
    @Test
    void everyKeyOfEveryShapeIsFoundAtTheLargestKeyBlockBudget() throws IOException {
        long longBuckets = checkShapes(new int[] {256}, 4_000, 100);
        assertTrue(longBuckets > 100, "buckets over the scan limit: " + longBuckets);
    }

    @Test
    @Tag("stress")
    void everyKeyOfEveryShapeIsFoundAtEveryKeyBlockBudget() throws IOException {
        long longBuckets = checkShapes(new int[] {8, 16, 64, 256}, 12_000, 100);
        assertTrue(longBuckets > 1000, "buckets over the scan limit: " + longBuckets);
    }

    /**
     * Writes one SST per key block budget (KiB), key length (1 byte: 200 keys drawn; 4 and 8 bytes:
     * {@code keysOfManyBytes}) and shape (distinct hashes; one key in 20 with 2 to 301 values; groups of 1 to 40
     * keys under one hash) and checks it; returns the long buckets the SSTs' blocks had.
     */
    private long checkShapes(int[] budgetsKiB, int keysOfManyBytes, int firstSeq) throws IOException {
        int seq = firstSeq;
        long longBuckets = 0;
        for (int kib : budgetsKiB) {
            for (int keyLength : new int[] {1, 4, 8}) {
                for (int shape = 0; shape < 3; shape++) {
                    Random random = new Random(seq);
                    List<TestEntry> entries = new ArrayList<>();
                    int keys = keyLength == 1 ? 200 : keysOfManyBytes;
                    Set<String> seen = new HashSet<>();
                    long sharedHash = 0;
                    int sharing = 0;
                    for (int k = 0; k < keys; k++) {
                        byte[] key = new byte[keyLength];
                        random.nextBytes(key);
                        if (!seen.add(HexFormat.of().formatHex(key))) {
                            continue;
                        }
                        long hash = KeyHash.hash(key);
                        if (shape == 2) { // groups of 1 to 40 keys sharing one hash
                            if (sharing == 0) {
                                sharing = 1 + random.nextInt(40);
                                sharedHash = hash;
                            }
                            hash = sharedHash;
                            sharing--;
                        }
                        int values = 1;
                        if (shape == 1 && random.nextInt(20) == 0) {
                            values = 2 + random.nextInt(300);
                        }
                        for (int v = 0; v < values; v++) {
                            byte[] value = new byte[4];
                            random.nextBytes(value);
                            entries.add(TestEntry.value(hash, key, value));
                        }
                    }
                    entries.sort(TestEntry::compareKey); // stable: a key's values keep their order
                    longBuckets += check(entries, seq++, new SstOptions(kib << 10,
                            SstOptions.DEFAULT.valueBlockBytes(), false,
                            SstOptions.DEFAULT.filterFingerprintBits()));
                }
            }
        }
        return longBuckets;
    }

    /** Checks every key and absent keys; returns how many buckets of more than SCAN_ENTRIES the blocks had. */
    private long check(List<TestEntry> entries, int seq, SstOptions options) throws IOException {
        Path file = dir.resolve(seq + ".sst");
        SstWriter writer = new SstWriter(FileLayer.standard().create(file), WriteBufferPool.unpooled(), true, false,
                options);
        for (TestEntry e : entries) {
            writer.addValue(e.hash(), MemorySegment.ofArray(e.key()), MemorySegment.ofArray(e.value()));
        }
        SstSummary summary = writer.finish();
        long longBuckets = 0;
        try (SstReader reader = SstReader.open(file, seq, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch();
             BlockBuffer buffer = new BlockBuffer();
             BlockChecksum checksum = new BlockChecksum()) {
            BlockView view = new BlockView();
            KeyBlock keyBlock = new KeyBlock();
            for (int b = 0; b < reader.keyBlockCount(); b++) {
                reader.loadBlock(reader.keyBlock(b), buffer, checksum, view);
                keyBlock.reset(view, file, 0, reader.keyBlock(b), false);
                KeyBlock.Layout layout = keyBlock.layout(false);
                if (layout.bucketStarts() == null) {
                    continue;
                }
                for (int bucket = 0; bucket < layout.buckets(); bucket++) {
                    int size = KeyBlock.bucketStart(layout.bucketStarts(), layout.count(), bucket + 1)
                            - KeyBlock.bucketStart(layout.bucketStarts(), layout.count(), bucket);
                    if (size > KeyBlock.SCAN_ENTRIES) {
                        longBuckets++;
                    }
                }
            }
            Map<String, List<TestEntry>> groups = new HashMap<>();
            for (TestEntry e : entries) {
                groups.computeIfAbsent(HexFormat.of().formatHex(e.key()), k -> new ArrayList<>()).add(e);
            }
            for (int round = 0; round < 2; round++) {
                for (List<TestEntry> group : groups.values()) {
                    TestEntry e = group.getFirst();
                    reader.touchGuess(e.hash());
                    reader.touchEntry(e.hash(), scratch);
                    assertEquals(group, SstFiles.lookup(reader, scratch, e.hash(), e.key()), e.toString());
                }
                for (TestEntry absent : SstFiles.absentKeys(new Random(seq), entries, 200)) {
                    assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()));
                }
            }
        }
        return longBuckets;
    }

    /** A key's entries all share its bucket, so a key of 17 values makes a long bucket even in a default block. */
    @Test
    void aDefaultKeyBlockHasALongBucketWhenAKeyHasSeventeenValues() throws IOException {
        Random random = new Random(5);
        List<TestEntry> entries = new ArrayList<>();
        for (int k = 0; k < 400; k++) {
            byte[] key = new byte[8];
            random.nextBytes(key);
            for (int v = 0; v < (k == 200 ? 17 : 1); v++) {
                entries.add(TestEntry.value(KeyHash.hash(key), key, new byte[] {(byte) v, 0, 0, 0}));
            }
        }
        entries.sort(TestEntry::compareKey);
        Path file = dir.resolve("1.sst");
        SstSummary summary = SstFiles.write(file, entries);
        int longest = 0;
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             BlockBuffer buffer = new BlockBuffer();
             BlockChecksum checksum = new BlockChecksum()) {
            BlockView view = new BlockView();
            KeyBlock keyBlock = new KeyBlock();
            for (int b = 0; b < reader.keyBlockCount(); b++) {
                reader.loadBlock(reader.keyBlock(b), buffer, checksum, view);
                keyBlock.reset(view, file, 0, reader.keyBlock(b), false);
                KeyBlock.Layout layout = keyBlock.layout(false);
                for (int bucket = 0; layout.bucketStarts() != null && bucket < layout.buckets(); bucket++) {
                    longest = Math.max(longest, KeyBlock.bucketStart(layout.bucketStarts(), layout.count(), bucket + 1)
                            - KeyBlock.bucketStart(layout.bucketStarts(), layout.count(), bucket));
                }
            }
        }
        assertTrue(longest > KeyBlock.SCAN_ENTRIES, "longest bucket " + longest);
    }
}
