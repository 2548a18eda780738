package io.turbokv.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MetaFileTest {
    /*
     * The sample file, with offsets from the layout table on MetaFile: obsolete list at 14..26, entry count at 26,
     * entry i's header at 30 + 54 i, used-key filter end at 192, filter region at 196 (18 bytes: 5 + 0 + 7 + 6),
     * key region at 214 (5 bytes: entry 2's min key {1, 2} and max key {1, 3, 4}), trailer at 219, length 223.
     */
    private static final int FAMILY = 3;
    private static final int[] OBSOLETE = {2, 5, 9};
    private static final List<MetaEntry> ENTRIES = List.of(
            new MetaEntry(10, 4, 0x10, 0x20, 4096, MetaEntry.COLD, 100, MetaFiles.filter(5, 0)),
            new MetaEntry(11, 65535, 0, -1L, 123_456_789_012L, MetaEntry.FRESH, 0, MetaFiles.filter(0, 1)),
            new MetaEntry(12, 1, -5L, -1L, 77, 0, Long.MAX_VALUE, MetaFiles.filter(7, 2),
                    new MetaEntry.KeyRange(new byte[] {1, 2}, new byte[] {1, 3, 4})));
    private static final byte[] USED_KEYS = {1, 2, 3, 4, 5, 6};
    private static final int SAMPLE_LENGTH = 223;
    /** The key filters' span, which the trailer's CRC leaves to the filters' own checks. */
    private static final int KEY_FILTERS_START = 196;
    private static final int KEY_FILTERS_END = 196 + 5 + 0 + 7;

    @TempDir
    Path dir;
    private Path sample;

    @BeforeEach
    void writeSample() throws IOException {
        sample = dir.resolve("00000007.meta");
        MetaFiles.write(sample, FAMILY, OBSOLETE, ENTRIES, USED_KEYS);
    }

    @Test
    void roundTripsFamilyObsoleteListEntriesAndFilters() throws IOException {
        assertEquals(SAMPLE_LENGTH, Files.size(sample));
        try (MetaFile meta = MetaFile.open(sample, 7)) {
            assertEquals(7, meta.seq());
            assertEquals(FAMILY, meta.family());
            assertEquals(sample, meta.path());
            assertEquals(SAMPLE_LENGTH, meta.byteSize());
            assertArrayEquals(OBSOLETE, meta.obsoleteSsts());
            assertEquals(ENTRIES.size(), meta.entryCount());
            for (int i = 0; i < ENTRIES.size(); i++) {
                assertSameEntry(ENTRIES.get(i), meta.entry(i));
            }
            assertArrayEquals(USED_KEYS, meta.usedKeyFilter().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    static void assertSameEntry(MetaEntry expected, MetaEntry found) {
        assertEquals(expected.sstSeq(), found.sstSeq());
        assertEquals(expected.blockCount(), found.blockCount());
        assertEquals(expected.minHash(), found.minHash());
        assertEquals(expected.maxHash(), found.maxHash());
        assertEquals(expected.sstSize(), found.sstSize());
        assertEquals(expected.flags(), found.flags());
        assertEquals(expected.entryCount(), found.entryCount());
        assertArrayEquals(expected.filter().toArray(ValueLayout.JAVA_BYTE),
                found.filter().toArray(ValueLayout.JAVA_BYTE));
        assertEquals(expected.keyRange() == null, found.keyRange() == null);
        if (expected.keyRange() != null) {
            assertArrayEquals(expected.keyRange().min(), found.keyRange().min());
            assertArrayEquals(expected.keyRange().max(), found.keyRange().max());
        }
    }

    @Test
    void emptyFileHoldsOnlyHeaderCountsAndTrailer() throws IOException {
        Path path = dir.resolve("00000001.meta");
        MetaFiles.write(path, 0, new int[0], List.of(), new byte[0]);
        try (MetaFile meta = MetaFile.open(path, 1)) {
            assertEquals(26, meta.byteSize());
            assertEquals(0, meta.family());
            assertEquals(0, meta.entryCount());
            assertEquals(0, meta.obsoleteSsts().length);
            assertEquals(0, meta.usedKeyFilter().byteSize());
        }
    }

    @Test
    void temperatureFlagsReadBack() throws IOException {
        try (MetaFile meta = MetaFile.open(sample, 7)) {
            assertTrue(meta.entry(0).cold());
            assertFalse(meta.entry(0).fresh());
            assertTrue(meta.entry(1).fresh());
            assertFalse(meta.entry(1).cold());
            assertFalse(meta.entry(2).cold() || meta.entry(2).fresh());
        }
    }

    @Test
    void obsoleteSeqsAreOrderedAsUnsignedU32() throws IOException {
        Path path = dir.resolve("00000002.meta");
        int[] obsolete = {0, Integer.MAX_VALUE, Integer.MIN_VALUE, -1};
        MetaFiles.write(path, 1, obsolete, List.of(), new byte[0]);
        try (MetaFile meta = MetaFile.open(path, 2)) {
            assertArrayEquals(obsolete, meta.obsoleteSsts());
        }
    }

    @Test
    void filtersAreSlicesOfTheFilesBytesThatDieWithClose() throws IOException {
        // a small file is read into memory of its own, a large one mapped: the same either way
        for (long copyMaxBytes : new long[] {Long.MAX_VALUE, -1}) {
            MetaFile meta = MetaFile.open(sample, 7, copyMaxBytes);
            MemorySegment filter = meta.entry(0).filter();
            MemorySegment usedKeys = meta.usedKeyFilter();
            assertEquals(copyMaxBytes < 0, filter.isMapped(), "a slice of the mapping only when mapped");
            assertTrue(filter.isNative());
            meta.close();
            meta.close();
            assertThrows(IllegalStateException.class, () -> filter.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> usedKeys.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void entryIndexOutsideTheFileIsRejected() throws IOException {
        try (MetaFile meta = MetaFile.open(sample, 7)) {
            assertThrows(IndexOutOfBoundsException.class, () -> meta.entry(3));
            assertThrows(IndexOutOfBoundsException.class, () -> meta.entry(-1));
        }
    }

    @Test
    void everyFlippedByteOutsideTheKeyFiltersIsACorruptionNamingFileAndOffset() throws IOException {
        byte[] good = Files.readAllBytes(sample);
        for (int mask : new int[] {0x01, 0x80, 0xFF}) {
            for (int offset = 0; offset < good.length; offset++) {
                if (offset >= KEY_FILTERS_START && offset < KEY_FILTERS_END) {
                    continue;
                }
                byte[] bad = good.clone();
                bad[offset] ^= (byte) mask;
                MetaFiles.rewrite(sample, bad);
                assertCorruption("flip 0x" + Integer.toHexString(mask) + " at " + offset);
            }
        }
    }

    @Test
    void aFlippedKeyFilterByteOpensAndChangesOnlyThatByteOfThatFilter() throws IOException {
        byte[] good = Files.readAllBytes(sample);
        for (int offset = KEY_FILTERS_START; offset < KEY_FILTERS_END; offset++) {
            byte[] bad = good.clone();
            bad[offset] ^= 0x01;
            MetaFiles.rewrite(sample, bad);
            try (MetaFile file = MetaFile.open(sample, 7)) {
                int differing = 0;
                for (int i = 0; i < ENTRIES.size(); i++) {
                    byte[] expected = ENTRIES.get(i).filter().toArray(ValueLayout.JAVA_BYTE);
                    byte[] found = file.entry(i).filter().toArray(ValueLayout.JAVA_BYTE);
                    assertEquals(expected.length, found.length, "offset " + offset);
                    for (int j = 0; j < expected.length; j++) {
                        differing += expected[j] == found[j] ? 0 : 1;
                    }
                }
                assertEquals(1, differing, "offset " + offset);
                assertArrayEquals(USED_KEYS, file.usedKeyFilter().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void everyTruncationIsACorruptionNamingFileAndOffset() throws IOException {
        byte[] good = Files.readAllBytes(sample);
        for (int length = 0; length < good.length; length++) {
            MetaFiles.rewrite(sample, Arrays.copyOf(good, length));
            assertCorruption("truncated to " + length);
        }
    }

    @Test
    void appendedBytesAreACorruption() throws IOException {
        byte[] good = Files.readAllBytes(sample);
        MetaFiles.rewrite(sample, Arrays.copyOf(good, good.length + 1));
        assertCorruption("one byte appended");
    }

    private CorruptionException assertCorruption(String what) {
        CorruptionException e = assertThrows(CorruptionException.class, () -> MetaFile.open(sample, 7).close(),
                what);
        assertEquals(sample, e.file(), what);
        assertTrue(e.offset() >= 0 && e.offset() <= SAMPLE_LENGTH + 1, what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("file=00000007.meta, offset=" + e.offset()), what + ": " + e.getMessage());
        return e;
    }

    @Test
    void anotherFormatVersionIsRefusedNamingBothVersions() throws IOException {
        byte[] bytes = Files.readAllBytes(sample);
        int newer = MetaFile.FORMAT_VERSION + 1;
        bytes[4] = (byte) newer;
        MetaFiles.rewrite(sample, MetaFiles.resign(bytes));
        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> MetaFile.open(sample, 7));
        assertEquals(newer, e.foundVersion());
        assertTrue(e.getMessage().contains("expected=" + MetaFile.FORMAT_VERSION + " found=" + newer),
                e.getMessage());
        assertTrue(e.getMessage().contains("file=00000007.meta"), e.getMessage());
    }

    @Test
    void aFileOfFormatOneWithHashlessKeyBlocksIsRefusedNamingBothVersions() throws IOException {
        byte[] bytes = Files.readAllBytes(sample);
        bytes[4] = 1;
        MetaFiles.rewrite(sample, MetaFiles.resign(bytes));
        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> MetaFile.open(sample, 7));
        assertEquals(1, e.foundVersion());
        assertEquals(List.of((long) MetaFile.FORMAT_VERSION), e.supportedVersions());
        assertTrue(e.getMessage().contains("expected=" + MetaFile.FORMAT_VERSION + " found=1"), e.getMessage());
    }

    @Test
    void filesOfFormatsTwoAndThreeWithOtherKeyOrderedLayoutsAreRefusedNamingBothVersions() throws IOException {
        byte[] good = Files.readAllBytes(sample);
        for (int older = 2; older < MetaFile.FORMAT_VERSION; older++) {
            byte[] bytes = good.clone();
            bytes[4] = (byte) older;
            MetaFiles.rewrite(sample, MetaFiles.resign(bytes));
            UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                    () -> MetaFile.open(sample, 7));
            assertEquals(older, e.foundVersion());
            assertEquals(List.of((long) MetaFile.FORMAT_VERSION), e.supportedVersions());
            assertTrue(e.getMessage().contains("expected=" + MetaFile.FORMAT_VERSION + " found=" + older),
                    e.getMessage());
        }
    }

    @Test
    void damagedFileOfAnotherVersionNamesBothVersions() throws IOException {
        byte[] bytes = Files.readAllBytes(sample);
        bytes[4] = (byte) (MetaFile.FORMAT_VERSION + 1);
        MetaFiles.rewrite(sample, bytes);
        CorruptionException e = assertCorruption("version byte flipped, trailer not recomputed");
        assertTrue(e.getMessage().contains("found=" + (MetaFile.FORMAT_VERSION + 1) + ", this build reads "
                + MetaFile.FORMAT_VERSION), e.getMessage());
    }

    @Test
    void missingFileIsNoSuchFileException() {
        assertThrows(NoSuchFileException.class, () -> MetaFile.open(dir.resolve("00000099.meta"), 99));
    }

    static Stream<Arguments> structuralDamage() {
        return Stream.of(
                damage("codec is not LZ4", 5, b -> b.set(ValueLayout.JAVA_BYTE, 5, (byte) 2)),
                damage("family above 2^31 - 1", 6, b -> b.set(Bytes.BE_INT, 6, Integer.MIN_VALUE)),
                damage("obsolete count beyond the file", 10, b -> b.set(Bytes.BE_INT, 10, 1000)),
                damage("obsolete count of 2^32 - 1", 10, b -> b.set(Bytes.BE_INT, 10, -1)),
                damage("obsolete seqs out of order", 18, b -> b.set(Bytes.BE_INT, 18, 1)),
                damage("obsolete seq repeated", 22, b -> b.set(Bytes.BE_INT, 22, 5)),
                damage("entry count beyond the file", 26, b -> b.set(Bytes.BE_INT, 26, 4)),
                damage("entry count of 2^32 - 1", 26, b -> b.set(Bytes.BE_INT, 26, -1)),
                damage("block count 0", 34, b -> b.set(Bytes.BE_SHORT, 34, (short) 0)),
                damage("min hash above max hash", 36, b -> b.set(Bytes.BE_LONG, 36, 0x30L)),
                damage("min hash above max hash as unsigned only", 36, b -> b.set(Bytes.BE_LONG, 36, -1L)),
                damage("SST size above 2^63 - 1", 52, b -> b.set(Bytes.BE_LONG, 52, -1L)),
                damage("unknown flag bit", 60, b -> b.set(Bytes.BE_INT, 60, 8)),
                damage("entry count above 2^63 - 1", 64, b -> b.set(Bytes.BE_LONG, 64, Long.MIN_VALUE)),
                damage("filter end before the previous one", 126, b -> b.set(Bytes.BE_INT, 126, 4)),
                damage("filter end beyond the filter region", 180, b -> b.set(Bytes.BE_INT, 180, 19)),
                damage("filter end of 2^32 - 1", 180, b -> b.set(Bytes.BE_INT, 180, -1)),
                damage("key ends without the KEY_RANGE flag", 76, b -> b.set(Bytes.BE_INT, 80, 1)),
                damage("min key end above the max key end", 184, b -> b.set(Bytes.BE_INT, 184, 6)),
                damage("max key end beyond the file", 188, b -> b.set(Bytes.BE_INT, 188, -1)),
                damage("max key below the min key", 214, b -> b.set(ValueLayout.JAVA_BYTE, 214, (byte) 9)),
                damage("used-key filter end short of the region", 192, b -> b.set(Bytes.BE_INT, 192, 17)),
                damage("used-key filter end beyond the region", 192, b -> b.set(Bytes.BE_INT, 192, 19)));
    }

    private static Arguments damage(String what, long offset, Consumer<MemorySegment> patch) {
        return Arguments.of(what, offset, patch);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structuralDamage")
    void damageBehindAValidChecksumIsACorruptionAtItsOffset(String what, long offset, Consumer<MemorySegment> patch)
            throws IOException {
        byte[] bytes = Files.readAllBytes(sample);
        patch.accept(MemorySegment.ofArray(bytes));
        MetaFiles.rewrite(sample, MetaFiles.resign(bytes));
        CorruptionException e = assertCorruption(what);
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    /** Whatever a header byte becomes, a re-signed file opens or is refused cleanly: never another exception. */
    @Test
    void anyHeaderByteBehindAValidChecksumOpensOrIsRefusedCleanly() throws IOException {
        byte[] good = Files.readAllBytes(sample);
        int filterRegion = 196;
        int refused = 0;
        for (int offset = 0; offset < filterRegion; offset++) {
            for (int value : new int[] {0x00, 0xFF, good[offset] ^ 0x01, good[offset] ^ 0x80}) {
                byte[] bad = good.clone();
                bad[offset] = (byte) value;
                MetaFiles.rewrite(sample, MetaFiles.resign(bad));
                try (MetaFile meta = MetaFile.open(sample, 7)) {
                    for (int i = 0; i < meta.entryCount(); i++) {
                        MemorySegment filter = meta.entry(i).filter();
                        filter.toArray(ValueLayout.JAVA_BYTE);
                    }
                    meta.usedKeyFilter().toArray(ValueLayout.JAVA_BYTE);
                } catch (CorruptionException e) {
                    refused++;
                    assertTrue(e.offset() >= 0 && e.offset() < SAMPLE_LENGTH, e.getMessage());
                } catch (IOException e) {
                    refused++;
                    assertEquals(4, offset, "only the version byte may be refused as foreign: " + e);
                } catch (RuntimeException e) {
                    fail("byte " + offset + " set to 0x" + Integer.toHexString(value & 0xFF) + " escaped as " + e, e);
                }
            }
        }
        assertTrue(refused > filterRegion, "most header damage is refused, found " + refused);
    }

    @Test
    void writerRejectsUnsortedOrRepeatedObsoleteSsts() throws IOException {
        for (int[] obsolete : new int[][] {{3, 2}, {4, 4}, {-1, 0}}) {
            Path path = dir.resolve("00000003.meta");
            try (WritableFile out = FileLayer.standard().create(path)) {
                assertThrows(IllegalArgumentException.class,
                        () -> MetaFileWriter.write(out, 0, obsolete, List.of(), MemorySegment.ofArray(new byte[0])));
            }
            Files.delete(path);
        }
    }

    @Test
    void writerWritesTheWholeFileInOneCallAndNeitherSyncsNorClosesIt() throws IOException {
        Path path = dir.resolve("00000005.meta");
        try (WritableFile file = FileLayer.standard().create(path)) {
            MetaFiles.RecordingFile out = new MetaFiles.RecordingFile(file);
            MetaFileWriter.write(out, FAMILY, OBSOLETE, ENTRIES, MemorySegment.ofArray(USED_KEYS));
            assertEquals(1, out.writes);
            assertEquals(0, out.syncs);
            assertEquals(0, out.closes);
            assertEquals(SAMPLE_LENGTH, out.position());
        }
        assertArrayEquals(Files.readAllBytes(sample), Files.readAllBytes(path));
    }

    @Test
    void writerRejectsANegativeFamily() throws IOException {
        try (WritableFile out = FileLayer.standard().create(dir.resolve("00000004.meta"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MetaFileWriter.write(out, -1, new int[0], List.of(), MemorySegment.ofArray(new byte[0])));
            assertTrue(e.getMessage().contains("family"), e.getMessage());
            assertEquals(0, out.position(), "nothing written");
        }
    }

    @Test
    void entryComponentsOutsideTheFormatAreRejected() {
        MemorySegment none = MemorySegment.ofArray(new byte[0]);
        List<Runnable> invalid = List.of(
                () -> new MetaEntry(1, 0, 0, 0, 0, 0, 0, none),
                () -> new MetaEntry(1, 65536, 0, 0, 0, 0, 0, none),
                () -> new MetaEntry(1, 1, -1L, 0, 0, 0, 0, none),
                () -> new MetaEntry(1, 1, 0, 0, -1, 0, 0, none),
                () -> new MetaEntry(1, 1, 0, 0, 0, 4, 0, none),
                () -> new MetaEntry(1, 1, 0, 0, 0, 0, -1, none));
        for (Runnable construct : invalid) {
            assertThrows(IllegalArgumentException.class, construct::run);
        }
        assertThrows(NullPointerException.class, () -> new MetaEntry(1, 1, 0, 0, 0, 0, 0, null));
        MetaEntry both = new MetaEntry(1, 1, 0, -1L, 0, MetaEntry.COLD | MetaEntry.FRESH, 0, none);
        assertTrue(both.cold() && both.fresh());
    }
}
