package io.turbokv.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.io.FileLayer;
import io.turbokv.io.MetaCopyBudget;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small meta file, or one this process may not write, is read into memory of its own instead of mapped privately
 * ({@code MetaFile.open(path, seq, Long.MAX_VALUE)} forces that path, {@code -1} the mapping): read through the
 * copy it answers as the mapping does, its filters verify themselves the same way, and a damaged chunk is reported
 * naming the file and the chunk's offset in it. {@link MetaFile#open(Path, int)} reads a file of up to
 * {@code COPY_MAX_BYTES} and maps a larger one; {@link MetaFile#open(Path, int, MetaCopyBudget)} reads one only
 * while the budget has room for it, and gives the bytes back at close.
 */
class MetaFileCopyTest {
    @TempDir
    Path tmp;

    /** Keys per entry: an empty filter, one chunk of 8-bit fingerprints, several of 16-bit ones. */
    private static final int[] KEYS = {0, 1_000, 30_000};
    private static final int[] BITS = {8, 8, 16};

    private long[][] keys;

    private Path write() throws IOException {
        Path path = tmp.resolve("00000005.meta");
        keys = new long[KEYS.length][];
        try (Arena arena = Arena.ofConfined(); WritableFile out = FileLayer.standard().create(path)) {
            List<MetaEntry> entries = new ArrayList<>();
            for (int i = 0; i < KEYS.length; i++) {
                keys[i] = new SplittableRandom(i).longs(KEYS[i]).toArray();
                entries.add(new MetaEntry(10 + i, 1, 0, -1, 100, 0, KEYS[i],
                        KeyFilter.build(keys[i].clone(), KEYS[i], BITS[i], arena), null));
            }
            long[] used = new SplittableRandom(99).longs(50).toArray();
            MetaFileWriter.write(out, 0, new int[] {3}, entries, UsedKeyFilter.build(used, used.length, arena));
        }
        return path;
    }

    @Test
    void aCopiedFileAnswersAsTheMappedOne() throws IOException {
        Path path = write();
        long[] probes = new SplittableRandom(7).longs(20_000).toArray();
        try (MetaFile mapped = MetaFile.open(path, 5, -1); MetaFile copied = MetaFile.open(path, 5, Long.MAX_VALUE)) {
            assertEquals(mapped.byteSize(), copied.byteSize());
            assertEquals(mapped.family(), copied.family());
            assertArrayEquals(mapped.obsoleteSsts(), copied.obsoleteSsts());
            assertArrayEquals(mapped.usedKeyFilter().toArray(ValueLayout.JAVA_BYTE),
                    copied.usedKeyFilter().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(KEYS.length, copied.entryCount());
            for (int i = 0; i < KEYS.length; i++) {
                MemorySegment a = mapped.entry(i).filter();
                MemorySegment b = copied.entry(i).filter();
                KeyFilter.check(a, path, CorruptionException.NO_OFFSET);
                KeyFilter.check(b, path, CorruptionException.NO_OFFSET);
                for (long key : keys[i]) {
                    assertTrue(KeyFilter.mayContain(b, key));
                }
                for (long probe : probes) {
                    assertEquals(KeyFilter.mayContain(a, probe), KeyFilter.mayContain(b, probe));
                }
                KeyFilter.verifyAll(b);
            }
        }
    }

    @Test
    void aDamagedChunkOfACopiedFileIsReportedNamingTheFileAndTheChunkOffset() throws IOException {
        Path path = write();
        long filterOffset;
        long filterLength;
        try (MetaFile mapped = MetaFile.open(path, 5)) {
            MemorySegment wide = mapped.entry(2).filter();
            filterLength = wide.byteSize();
            filterOffset = mapped.byteSize() - 4 - mapped.usedKeyFilter().byteSize() - filterLength;
        }
        byte[] bytes = Files.readAllBytes(path);
        long damaged = filterOffset + filterLength - 100; // in the last chunk
        bytes[(int) damaged] ^= 0x40;
        Files.write(path, bytes);
        try (MetaFile copied = MetaFile.open(path, 5, Long.MAX_VALUE)) {
            MemorySegment filter = copied.entry(2).filter();
            KeyFilter.check(filter, path, filterOffset); // the header is intact
            CorruptionException e = assertThrows(CorruptionException.class, () -> KeyFilter.verifyAll(filter));
            assertEquals(path, e.file());
            assertTrue(e.getMessage().contains("key filter chunk"), e::getMessage);
            // the chunk's first byte in the file: a 4 KiB chunk of the filter's fingerprints holds the damage
            assertTrue(filterOffset < e.offset() && e.offset() <= damaged && damaged < e.offset() + 4096,
                    e::getMessage);
            long probes = 0;
            for (long probe : new SplittableRandom(3).longs(200_000).toArray()) {
                try {
                    KeyFilter.mayContain(filter, probe);
                } catch (CorruptionException first) {
                    assertEquals(e.offset(), first.offset());
                    probes++;
                }
            }
            assertTrue(probes > 0, "no probe read the damaged chunk");
        }
    }

    @Test
    void onlyTheKeyFiltersOfAFileAreWritable() throws IOException {
        Path path = write();
        for (boolean copy : new boolean[] {false, true}) {
            try (MetaFile meta = MetaFile.open(path, 5, copy ? Long.MAX_VALUE : -1)) {
                assertTrue(meta.usedKeyFilter().isReadOnly(), "used-key filter, copy=" + copy);
                for (int i = 0; i < meta.entryCount(); i++) {
                    assertTrue(!meta.entry(i).filter().isReadOnly(), "key filter " + i + ", copy=" + copy);
                }
            }
        }
    }

    @Test
    void aFileUpToTheCopyThresholdIsReadAndALargerOneMapped() throws IOException {
        Path path = write();
        long size = Files.size(path);
        try (MetaFile copied = MetaFile.open(path, 5, size); MetaFile mapped = MetaFile.open(path, 5, size - 1)) {
            assertFalse(copied.isMapped());
            assertTrue(mapped.isMapped());
            assertArrayEquals(copied.obsoleteSsts(), mapped.obsoleteSsts());
        }
        try (MetaFile small = MetaFile.open(path, 5)) {
            assertTrue(size <= MetaFile.COPY_MAX_BYTES);
            assertFalse(small.isMapped());
        }
    }

    @Test
    void aCopyTakesItsBytesFromTheBudgetUntilClosedAndAFileBeyondItIsMapped() throws IOException {
        Path path = write();
        long size = Files.size(path);
        MetaCopyBudget budget = new MetaCopyBudget(size + size / 2);
        try (MetaFile first = MetaFile.open(path, 5, budget)) {
            assertFalse(first.isMapped());
            assertEquals(size / 2, budget.remaining());
            try (MetaFile second = MetaFile.open(path, 5, budget)) {
                assertTrue(second.isMapped(), "beyond the budget");
                assertEquals(size / 2, budget.remaining());
                assertArrayEquals(first.obsoleteSsts(), second.obsoleteSsts());
            }
            assertEquals(size / 2, budget.remaining(), "a mapped file gives nothing back");
        }
        assertEquals(size + size / 2, budget.remaining());
        try (MetaFile third = MetaFile.open(path, 5, budget)) {
            assertFalse(third.isMapped(), "the closed copy's bytes were given back");
        }
    }

    @Test
    void aFileOverTheCopyThresholdIsMappedWhateverTheBudget() throws IOException {
        Path path = write();
        MetaCopyBudget budget = new MetaCopyBudget(Long.MAX_VALUE);
        byte[] bytes = Files.readAllBytes(path);
        assertTrue(bytes.length <= MetaFile.COPY_MAX_BYTES);
        try (MetaFile meta = MetaFile.open(path, 5, budget)) {
            assertFalse(meta.isMapped());
        }
        assertEquals(Long.MAX_VALUE, budget.remaining());
        // a valid file over the threshold: the same entries with a used-key filter that fills it past 2 MiB
        Path large = tmp.resolve("00000006.meta");
        try (Arena arena = Arena.ofConfined(); WritableFile out = FileLayer.standard().create(large)) {
            long[] used = new SplittableRandom(98).longs(2_000_000).toArray();
            MetaFileWriter.write(out, 0, new int[0], List.of(), UsedKeyFilter.build(used, used.length, arena));
        }
        assertTrue(Files.size(large) > MetaFile.COPY_MAX_BYTES, "size " + Files.size(large));
        try (MetaFile meta = MetaFile.open(large, 6, budget)) {
            assertTrue(meta.isMapped());
            assertEquals(Long.MAX_VALUE, budget.remaining());
        }
    }

    @Test
    void aCopyThatFailsItsChecksGivesItsBytesBack() throws IOException {
        Path path = write();
        byte[] bytes = Files.readAllBytes(path);
        bytes[bytes.length - 1] ^= 1; // the trailer's CRC
        Files.write(path, bytes);
        MetaCopyBudget budget = new MetaCopyBudget(bytes.length);
        assertThrows(CorruptionException.class, () -> MetaFile.open(path, 5, budget));
        assertEquals(bytes.length, budget.remaining());
    }

    @Test
    void aClosedFileRefusesItsFiltersEitherWay() throws IOException {
        Path path = write();
        for (long copyMaxBytes : new long[] {-1, Long.MAX_VALUE}) {
            MetaFile meta = MetaFile.open(path, 5, copyMaxBytes);
            MemorySegment filter = meta.entry(1).filter();
            MemorySegment used = meta.usedKeyFilter();
            meta.close();
            meta.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> KeyFilter.mayContain(filter, 42));
            assertThrows(IllegalStateException.class, () -> used.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void aMissingFileIsNoSuchFileExceptionEitherWay() {
        for (boolean copy : new boolean[] {false, true}) {
            assertThrows(NoSuchFileException.class,
                    () -> MetaFile.open(tmp.resolve("00000009.meta"), 9, copy ? Long.MAX_VALUE : -1));
        }
    }
}
