package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.CurrentFile;
import io.turbokv.io.DeletionFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to {@code CURRENT} or a {@code .del} file fails both opens with a {@link CorruptionException} naming the
 * file, and changes nothing in the directory: never a rollback to an older commit, never a deletion (issue 15,
 * points 6 and 7).
 */
class ControlFileDamageTest {
    private static final DbConfig CONFIG = DbConfig.singleFamily();
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @TempDir
    Path dir;

    private void put(TurboKV db, String key, String value) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            batch.put(0, key.getBytes(UTF_8), value.getBytes(UTF_8));
            batch.commit();
        }
    }

    private String get(TurboKV db, String key) throws IOException {
        return db.get(0, key.getBytes(UTF_8)).map(v -> new String(v, UTF_8)).orElse(null);
    }

    /** Every file of the store, by name, with its contents. */
    private Map<String, String> contents() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path path : list.toList()) {
                files.put(path.getFileName().toString(), HexFormat.of().formatHex(Files.readAllBytes(path)));
            }
        }
        return files;
    }

    private List<String> numberedFiles() throws IOException {
        return contents().keySet().stream().filter(name -> name.matches("\\d+\\..*")).toList();
    }

    /** The offset of the first 4-aligned big-endian word {@code value} in {@code bytes}. */
    private static int wordOffset(byte[] bytes, int value) {
        for (int offset = 0; offset + 4 <= bytes.length; offset += 4) {
            if (MemorySegment.ofArray(bytes).get(BE_INT, offset) == value) {
                return offset;
            }
        }
        throw new AssertionError("no word " + value + " in " + HexFormat.of().formatHex(bytes));
    }

    /** Both opens fail naming {@code file}, and the directory is as it was. */
    private void bothOpensFailNaming(Path file) throws IOException {
        Map<String, String> before = contents();
        CorruptionException writable = assertThrows(CorruptionException.class, () -> TurboKV.open(dir, CONFIG));
        assertEquals(file, writable.file());
        assertTrue(writable.getMessage().contains("file=" + file.getFileName()), writable.getMessage());
        assertEquals(before, contents(), "the writable open changed nothing");
        CorruptionException readOnly = assertThrows(CorruptionException.class,
                () -> TurboKV.openReadOnly(dir, CONFIG));
        assertEquals(file, readOnly.file());
        assertEquals(before, contents(), "the read-only open changed nothing");
    }

    @Test
    void currentWithOneFlippedBitFailsBothOpensInsteadOfRollingBack() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            for (int i = 0; i < 5; i++) {
                put(db, "k", "v" + i); // each commit writes an SST and a meta file
            }
        }
        assertEquals(10, CurrentFile.read(dir));
        Path current = dir.resolve(StoreFileNames.CURRENT);
        byte[] bytes = Files.readAllBytes(current);
        byte[] flipped = bytes.clone();
        flipped[wordOffset(bytes, 10) + 3] ^= 0b10; // 10 -> 8: commit 4 instead of 5, and files 9, 10 "leftovers"
        Files.write(current, flipped);

        bothOpensFailNaming(current);

        Files.write(current, bytes);
        try (TurboKV db = TurboKV.openReadOnly(dir, CONFIG)) {
            assertEquals("v4", get(db, "k"), "the last commit is intact");
        }
    }

    @Test
    void garbageOrTruncatedCurrentFailsBothOpens() throws IOException {
        TurboKV.open(dir, CONFIG).close();
        Path current = dir.resolve(StoreFileNames.CURRENT);
        for (byte[] damage : new byte[][] {{7, 0, 0, 0}, {0, 0, 2}, {}, "not a number at all".getBytes(UTF_8)}) {
            Files.write(current, damage);
            bothOpensFailNaming(current);
        }
    }

    @Test
    void currentOfAnotherFormatVersionFailsBothOpensAsUnsupported() throws IOException {
        TurboKV.open(dir, CONFIG).close();
        Path current = dir.resolve(StoreFileNames.CURRENT);
        byte[] bytes = Files.readAllBytes(current);
        MemorySegment.ofArray(bytes).set(BE_INT, 4, 2);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        MemorySegment.ofArray(bytes).set(BE_INT, bytes.length - 4, (int) crc.getValue());
        Files.write(current, bytes);
        Map<String, String> before = contents();
        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> TurboKV.open(dir, CONFIG));
        assertEquals(current, e.file());
        assertThrows(UnsupportedFormatVersionException.class, () -> TurboKV.openReadOnly(dir, CONFIG));
        assertEquals(before, contents());
    }

    @Test
    void deletionFileWithOneFlippedBitFailsBothOpensInsteadOfDeletingLiveData() throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            put(db, "old", "1"); // 1.sst, 2.meta
            put(db, "new", "2"); // 3.sst, 4.meta
        }
        assertEquals(List.of("00000001.sst", "00000002.meta", "00000003.sst", "00000004.meta"), numberedFiles());
        // a .del of the last commit, listing the first commit's files
        Path del = StoreFileNames.path(dir, StoreFileNames.Kind.DEL, 4);
        DeletionFile.write(FileLayer.standard(), del, new int[] {1}, new int[] {2}, new int[0]);
        byte[] bytes = Files.readAllBytes(del);
        byte[] flipped = bytes.clone();
        flipped[wordOffset(bytes, 2) - 1] ^= 0b10; // the SST number before the meta number: 1 -> 3, a live SST
        Files.write(del, flipped);

        bothOpensFailNaming(del);

        Files.write(del, bytes);
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            assertEquals("2", get(db, "new"));
            assertNull(get(db, "old"), "the intact .del was replayed");
        }
    }
}
