package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.io.CurrentFile;
import java.io.IOException;
import java.util.Arrays;

/**
 * Any bytes read as {@code CURRENT} give the committed sequence number only when they are an intact file of
 * format version 1 (16 bytes, magic, version, number, a CRC-32 that holds), and then exactly that number; an intact
 * file of another version is an {@link UnsupportedFormatVersionException}; anything else is a
 * {@link CorruptionException}; nothing else is thrown. The first input byte is a mode, the rest the file: with
 * bit 0 set the CRC-32 trailer is recomputed first ({@link Checksums#signControlFile}), so the fuzzer also reaches
 * the version and length checks behind it.
 */
class CurrentFileFuzzTest {
    static final int SIGN = 1;
    private static final FuzzFiles FILES = new FuzzFiles("current");

    @FuzzTest
    void anyBytesReadAsCurrentGiveTheCommittedSeqOnlyWhenIntact(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & SIGN) != 0) {
            Checksums.signControlFile(file);
        }
        FILES.write("CURRENT", file);
        boolean intact = ControlFrame.intact(file, ControlFrame.CURRENT_MAGIC);
        boolean version1 = intact && ControlFrame.word(file, 4) == ControlFrame.VERSION;
        int seq;
        try {
            seq = CurrentFile.read(FILES.directory());
        } catch (UnsupportedFormatVersionException e) {
            assertTrue(intact, () -> "a damaged CURRENT is reported as another version: " + e);
            assertNotEquals(ControlFrame.VERSION, ControlFrame.word(file, 4), e::toString);
            return;
        } catch (CorruptionException e) {
            assertFalse(version1 && file.length == CurrentFile.LENGTH,
                    () -> "an intact CURRENT is reported as damaged: " + e);
            return;
        }
        assertTrue(version1, "an accepted CURRENT has the magic, version 1 and a CRC-32 that holds");
        assertEquals(CurrentFile.LENGTH, file.length, "length of a CURRENT that was accepted");
        assertEquals(ControlFrame.word(file, 8), seq, "committed seq");
    }
}
