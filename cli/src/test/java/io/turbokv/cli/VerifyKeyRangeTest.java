package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code turbokv verify} checks a key-ordered SST's keys against the key range its meta entry gives, which cursors
 * and compaction trust to skip SSTs: a range that leaves out a key would hide it from every range read.
 */
class VerifyKeyRangeTest {
    @TempDir
    Path tmp;

    @Test
    void aMetaEntryWhoseKeyRangeLeavesOutAKeyIsReportedAsDamage() throws IOException {
        Path dir = tmp.resolve("s");
        try (TurboKV db = TurboKV.open(dir, DbConfig.builder()
                .family(FamilyConfig.ordered("ordered", FamilyKind.SINGLE_VALUE)).build());
             WriteBatch batch = db.writeBatch()) {
            for (String key : List.of("kappa", "mu", "zeta")) {
                batch.put(0, key.getBytes(StandardCharsets.UTF_8), new byte[] {1});
            }
            batch.commit();
        }
        CliRun intact = CliRun.of("verify", dir.toString());
        assertEquals(0, intact.exit(), intact::toString);

        // the highest key "zeta" becomes "zeda", below the SST's last key; the CRC-32 trailer is made to match
        Path meta = onlyMetaFile(dir);
        byte[] bytes = Files.readAllBytes(meta);
        int at = indexOf(bytes, "zeta".getBytes(StandardCharsets.UTF_8));
        bytes[at + 2] = 'd';
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        Files.write(meta, bytes);

        CliRun damaged = CliRun.of("verify", dir.toString());
        assertEquals(1, damaged.exit(), damaged::toString);
        assertTrue(damaged.err().contains("above the highest key its meta entry in " + meta.getFileName()
                + " gives"), damaged::toString);
    }

    private static Path onlyMetaFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> metas = files.filter(p -> p.getFileName().toString().endsWith(".meta")).toList();
            assertEquals(1, metas.size(), metas::toString);
            return metas.getFirst();
        }
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
