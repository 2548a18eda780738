package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurrentFileTest {
    @TempDir
    Path dir;

    private Path current() {
        return dir.resolve(StoreFileNames.CURRENT);
    }

    private byte[] written(int seq) throws IOException {
        CurrentFile.write(FileLayer.standard(), dir, seq);
        return Files.readAllBytes(current());
    }

    private CorruptionException damaged(byte[] bytes) throws IOException {
        Files.write(current(), bytes);
        CorruptionException e = assertThrows(CorruptionException.class, () -> CurrentFile.read(dir),
                () -> "CURRENT " + Arrays.toString(bytes));
        assertEquals(current(), e.file());
        assertTrue(e.getMessage().contains("file=CURRENT"), e.getMessage());
        return e;
    }

    @Test
    void roundTripsEveryKindOfSequenceNumberAndLeavesNoTempFile() throws IOException {
        for (int seq : new int[] {0, 1, 10, 117440512, Integer.MAX_VALUE, Integer.MIN_VALUE, -1}) {
            CurrentFile.write(FileLayer.standard(), dir, seq);
            assertEquals(seq, CurrentFile.read(dir));
            assertEquals(CurrentFile.LENGTH, Files.size(current()));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(current()), files.toList(), "only CURRENT: the temp file was renamed");
        }
    }

    @Test
    void writeReplacesALeftoverTempFile() throws IOException {
        Files.write(dir.resolve(".CURRENT.tmp"), new byte[] {1, 2, 3});
        CurrentFile.write(FileLayer.standard(), dir, 7);
        assertEquals(7, CurrentFile.read(dir));
        assertFalse(Files.exists(dir.resolve(".CURRENT.tmp")));
    }

    @Test
    void startsWithMagicAndVersionAndEndsWithTheChecksum() throws IOException {
        byte[] bytes = written(10);
        assertArrayEquals(new byte[] {'T', 'K', 'V', 'C', 0, 0, 0, 1, 0, 0, 0, 10}, Arrays.copyOf(bytes, 12));
        assertArrayEquals(bytes, ControlFileBytes.resigned(bytes.clone()), "the last 4 bytes are the CRC-32");
    }

    @Test
    void flippedBitTurningTenIntoEightIsReportedNotRead() throws IOException {
        byte[] bytes = written(10);
        // bit 1 of the sequence number's low byte: 10 (0b1010) -> 8 (0b1000), the rollback of issue 15
        CorruptionException e = damaged(ControlFileBytes.flipBit(bytes, 8 * 11 + 1));
        assertTrue(e.getMessage().startsWith("CURRENT crc mismatch: expected="), e.getMessage());
        assertEquals(12, e.offset(), "the offset of the checksum");
    }

    @Test
    void everyFlippedBitIsReported() throws IOException {
        byte[] bytes = written(10);
        for (int bit = 0; bit < 8 * bytes.length; bit++) {
            damaged(ControlFileBytes.flipBit(bytes, bit));
        }
    }

    @Test
    void everyTruncationAndAnAppendedByteAreReported() throws IOException {
        byte[] bytes = written(10);
        for (int length = 0; length < bytes.length; length++) {
            damaged(Arrays.copyOf(bytes, length));
        }
        CorruptionException longer = damaged(Arrays.copyOf(bytes, bytes.length + 1));
        assertTrue(longer.getMessage().contains("magic") || longer.getMessage().contains("crc"),
                longer.getMessage());
    }

    @Test
    void theBareNumberOfEarlierBuildsIsRefusedNamingThatFormat() throws IOException {
        // 0x07000000 = 117440512: the number a 4-byte garbage CURRENT used to be read as
        CorruptionException e = damaged(new byte[] {7, 0, 0, 0});
        assertTrue(e.getMessage().contains("unchecksummed format of earlier builds")
                && e.getMessage().contains("117440512"), e.getMessage());
        damaged(new byte[] {0, 0, 0, 10});
    }

    @Test
    void garbageOfAnyLengthIsReported() throws IOException {
        Random random = new Random(15);
        for (int length : new int[] {1, 3, 4, 5, 12, 16, 17, 100, 4096}) {
            byte[] garbage = new byte[length];
            random.nextBytes(garbage);
            damaged(garbage);
        }
        CorruptionException tooLong = damaged(new byte[4097]);
        assertTrue(tooLong.getMessage().contains("too long"), tooLong.getMessage());
    }

    @Test
    void aResignedWrongLengthIsReported() throws IOException {
        byte[] longer = Arrays.copyOf(written(10), CurrentFile.LENGTH + 4);
        CorruptionException e = damaged(ControlFileBytes.resigned(longer));
        assertTrue(e.getMessage().contains("wrong length: expected=16 found=20"), e.getMessage());
    }

    @Test
    void anIntactFileOfAnotherVersionIsUnsupportedNotDamaged() throws IOException {
        Files.write(current(), ControlFileBytes.withWordResigned(written(10), 4, 2));
        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> CurrentFile.read(dir));
        assertEquals(current(), e.file());
        assertEquals(2, e.foundVersion());
        assertEquals(List.of(1L), e.supportedVersions());
        assertTrue(e.getMessage().contains("expected=1 found=2") && e.getMessage().contains("file=CURRENT"),
                e.getMessage());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> CurrentFile.read(dir));
    }
}
