package io.turbokv.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.sst.SstReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Any block contents, framed with correct checksums ({@link SstBlocks}), open and read as an SST or are reported
 * as {@link io.turbokv.CorruptionException}: the key block, index block and value reference checks behind the
 * CRC are what this target exercises. The seeds are the blocks of valid SSTs.
 */
class SstBlocksFuzzTest {
    private static final FuzzFiles FILES = new FuzzFiles("sst-blocks");

    @FuzzTest
    void anyBlocksBehindValidChecksumsReadAsAnSstOrAreReportedAsDamaged(byte[] input) {
        List<SstBlocks.Block> blocks = SstBlocks.parse(input);
        if (blocks.isEmpty()) {
            return;
        }
        byte[] file = SstBlocks.assemble(blocks);
        Path path = FILES.write("00000001.sst", file);
        try (SstReader reader = SstReader.open(path, 1, blocks.size(), file.length)) {
            SstReads.readEverything(reader);
        } catch (IOException e) {
            // CorruptionException or another IOException at open: allowed.
        }
    }
}
