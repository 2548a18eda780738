package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
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
        write(dir);
        CliRun intact = CliRun.of("verify", dir.toString());
        assertEquals(0, intact.exit(), intact::toString);

        // the highest key "zeta" becomes "zeda", below the SST's last key; the CRC-32 trailer is made to match (it
        // covers every byte before it but the key filter, which has CRCs of its own)
        Path meta = onlyFile(dir, ".meta");
        byte[] bytes = Files.readAllBytes(meta);
        byte[] filter;
        try (MetaFile file = MetaFile.open(meta, 1)) {
            filter = file.entry(0).filter().toArray(ValueLayout.JAVA_BYTE);
        }
        int filterStart = indexOf(bytes, filter);
        int at = indexOf(bytes, "zeta".getBytes(StandardCharsets.UTF_8));
        bytes[at + 2] = 'd';
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, filterStart);
        crc.update(bytes, filterStart + filter.length, bytes.length - 4 - filterStart - filter.length);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        Files.write(meta, bytes);

        CliRun damaged = CliRun.of("verify", dir.toString());
        assertEquals(1, damaged.exit(), damaged::toString);
        assertTrue(damaged.err().contains("above the highest key its meta entry in " + meta.getFileName()
                + " gives"), damaged::toString);
    }

    @Test
    void aStoredSearchWordThatIsNotItsKeysIsReportedAsDamage() throws IOException {
        Path dir = tmp.resolve("s");
        write(dir);
        // "mu"'s search word (no shared prefix between "kappa" and "zeta": its first 8 bytes, zero-padded) becomes
        // "mv": a get of "mu" would search for a word the block no longer has; the block's CRC is made to match
        Path sst = onlyFile(dir, ".sst");
        byte[] bytes = Files.readAllBytes(sst);
        int at = indexOf(bytes, new byte[] {'m', 'u', 0, 0, 0, 0, 0, 0});
        int[] block = storedBlockAround(bytes, at);
        bytes[at + 1] = 'v';
        ByteBuffer.wrap(bytes).putInt(block[0] + 4, blockCrc(bytes, block[0], block[1]));
        Files.write(sst, bytes);

        CliRun damaged = CliRun.of("verify", dir.toString());
        assertEquals(1, damaged.exit(), damaged::toString);
        assertTrue(damaged.err().contains("search word"), damaged::toString);
    }

    private static void write(Path dir) throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.builder()
                .family(FamilyConfig.ordered("ordered", FamilyKind.SINGLE_VALUE)).build());
             WriteBatch batch = db.writeBatch()) {
            for (String key : List.of("kappa", "mu", "zeta")) {
                batch.put(0, key.getBytes(StandardCharsets.UTF_8), new byte[] {1});
            }
            batch.commit();
        }
    }

    /**
     * The stored (uncompressed) block holding byte {@code at}: {start, end} such that the 8-byte header at start says
     * "stored" and its CRC-32 covers the length word and bytes [start + 8, end), as the SST's block framing does.
     */
    private static int[] storedBlockAround(byte[] bytes, int at) {
        for (int start = at - 8; start >= 0; start--) {
            if (ByteBuffer.wrap(bytes).getInt(start) != 0) {
                continue;
            }
            for (int end = at + 8; end <= bytes.length; end++) {
                if (blockCrc(bytes, start, end) == ByteBuffer.wrap(bytes).getInt(start + 4)) {
                    return new int[] {start, end};
                }
            }
        }
        throw new AssertionError("no stored block around offset " + at);
    }

    private static int blockCrc(byte[] bytes, int start, int end) {
        CRC32 crc = new CRC32();
        crc.update(bytes, start, 4);
        crc.update(bytes, start + 8, end - start - 8);
        return (int) crc.getValue();
    }

    private static Path onlyFile(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
            assertEquals(1, found.size(), found::toString);
            return found.getFirst();
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
