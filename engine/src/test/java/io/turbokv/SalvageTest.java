package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Salvage#copy}: every entry that verifies is copied into a new store that answers as the source did, and
 * each damaged file or block is reported with what it cost.
 */
class SalvageTest {
    private static final DbConfig FAMILIES = DbConfig.builder().family("nodes", FamilyKind.SINGLE_VALUE)
            .family("edges", FamilyKind.MULTI_VALUE).build();

    @TempDir
    Path tmp;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Every family's entries, key to sorted values, as hex. */
    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (TurboKV db = TurboKV.openReadOnly(dir)) {
            for (int family = 0; family < db.config().families().size(); family++) {
                int f = family;
                db.forEach(family, (key, value) -> all.merge(f + ":" + HexFormat.of().formatHex(
                        key.toArray(ValueLayout.JAVA_BYTE)), HexFormat.of().formatHex(
                                value.toArray(
                                        ValueLayout.JAVA_BYTE)),
                        (a, b) -> a.compareTo(b) < 0 ? a + "," + b : b + "," + a));
            }
        }
        return all;
    }

    /**
     * A store that crosses the cases a salvage must replay in order: overwrites and deletes of a single-valued
     * family in later batches, multi-valued values and deletes, a blob, and a compaction in between.
     */
    private Path richStore() throws IOException {
        Path dir = tmp.resolve("source");
        Random random = new Random(5);
        try (TurboKV db = TurboKV.open(dir, FAMILIES)) {
            for (int round = 0; round < 4; round++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int k = 0; k < 500; k++) {
                        if ((k + round) % 7 == 0) {
                            batch.delete(0, bytes("node" + k));
                        } else {
                            byte[] value = new byte[50 + random.nextInt(400)];
                            random.nextBytes(value);
                            batch.put(0, bytes("node" + k), value);
                        }
                        if (k % 5 == round) {
                            batch.delete(1, bytes("edge" + k % 50));
                        }
                        batch.put(1, bytes("edge" + k % 50), bytes("to" + k + "@" + round));
                    }
                    if (round == 1) {
                        byte[] big = new byte[(int) WriteBatch.MAX_MEDIUM_VALUE_SIZE + 100];
                        random.nextBytes(big);
                        batch.put(0, bytes("blob"), big);
                    }
                    batch.commit();
                }
                if (round == 2) {
                    db.compact(CompactConfig.defaults());
                }
            }
        }
        return dir;
    }

    @Test
    void anIntactStoreIsCopiedWholeAndAnswersAsTheSourceDid() throws IOException {
        Path source = richStore();
        Path copy = tmp.resolve("copy");
        SalvageReport report = Salvage.copy(source, copy, DbConfig.storeDefined());
        assertEquals(List.of(), report.damage());
        assertEquals(0, report.lostEntries());
        assertTrue(report.entries() > 2000, report.toString());
        assertEquals(contents(source), contents(copy));
        try (TurboKV db = TurboKV.openReadOnly(copy)) {
            assertEquals(FAMILIES.families(), db.config().families());
        }
    }

    @Test
    void aDamagedSstBlockLosesOnlyItsEntriesAndIsReported() throws IOException {
        Path source = tmp.resolve("source");
        Map<String, byte[]> written = new TreeMap<>();
        Random random = new Random(9);
        try (TurboKV db = TurboKV.open(source, DbConfig.singleFamily()); WriteBatch batch = db.writeBatch()) {
            for (int k = 0; k < 3000; k++) {
                byte[] value = new byte[300];
                random.nextBytes(value);
                written.put("key" + k, value);
                batch.put(0, bytes("key" + k), value);
            }
            batch.commit();
        }
        Path sst = source.resolve("00000001.sst");
        byte[] file = Files.readAllBytes(sst);
        file[file.length / 2] ^= 0x5A; // a value block in the middle
        Files.write(sst, file);

        SalvageReport report = Salvage.copy(source, tmp.resolve("copy"), DbConfig.storeDefined());
        assertTrue(report.lostEntries() > 0 && report.lostEntries() < 3000, report.toString());
        assertEquals(3000, report.entries() + report.lostEntries(), report.toString());
        assertTrue(report.damage().stream().anyMatch(line -> line.startsWith("00000001.sst: at offset ")),
                report.toString());
        Map<String, String> copied = new TreeMap<>();
        try (TurboKV db = TurboKV.openReadOnly(tmp.resolve("copy"))) {
            db.forEach(0, (key, value) -> copied.put(new String(key.toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.UTF_8), HexFormat.of().formatHex(value.toArray(ValueLayout.JAVA_BYTE))));
        }
        assertEquals(report.entries(), copied.size());
        copied.forEach((key, value) -> assertEquals(HexFormat.of().formatHex(written.get(key)), value, key));
    }

    @Test
    void aDamagedMetaFileLosesItsSstsAndTheRestIsCopied() throws IOException {
        Path source = tmp.resolve("source");
        try (TurboKV db = TurboKV.open(source, DbConfig.singleFamily())) {
            for (String key : List.of("a", "b")) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(0, bytes(key), bytes("value of " + key));
                    batch.commit();
                }
            }
        }
        flip(source.resolve("00000002.meta"), 20);
        SalvageReport report = Salvage.copy(source, tmp.resolve("copy"), DbConfig.storeDefined());
        assertEquals(1, report.entries());
        assertTrue(report.damage().getFirst().startsWith("00000002.meta: "), report.toString());
        assertTrue(report.damage().getFirst().endsWith("; the SSTs it lists are lost"), report.toString());
        try (TurboKV db = TurboKV.openReadOnly(tmp.resolve("copy"))) {
            assertTrue(db.get(0, bytes("a")).isEmpty());
            assertEquals("value of b", new String(db.get(0, bytes("b")).orElseThrow(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aDamagedCurrentOrBlobIsReportedAndTheRestCopied() throws IOException {
        Path source = richStore();
        Map<String, String> expected = contents(source);
        Files.write(source.resolve("CURRENT"), new byte[] {1, 2, 3});
        Path blob;
        try (Stream<Path> files = Files.list(source)) {
            blob = files.filter(p -> p.toString().endsWith(".blob")).findFirst().orElseThrow();
        }
        flip(blob, 4);
        SalvageReport report = Salvage.copy(source, tmp.resolve("copy"), DbConfig.storeDefined());
        assertTrue(report.damage().getFirst().startsWith("CURRENT: "), report.toString());
        assertTrue(report.damage().stream().anyMatch(l -> l.startsWith(blob.getFileName() + ": at offset 4: ")
                && l.endsWith("; its value is lost")), report.toString());
        assertEquals(1, report.lostEntries(), report.toString());
        expected.remove("0:" + HexFormat.of().formatHex(bytes("blob")));
        assertEquals(expected, contents(tmp.resolve("copy")));
    }

    @Test
    void aDamagedSchemaNeedsTheFamiliesDeclared() throws IOException {
        Path source = richStore();
        Map<String, String> expected = contents(source);
        Files.write(source.resolve("SCHEMA"), new byte[] {9});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Salvage.copy(source, tmp.resolve("copy"), DbConfig.storeDefined()));
        assertTrue(e.getMessage().contains("declare the store's families to salvage it"), e.getMessage());
        SalvageReport report = Salvage.copy(source, tmp.resolve("copy"), FAMILIES);
        assertEquals(0, report.lostEntries());
        assertEquals(expected, contents(tmp.resolve("copy")));
    }

    @Test
    void theDestinationMustBeNewOrEmpty() throws IOException {
        Path source = richStore();
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("mine"), "mine");
        assertThrows(FileAlreadyExistsException.class, () -> Salvage.copy(source, full, DbConfig.storeDefined()));
        assertEquals(List.of(full.resolve("mine")), Files.list(full).toList());
    }

    private static void flip(Path file, int offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[offset] ^= 0x5A;
        Files.write(file, bytes);
    }
}
