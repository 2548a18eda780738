package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import io.turbokv.filter.KeyFilter;
import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import io.turbokv.meta.MetaFileWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure is one line on stderr, {@code turbokv <command>: ...}, and a non-zero exit code. */
class ErrorsTest {
    @TempDir
    Path tmp;

    /** Runs the command and checks it failed with {@code exit} and exactly one stderr line; returns that line. */
    private static String failure(int exit, String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(exit, run.exit(), run::toString);
        assertEquals(1, run.errLines().length, run::toString);
        String line = run.errLines()[0];
        assertTrue(line.startsWith("turbokv " + args[0] + ": "), line);
        return line;
    }

    private Path store(int entries) {
        Path dir = tmp.resolve("s");
        CliRun load = CliRun.of("load", dir.toString(), "--entries", Integer.toString(entries), "--progress", "none");
        assertEquals(0, load.exit(), load::toString);
        return dir;
    }

    @Test
    void aMissingStoreIsNamed() throws IOException {
        Path missing = tmp.resolve("nothing-here");
        for (String command : new String[] {"get", "info", "verify", "delete", "stats", "compact"}) {
            String[] args = command.equals("get") || command.equals("delete")
                    ? new String[] {command, missing.toString(), "k"}
                    : new String[] {command, missing.toString()};
            assertEquals("turbokv " + command + ": no TurboKV store at " + missing + ": the directory does not exist",
                    failure(1, args));
        }
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals("turbokv get: no TurboKV store at " + empty + ": it has no CURRENT file",
                failure(1, "get", empty.toString(), "k"));
        assertTrue(Files.notExists(missing), "a failed put without --create creates nothing");
    }

    @Test
    void putOnAMissingStoreSaysHowToCreateOne() throws IOException {
        Path missing = tmp.resolve("nothing-here");
        assertEquals("turbokv put: no TurboKV store at " + missing + ": the directory does not exist (add --create"
                + " to create one)", failure(1, "put", missing.toString(), "k", "v"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals("turbokv put: no TurboKV store at " + empty + ": it has no CURRENT file (add --create to create"
                + " one)", failure(1, "put", empty.toString(), "k", "v"));
        assertTrue(Files.notExists(missing), "a failed put without --create creates nothing");
        assertEquals(0, CliRun.of("put", "--create", missing.toString(), "k", "v").exit());
    }

    @Test
    void aRegularFileGivenAsTheStoreIsNamedAsAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
        String expected = file + " is a file, not a directory: a TurboKV store is a directory";
        assertEquals("turbokv get: " + expected, failure(1, "get", file.toString(), "k"));
        assertEquals("turbokv info: " + expected, failure(1, "info", file.toString()));
        assertEquals("turbokv verify: " + expected, failure(1, "verify", file.toString()));
        assertEquals("turbokv put: " + expected, failure(1, "put", "--create", file.toString(), "k", "v"));
        assertEquals("turbokv load: " + expected, failure(1, "load", file.toString(), "--entries", "1"));
        assertEquals("turbokv demo: " + expected, failure(1, "demo", "--entries", "1", file.toString()));
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void noStoreIsCreatedInADirectoryThatHoldsOtherFiles() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("documents"));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        String expected = dir + " is not empty and holds no TurboKV store (no CURRENT): refusing to create a store"
                + " there";
        assertEquals("turbokv load: " + expected, failure(1, "load", dir.toString(), "--entries", "1"));
        assertEquals("turbokv put: " + expected, failure(1, "put", "--create", dir.toString(), "k", "v"));
        assertEquals("turbokv demo: " + expected, failure(1, "demo", "--entries", "1", dir.toString()));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("notes.txt"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theDemoRefusesAnExistingStoreInsteadOfCompactingIt() throws IOException {
        Path dir = store(100);
        byte[] current = Files.readAllBytes(dir.resolve(StoreFileNames.CURRENT));
        List<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals("turbokv demo: " + dir + " holds a TurboKV store already: the demo writes a store of its own"
                + " and compacts it fully, which would rewrite yours; give a new or empty directory",
                failure(1, "demo", "--entries", "10", dir.toString()));
        assertArrayEquals(current, Files.readAllBytes(dir.resolve(StoreFileNames.CURRENT)));
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(files, list.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void badHexIsAUsageErrorNamingTheKeyOrValue() {
        Path dir = store(10);
        assertEquals("turbokv get: bad hex key 'zz': 'z' at position 0 is not a hex digit (see 'turbokv get --help')",
                failure(2, "get", "--hex", dir.toString(), "zz"));
        assertEquals("turbokv put: bad hex value 'abc': odd number of hex digits (3) (see 'turbokv put --help')",
                failure(2, "put", "--hex", dir.toString(), "00", "abc"));
        assertTrue(failure(2, "delete", "--hex", dir.toString(), "0xg0").contains("bad hex key '0xg0'"));
    }

    @Test
    void wrongCommandLinesAreUsageErrors() {
        assertTrue(failure(2, "get", "--no-such-option", "dir", "key").contains("Unknown option: '--no-such-option'"));
        assertTrue(failure(2, "put", "-x", "dir", "k", "v").contains("Unknown option: '-x'"));
        assertTrue(failure(2, "delete", "--nope", "dir", "k").contains("Unknown option: '--nope'"));
        assertTrue(failure(2, "get").contains("Missing required parameter"));
        assertTrue(failure(2, "info", "--family", "edges:many", "x")
                .contains("'edges:many' is not NAME:single or NAME:multi"));
        assertTrue(failure(2, "load", "x", "--entries", "5", "--file", "f").contains("mutually exclusive"));
        CliRun none = CliRun.of();
        assertEquals(2, none.exit());
        assertEquals("turbokv: missing command (see 'turbokv --help')", none.err().strip());
    }

    @Test
    void anUnknownFamilyListsTheFamilies() {
        Path dir = store(10);
        assertEquals("turbokv get: no family 'edges' (the store's families: 0 default (single))",
                failure(1, "get", "--in", "edges", dir.toString(), "k"));
    }

    @Test
    void familiesThatDisagreeWithTheStoresAreRefusedNamingTheDifference() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", "--family", "blobs:multi", "--family", "edges:single",
                "--in", "blobs", dir.toString(), "n1", "a").exit());
        assertEquals(0, CliRun.of("put", "--in", "blobs", dir.toString(), "n1", "b").exit());
        String line = failure(1, "get", "--family", "blobs:multi", "--family", "edges:single", "--family",
                "more:single", "--in", "1", dir.toString(), "n1");
        assertTrue(line.contains("the store has 2 families, the config 3"), line);
        line = failure(1, "get", "--family", "blobs:single", "--family", "edges:single", dir.toString(), "n1");
        assertTrue(line.contains("family 0 is 'blobs' MULTI_VALUE in the store, 'blobs' SINGLE_VALUE in the"
                + " config"), line);
        line = failure(1, "put", "--family", "edges:multi", dir.toString(), "n1", "c");
        assertTrue(line.contains("family 0 is 'blobs' MULTI_VALUE in the store, 'edges' MULTI_VALUE in the config"),
                line);
        CliRun both = CliRun.of("get", dir.toString(), "n1");
        assertEquals(0, both.exit(), both::toString);
        assertEquals(List.of("a", "b"), both.out().lines().sorted().toList());
    }

    @Test
    void aStoreLockedByAnotherWriterRefusesWritesButServesReads() throws IOException {
        Path dir = store(100);
        try (TurboKV writer = TurboKV.open(dir, DbConfig.singleFamily())) {
            String line = failure(1, "put", dir.toString(), "k", "v");
            assertTrue(line.matches("turbokv put: Store .* is locked by another writer .*; open it read-only or close"
                    + " the other instance first"), line);
            assertTrue(failure(1, "load", dir.toString(), "--entries", "1").contains("is locked by another writer"));
            assertTrue(failure(1, "delete", dir.toString(), "k").contains("is locked by another writer"));
            CliRun get = CliRun.of("get", dir.toString(), new String(DataSet.key(5), StandardCharsets.US_ASCII));
            assertEquals(0, get.exit(), get::toString);
            assertEquals(0, CliRun.of("info", dir.toString()).exit());
            assertEquals(0, CliRun.of("verify", dir.toString()).exit());
            assertTrue(writer.get(0, DataSet.key(5)).isPresent());
        }
    }

    @Test
    void verifyNamesTheDamagedSstAndOffset() throws IOException {
        Path dir = store(3000);
        Path sst = dir.resolve("00000001.sst");
        flipByte(sst, Files.size(sst) / 3);
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertEquals(1, verify.errLines().length, verify::toString);
        assertTrue(Pattern.matches("turbokv verify: DAMAGED 00000001\\.sst at offset \\d+: block \\d+ .*",
                verify.errLines()[0]), verify::toString);
        assertTrue(verify.out().contains("1 DAMAGED"), verify.out());
    }

    @Test
    void verifyFindsEveryDamagedFileNotOnlyTheFirst() throws IOException {
        Path dir = store(3000);
        assertEquals(0, CliRun.of("put", dir.toString(), "k", "v").exit());
        Path first = dir.resolve("00000001.sst");
        flipByte(first, Files.size(first) / 2);
        Files.write(dir.resolve("00000003.sst"), new byte[] {1}, StandardOpenOption.APPEND); // wrong length
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertEquals(2, verify.errLines().length, verify::toString);
        assertTrue(verify.errLines()[0].startsWith("turbokv verify: DAMAGED 00000001.sst"), verify::toString);
        assertTrue(verify.errLines()[1].startsWith("turbokv verify: DAMAGED 00000003.sst: SST file size:"
                + " expected="), verify::toString);
    }

    @Test
    void verifyNamesADamagedMetaFileAndOtherCommandsRefuseIt() throws IOException {
        Path dir = store(100);
        flipByte(dir.resolve("00000002.meta"), 20);
        CliRun verify = CliRun.of("verify", dir.toString());
        assertEquals(1, verify.exit(), verify::toString);
        assertTrue(verify.err().startsWith("turbokv verify: DAMAGED 00000002.meta at offset "), verify::toString);
        String info = failure(1, "info", dir.toString());
        assertTrue(info.startsWith("turbokv info: damaged store file: ") && info.contains("file=00000002.meta"),
                info);
    }

    @Test
    void verifyReportsMissingSstsAndADamagedCurrent() throws IOException {
        Path dir = store(100);
        Files.delete(dir.resolve("00000001.sst"));
        assertEquals("turbokv verify: DAMAGED 00000001.sst: live SST listed in 00000002.meta is missing",
                failure(1, "verify", dir.toString()));
        Files.write(dir.resolve(StoreFileNames.CURRENT), new byte[] {0, 0, 2});
        assertEquals("turbokv verify: DAMAGED CURRENT at offset 3: CURRENT truncated: expected>=12 bytes found=3",
                failure(1, "verify", dir.toString()));
    }

    @Test
    void aReadOfADamagedBlockIsOneLine() throws IOException {
        Path dir = tmp.resolve("s");
        byte[] value = new byte[2000];
        new java.util.Random(3).nextBytes(value); // incompressible: the value block is most of the file
        assertEquals(0, CliRun.of("put", "--create", "--hex", dir.toString(), "6b6579",
                java.util.HexFormat.of().formatHex(value)).exit());
        Path sst = dir.resolve("00000001.sst");
        flipByte(sst, 100);
        String line = failure(1, "get", dir.toString(), "key");
        assertTrue(Files.size(sst) > 2000, "the flipped byte is in the value block");
        assertTrue(line.startsWith("turbokv get: damaged store file: ") && line.contains("file=00000001.sst"), line);
    }

    @Test
    void badLoadFilesNameTheLineAndCommitNothing() throws IOException {
        Path dir = store(10);
        Path noTab = Files.writeString(tmp.resolve("a.tsv"), "good\tline\nno tab here\n");
        assertEquals("turbokv load: " + noTab + ":2: expected KEY<TAB>VALUE, found no tab",
                failure(1, "load", dir.toString(), "--file", noTab.toString()));
        assertEquals(1, CliRun.of("get", dir.toString(), "good").exit(), "the failed batch committed nothing");
        Path badHex = Files.writeString(tmp.resolve("b.tsv"), "00\t0g\n");
        assertEquals("turbokv load: " + badHex + ":1: bad hex value '0g': 'g' at position 1 is not a hex digit",
                failure(1, "load", dir.toString(), "--hex", "--file", badHex.toString()));
        Path latin1 = Files.write(tmp.resolve("c.tsv"), new byte[] {'a', '\t', (byte) 0xE9, '\n'});
        assertEquals("turbokv load: " + latin1 + ":1: not valid UTF-8 (use --hex for binary keys and values)",
                failure(1, "load", dir.toString(), "--file", latin1.toString()));
        assertTrue(failure(1, "load", dir.toString(), "--file", tmp.resolve("none.tsv").toString())
                .startsWith("turbokv load: no such file: "));
    }

    @Test
    void aFailedLoadLeavesNoHalfCreatedStoreAndPrintsNoSummary() throws IOException {
        Path missingInput = tmp.resolve("none.tsv");
        Path fresh = tmp.resolve("fresh");
        CliRun run = CliRun.of("load", fresh.toString(), "--file", missingInput.toString(), "--progress", "plain");
        assertEquals(1, run.exit(), run::toString);
        assertEquals("turbokv load: no such file: " + missingInput, run.err().strip());
        assertEquals("", run.out(), "no 'load 0 entries' line before the error");
        assertTrue(Files.notExists(fresh), "no store created for a missing input file");

        Path noTab = Files.writeString(tmp.resolve("a.tsv"), "good\tline\nno tab here\n");
        run = CliRun.of("load", fresh.toString(), "--file", noTab.toString(), "--progress", "bar");
        assertEquals(1, run.exit(), run::toString);
        assertTrue(Files.notExists(fresh), "the store the failed load created is removed");
        assertTrue(run.out().isEmpty() || run.out().endsWith(System.lineSeparator()), "a bar drawn is ended");
        assertFalse(run.out().contains(" in "), "no summary line: " + run.out());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(1, CliRun.of("load", empty.toString(), "--file", noTab.toString()).exit());
        try (Stream<Path> files = Files.list(empty)) {
            assertEquals(List.of(), files.toList(), "an empty directory given is left empty");
        }
        assertEquals(1, CliRun.of("put", "--create", "--in", "nope", fresh.toString(), "k", "v").exit());
        assertTrue(Files.notExists(fresh), "the store a failed put --create created is removed");
    }

    @Test
    void aValueThatIsNotUtf8SaysToUseHex() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", "--hex", dir.toString(), "6b", "ff00").exit());
        assertEquals("turbokv get: the value (2 bytes) is not valid UTF-8: use --hex to print it as hex",
                failure(1, "get", dir.toString(), "k"));
    }

    @Test
    void writingWithoutPermissionIsOneLineSayingReadsStillWork() throws IOException {
        assertEquals("permission denied: /s/.lock (the store is read-only for this user: read commands such as get,"
                + " info and verify still work)", Errors.describe(new AccessDeniedException("/s/.lock")));
        assertEquals("read-only file system: /s/.lock (read commands such as get, info and verify still work)",
                Errors.describe(new FileSystemException("/s/.lock", null, "Read-only file system")));
        assertTrue(Errors.describe(new CorruptionException("block 3 crc mismatch: expected=0x1 found=0x2",
                Path.of("00000001.sst"), 80)).equals("damaged store file: block 3 crc mismatch: expected=0x1"
                        + " found=0x2 (file=00000001.sst, offset=80)"));
        Path dir = store(10);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve(StoreFileNames.LOCK), PosixFilePermissions.fromString("r--r--r--"));
        try {
            if (Files.isWritable(dir.resolve(StoreFileNames.LOCK))) {
                return; // root ignores permissions: the messages above are what a user sees
            }
            assertTrue(failure(1, "put", dir.toString(), "k", "v").startsWith("turbokv put: permission denied: "));
            assertEquals(0, CliRun.of("info", dir.toString()).exit(), "reads need no write permission");
        } finally {
            Files.setPosixFilePermissions(dir.resolve(StoreFileNames.LOCK),
                    PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void writingThroughAReadOnlyInstanceIsOneLine() throws IOException {
        Path dir = store(10);
        try (TurboKV db = TurboKV.openReadOnly(dir, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .build())) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> {
                        try (WriteBatch batch = db.writeBatch()) {
                            batch.put(0, new byte[1], new byte[1]);
                        }
                    });
            assertEquals("Cannot perform write operations on a read-only database", Errors.describe(e));
        }
    }

    @Test
    void verifyFindsAKeyMissingFromItsSstsKeyFilterOrHashRange() throws IOException {
        Path dir = store(100);
        Path metaPath = dir.resolve("00000002.meta");
        MetaEntry entry;
        try (MetaFile meta = MetaFile.open(metaPath, 2)) {
            entry = meta.entry(0);
            entry = new MetaEntry(entry.sstSeq(), entry.blockCount(), entry.minHash(), entry.maxHash(),
                    entry.sstSize(), entry.flags(), entry.entryCount(), MemorySegment.NULL);
        }
        try (Arena arena = Arena.ofConfined()) {
            // a well-formed filter of other keys, behind a valid CRC: only verify's membership check can tell
            rewriteMeta(metaPath, new MetaEntry(entry.sstSeq(), entry.blockCount(), entry.minHash(), entry.maxHash(),
                    entry.sstSize(), entry.flags(), entry.entryCount(),
                    KeyFilter.build(new long[] {1, 2, 3}, 3, arena)));
            assertTrue(Pattern.matches("turbokv verify: DAMAGED 00000002\\.meta: the key filter of 00000001\\.sst lacks"
                    + " the hash 0x[0-9a-f]{16} of its entry \\d+", failure(1, "verify", dir.toString())));
            long[] hashes = new long[100];
            for (int i = 0; i < hashes.length; i++) {
                hashes[i] = KeyHash.hash(DataSet.key(i));
            }
            rewriteMeta(metaPath, new MetaEntry(entry.sstSeq(), entry.blockCount(), entry.minHash() + 1,
                    entry.maxHash(), entry.sstSize(), entry.flags(), entry.entryCount(),
                    KeyFilter.build(hashes, hashes.length, arena)));
            assertTrue(Pattern.matches("turbokv verify: DAMAGED 00000001\\.sst: entry 0 hash 0x[0-9a-f]{16} outside the"
                    + " range its meta entry in 00000002\\.meta gives: .*", failure(1, "verify", dir.toString())));
        }
    }

    @Test
    void verifyReadsEveryReferencedBlobAndNamesADamagedOne() throws IOException {
        Path dir = tmp.resolve("s");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily()); WriteBatch batch = db.writeBatch()) {
            batch.put(0, "big".getBytes(StandardCharsets.UTF_8), new byte[(int) WriteBatch.MAX_MEDIUM_VALUE_SIZE + 1]);
            batch.commit();
        }
        CliRun ok = CliRun.of("verify", dir.toString());
        assertEquals(0, ok.exit(), ok::toString);
        assertTrue(ok.out().contains(", 1 blob: OK"), ok.out());
        Path blob;
        try (Stream<Path> files = Files.list(dir)) {
            blob = files.filter(p -> p.toString().endsWith(".blob")).findFirst().orElseThrow();
        }
        flipByte(blob, 4); // the CRC
        assertEquals("turbokv verify: DAMAGED " + blob.getFileName() + " at offset 4: blob crc mismatch:",
                failure(1, "verify", dir.toString()).replaceAll(" expected=.*", ""));
    }

    private static void rewriteMeta(Path path, MetaEntry entry) throws IOException {
        Files.delete(path);
        try (WritableFile out = FileLayer.standard().create(path)) {
            MetaFileWriter.write(out, 0, new int[0], List.of(entry), MemorySegment.ofArray(new byte[0]));
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) offset] ^= 0x5A;
        Files.write(file, bytes);
    }
}
