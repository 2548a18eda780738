package io.turbokv.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.sst.SstReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Any bytes, opened as an SST and read every way the store reads one, give values or {@link
 * io.turbokv.CorruptionException}, nothing else. The input is the block count the meta entry would give (u16
 * big-endian) followed by the whole file; the expected size is the file's own. The seeds are valid SSTs, so the
 * fuzzer starts from files that open.
 */
class SstFileFuzzTest {
    private static final FuzzFiles FILES = new FuzzFiles("sst-file");

    @FuzzTest
    void anyBytesOpenAndReadAsAnSstOrAreReportedAsDamaged(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int blockCount = (input[0] & 0xFF) << 8 | input[1] & 0xFF;
        byte[] file = Arrays.copyOfRange(input, 2, input.length);
        Path path = FILES.write("00000001.sst", file);
        try (SstReader reader = SstReader.open(path, 1, blockCount, file.length)) {
            SstReads.readEverything(reader);
        } catch (IOException e) {
            // CorruptionException or another IOException at open: allowed.
        }
    }
}
