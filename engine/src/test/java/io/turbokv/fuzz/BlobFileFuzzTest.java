package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.blob.BlobFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Any bytes read as a blob file give a value or {@link io.turbokv.CorruptionException}, nothing else, and never a
 * value other than the one written. The first input byte is a mode:
 *
 * <pre>
 * bits 0-1  0: the rest of the input is the file
 *           1: the same, with its CRC-32 recomputed first ({@link Checksums#signBlob}), so the fuzzer reaches the
 *              length and LZ4 checks behind it; a value read back has the length its header gives, and a raw
 *              body is the value itself
 *           2, 3: the rest are {@link Edits} to a blob written from a known value, which a read must return
 *              exactly (or report the damage)
 * bit 2     with edits: the LZ4-compressed sample ({@link BlobSample#COMPRESSIBLE_FILE}) instead of the raw one
 * </pre>
 */
class BlobFileFuzzTest {
    static final int RAW = 0;
    static final int SIGNED = 1;
    static final int EDITED = 2;
    static final int COMPRESSED_SAMPLE = 4;
    private static final FuzzFiles FILES = new FuzzFiles("blob");
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @FuzzTest
    void anyBytesReadAsABlobGiveTheWrittenValueOrAreReportedAsDamaged(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int mode = input[0] & 3;
        byte[] expected = null;
        byte[] file;
        if (mode >= EDITED) {
            boolean compressed = (input[0] & COMPRESSED_SAMPLE) != 0;
            expected = compressed ? BlobSample.COMPRESSIBLE_VALUE : BlobSample.RANDOM_VALUE;
            file = Edits.apply(compressed ? BlobSample.COMPRESSIBLE_FILE : BlobSample.RANDOM_FILE, input, 1);
        } else {
            file = Arrays.copyOfRange(input, 1, input.length);
            if (mode == SIGNED) {
                Checksums.signBlob(file);
            }
        }
        Path path = FILES.write("00000001.blob", file);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = BlobFile.read(path, arena);
            if (expected != null) {
                assertArrayEquals(expected, value.toArray(ValueLayout.JAVA_BYTE), "value of the edited blob");
            } else {
                long length = Integer.toUnsignedLong(MemorySegment.ofArray(file).get(BE_INT, 0));
                assertEquals(length, value.byteSize(), "value length against the header");
                if (file.length - 8 == length) {
                    assertArrayEquals(Arrays.copyOfRange(file, 8, file.length), value.toArray(ValueLayout.JAVA_BYTE),
                            "value of a raw body");
                }
            }
        } catch (IOException e) {
            // CorruptionException, or the file could not be mapped: allowed.
        }
    }
}
