package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code turbokv verify} checks {@code CURRENT}, every committed {@code .del} file and {@code SCHEMA}, and reports
 * each damaged one as one stderr line naming the file and the offset, with exit code 1.
 */
class VerifyControlFilesTest {
    @TempDir
    Path tmp;

    /**
     * A store whose last commit is a compaction, so that its {@code .del} file is still there (the next commit
     * deletes it), with a {@code SCHEMA} of its one family.
     */
    private Path store() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "a", "1").exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "b", "2").exit());
        assertEquals(0, CliRun.of("compact", "--full", dir.toString()).exit());
        SchemaFile.write(FileLayer.standard(), dir, new StoreSchema(List.of(
                new StoreSchema.Family("default", StoreSchema.Family.SINGLE_VALUED, 0))));
        return dir;
    }

    private static Path deletionFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> dels = files.filter(p -> p.getFileName().toString().endsWith(".del")).toList();
            assertEquals(1, dels.size(), dels::toString);
            return dels.getFirst();
        }
    }

    private static void flipBit(Path file, int offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[offset] ^= 0b10;
        Files.write(file, bytes);
    }

    @Test
    void verifyChecksCurrentTheDeletionFilesAndSchemaAndSaysOk() throws IOException {
        Path dir = store();
        String del = deletionFile(dir).getFileName().toString();
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(0, verify.exit(), verify::toString);
        assertTrue(verify.out().contains(del + " ok: lists 2 SSTs, 2 meta files, 0 blobs"), verify.out());
        assertTrue(verify.out().contains("CURRENT  ok: sequence " + del.substring(0, 8).replaceFirst("^0+", "")),
                verify.out());
        assertTrue(verify.out().contains("SCHEMA   ok: families 0 default (single)"), verify.out());
        assertEquals("", verify.err());

        Files.delete(dir.resolve(StoreFileNames.SCHEMA));
        CliRun withoutSchema = CliRun.of("verify", dir.toString());
        assertEquals(0, withoutSchema.exit(), withoutSchema::toString);
        assertTrue(withoutSchema.out().contains("SCHEMA   none"), withoutSchema.out());
    }

    @Test
    void aDamagedCurrentIsNamedWithItsOffset() throws IOException {
        Path dir = store();
        flipBit(dir.resolve(StoreFileNames.CURRENT), 11); // the low byte of the sequence number
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertEquals(1, verify.errLines().length, verify::toString);
        assertTrue(Pattern.matches("turbokv verify: DAMAGED CURRENT at offset 12: CURRENT crc mismatch: expected=0x"
                + "\\p{XDigit}{8} found=0x\\p{XDigit}{8}", verify.errLines()[0]), verify::toString);
        assertTrue(verify.out().contains(".del files not checked"), verify.out());
    }

    @Test
    void aDamagedDeletionFileAndSchemaAreEachNamedWithTheirOffsets() throws IOException {
        Path dir = store();
        Path del = deletionFile(dir);
        flipBit(del, 20); // the first SST number
        flipBit(dir.resolve(StoreFileNames.SCHEMA), 16); // the family name
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        String[] lines = verify.errLines();
        assertEquals(2, lines.length, verify::toString);
        long delTrailer = Files.size(del) - 4;
        assertTrue(lines[0].startsWith("turbokv verify: DAMAGED " + del.getFileName() + " at offset " + delTrailer
                + ": .del file crc mismatch: expected=0x"), verify::toString);
        long schemaTrailer = Files.size(dir.resolve(StoreFileNames.SCHEMA)) - 4;
        assertTrue(lines[1].startsWith("turbokv verify: DAMAGED SCHEMA at offset " + schemaTrailer
                + ": SCHEMA crc mismatch: expected=0x"), verify::toString);
        assertTrue(verify.out().contains("meta, SST and blob files not checked: 2 DAMAGED"), verify.out());
    }

    @Test
    void aDamagedSchemaAloneLeavesTheOtherFilesChecked() throws IOException {
        Path dir = store();
        Files.write(dir.resolve(StoreFileNames.SCHEMA), new byte[] {1, 2, 3});
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertEquals(List.of("turbokv verify: DAMAGED SCHEMA at offset 3: SCHEMA truncated: expected>=12 bytes"
                + " found=3"), List.of(verify.errLines()), verify::toString);
        assertTrue(verify.out().contains("1 meta file, 1 SST"), verify.out());
    }

    @Test
    void currentOfAnotherFormatVersionIsReportedAsUnsupported() throws IOException {
        Path dir = store();
        Path current = dir.resolve(StoreFileNames.CURRENT);
        byte[] bytes = Files.readAllBytes(current);
        bytes[7] = 2; // format version 2, under a checksum that holds
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, 12);
        int value = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            bytes[12 + i] = (byte) (value >>> (24 - 8 * i));
        }
        Files.write(current, bytes);
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertEquals(List.of("turbokv verify: UNSUPPORTED CURRENT: unsupported format version: expected=1 found=2;"
                + " another TurboKV wrote this file and this build cannot read it (file=CURRENT)"),
                List.of(verify.errLines()), verify::toString);
    }
}
