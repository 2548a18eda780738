package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.io.DeletionFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Any bytes read as a {@code .del} file give numbers only when they are an intact file of format version 1 (magic,
 * version, three counts that add up to the length, a CRC-32 that holds), and then exactly the words of each group;
 * an intact file of another version is an {@link UnsupportedFormatVersionException}; anything else is a
 * {@link CorruptionException}; nothing else is thrown. The first input byte is a mode, the rest the file: with
 * bit 0 set the CRC-32 trailer is recomputed first ({@link Checksums#signControlFile}), so the fuzzer also reaches
 * the count checks behind it.
 */
class DeletionFileFuzzTest {
    static final int SIGN = 1;
    private static final int COUNTS = 8;
    private static final int SEQS = 20;
    private static final FuzzFiles FILES = new FuzzFiles("del");

    @FuzzTest
    void anyBytesReadAsADeletionFileGiveTheirNumbersOnlyWhenIntact(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & SIGN) != 0) {
            Checksums.signControlFile(file);
        }
        Path path = FILES.write("00000001.del", file);
        boolean intact = ControlFrame.intact(file, ControlFrame.DELETION_MAGIC);
        boolean version1 = intact && ControlFrame.word(file, 4) == ControlFrame.VERSION;
        long[] counts = new long[3];
        boolean countsFit = false;
        if (version1 && file.length >= SEQS + ControlFrame.TRAILER) {
            for (int i = 0; i < 3; i++) {
                counts[i] = Integer.toUnsignedLong(ControlFrame.word(file, COUNTS + 4L * i));
            }
            countsFit = SEQS + 4 * (counts[0] + counts[1] + counts[2]) + ControlFrame.TRAILER == file.length;
        }
        DeletionFile.Contents contents;
        try {
            contents = DeletionFile.read(path);
        } catch (UnsupportedFormatVersionException e) {
            assertTrue(intact, () -> "a damaged .del is reported as another version: " + e);
            assertNotEquals(ControlFrame.VERSION, ControlFrame.word(file, 4), e::toString);
            return;
        } catch (CorruptionException e) {
            assertFalse(countsFit, () -> "an intact .del is reported as damaged: " + e);
            return;
        }
        assertTrue(countsFit, "an accepted .del is intact, version 1, and its counts fit its length");
        long offset = SEQS;
        for (int[] group : new int[][] {contents.ssts(), contents.metas(), contents.blobs()}) {
            int[] words = new int[group.length];
            for (int i = 0; i < words.length; i++) {
                words[i] = ControlFrame.word(file, offset);
                offset += 4;
            }
            assertArrayEquals(words, group, "numbers of a " + file.length + "-byte .del file");
        }
    }
}
