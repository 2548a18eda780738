package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.io.DeletionFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Any bytes read as a {@code .del} file give exactly their big-endian u32 words, or {@link CorruptionException}
 * when the length is not a multiple of 4; nothing else.
 */
class DeletionFileFuzzTest {
    private static final FuzzFiles FILES = new FuzzFiles("del");
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @FuzzTest
    void anyBytesReadAsADeletionFileGiveTheirWordsOrAreReportedAsDamaged(byte[] input) throws IOException {
        Path path = FILES.write("00000001.del", input);
        int[] seqs;
        try {
            seqs = DeletionFile.read(path);
        } catch (CorruptionException e) {
            assertNotEquals(0, input.length % 4, () -> "a whole number of words is reported as damaged: " + e);
            return;
        }
        int[] words = new int[input.length / 4];
        for (int i = 0; i < words.length; i++) {
            words[i] = MemorySegment.ofArray(input).get(BE_INT, 4L * i);
        }
        assertArrayEquals(words, seqs, "sequence numbers of a " + input.length + "-byte .del file");
    }
}
