package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeletionFileTest {
    @TempDir
    Path dir;

    private Path path() {
        return dir.resolve("00000009.del");
    }

    private byte[] written(int[] ssts, int[] metas, int[] blobs) throws IOException {
        Files.deleteIfExists(path());
        DeletionFile.write(FileLayer.standard(), path(), ssts, metas, blobs);
        return Files.readAllBytes(path());
    }

    private CorruptionException damaged(byte[] bytes) throws IOException {
        Files.write(path(), bytes);
        CorruptionException e = assertThrows(CorruptionException.class, () -> DeletionFile.read(path()),
                () -> ".del " + Arrays.toString(bytes));
        assertEquals(path(), e.file());
        assertTrue(e.getMessage().contains("file=00000009.del"), e.getMessage());
        return e;
    }

    @Test
    void roundTripsEachGroupSorted() throws IOException {
        written(new int[] {3, 1}, new int[] {2}, new int[] {8, 5});
        DeletionFile.Contents contents = DeletionFile.read(path());
        assertArrayEquals(new int[] {1, 3}, contents.ssts());
        assertArrayEquals(new int[] {2}, contents.metas());
        assertArrayEquals(new int[] {5, 8}, contents.blobs());
        assertArrayEquals(contents.metas(), contents.seqs(StoreFileNames.Kind.META));
        assertThrows(IllegalArgumentException.class, () -> contents.seqs(StoreFileNames.Kind.DEL));
    }

    @Test
    void roundTripsEmptyGroupsAndLargeOnes() throws IOException {
        assertEquals(24, written(new int[0], new int[0], new int[0]).length, "header, counts and trailer");
        DeletionFile.Contents empty = DeletionFile.read(path());
        assertEquals(0, empty.ssts().length + empty.metas().length + empty.blobs().length);

        int[] many = IntStream.range(1, 100_001).toArray();
        int[] high = {0x7FFF_FFFF, 0x8000_0000, -1};
        assertEquals(24 + 4 * (many.length + 1 + 3), written(many, new int[] {42}, high).length);
        DeletionFile.Contents contents = DeletionFile.read(path());
        assertArrayEquals(many, contents.ssts());
        assertArrayEquals(new int[] {42}, contents.metas());
        assertEquals(3, contents.blobs().length);
        assertEquals(Arrays.stream(high).boxed().sorted().toList(),
                Arrays.stream(contents.blobs()).boxed().sorted().toList(), "numbers of 2^31 and above");
    }

    @Test
    void startsWithMagicVersionAndCounts() throws IOException {
        byte[] bytes = written(new int[] {3, 1}, new int[] {2}, new int[] {8, 5});
        assertArrayEquals(new byte[] {'T', 'K', 'V', 'D', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2},
                Arrays.copyOf(bytes, 20));
        assertArrayEquals(bytes, ControlFileBytes.resigned(bytes.clone()), "the last 4 bytes are the CRC-32");
    }

    @Test
    void everyFlippedBitIsReported() throws IOException {
        byte[] bytes = written(new int[] {3, 1}, new int[] {2}, new int[] {8, 5});
        for (int bit = 0; bit < 8 * bytes.length; bit++) {
            damaged(ControlFileBytes.flipBit(bytes, bit));
        }
    }

    @Test
    void everyTruncationIsReported() throws IOException {
        byte[] bytes = written(new int[] {3, 1}, new int[] {2}, new int[] {8, 5});
        for (int length = 0; length < bytes.length; length++) {
            damaged(Arrays.copyOf(bytes, length));
        }
    }

    @Test
    void theHeaderlessListOfEarlierBuildsIsReported() throws IOException {
        CorruptionException e = damaged(new byte[] {0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 8,
                0, 0, 0, 9});
        assertTrue(e.getMessage().contains("magic mismatch"), e.getMessage());
        assertEquals(0, e.offset());
        damaged(new byte[0]);
    }

    @Test
    void countsThatDisagreeWithTheLengthAreReportedEvenUnderAValidChecksum() throws IOException {
        byte[] bytes = written(new int[] {3, 1}, new int[] {2}, new int[] {8, 5});
        for (int count : new int[] {0, 2, 3, -1}) { // the meta count is 1
            CorruptionException e = damaged(ControlFileBytes.withWordResigned(bytes, 12, count));
            assertTrue(e.getMessage().contains("does not match its counts"), e.getMessage());
        }
    }

    @Test
    void anIntactFileOfAnotherVersionIsUnsupportedNotDamaged() throws IOException {
        byte[] bytes = written(new int[] {3}, new int[0], new int[0]);
        Files.write(path(), ControlFileBytes.withWordResigned(bytes, 4, 7));
        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> DeletionFile.read(path()));
        assertEquals(path(), e.file());
        assertEquals(7, e.foundVersion());
        assertEquals(List.of(1L), e.supportedVersions());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> DeletionFile.read(path()));
    }
}
