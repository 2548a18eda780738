package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged key-filter chunk is damage of the meta file: {@code verify} reports it whether or not a probe of the
 * filter's own SST happens to read the chunk.
 */
class VerifyFilterChunkTest {
    @TempDir
    Path tmp;

    @Test
    void aDamagedFilterChunkIsReportedWhenItsSstIsMissing() throws IOException {
        Path dir = tmp.resolve("s");
        CliRun load = CliRun.of("load", dir.toString(), "--entries", "20000", "--progress", "none");
        assertEquals(0, load.exit(), load::toString);
        Path meta = dir.resolve("00000002.meta");
        byte[] filter;
        try (MetaFile file = MetaFile.open(meta, 2)) {
            filter = file.entry(0).filter().toArray(ValueLayout.JAVA_BYTE);
        }
        byte[] metaBytes = Files.readAllBytes(meta);
        metaBytes[(int) (indexOf(metaBytes, filter) + filter.length - 10)] ^= 0x5A;
        Files.write(meta, metaBytes);
        Files.delete(dir.resolve("00000001.sst"));

        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertTrue(verify.err().contains("DAMAGED 00000002.meta"), verify::toString);
    }

    private static long indexOf(byte[] haystack, byte[] needle) {
        ByteBuffer hay = ByteBuffer.wrap(haystack);
        for (int at = 0; at + needle.length <= haystack.length; at++) {
            if (hay.slice(at, needle.length).equals(ByteBuffer.wrap(needle))) {
                return at;
            }
        }
        throw new AssertionError("filter bytes not found in the meta file");
    }
}
