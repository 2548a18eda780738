package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.io.CurrentFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Any bytes read as {@code CURRENT} give their big-endian u32 when they are exactly 4 bytes, and
 * {@link CorruptionException} otherwise; nothing else.
 */
class CurrentFileFuzzTest {
    private static final FuzzFiles FILES = new FuzzFiles("current");
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @FuzzTest
    void anyBytesReadAsCurrentGiveTheCommittedSeqOrAreReportedAsDamaged(byte[] input) throws IOException {
        FILES.write("CURRENT", input);
        int seq;
        try {
            seq = CurrentFile.read(FILES.directory());
        } catch (CorruptionException e) {
            assertNotEquals(CurrentFile.LENGTH, input.length, () -> "a 4-byte CURRENT is reported as damaged: " + e);
            return;
        }
        assertEquals(CurrentFile.LENGTH, input.length, "length of a CURRENT that was accepted");
        assertEquals(MemorySegment.ofArray(input).get(BE_INT, 0), seq, "committed seq");
    }
}
