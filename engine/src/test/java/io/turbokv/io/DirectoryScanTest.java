package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryScanTest {
    /** The committed sequence number of the test store. */
    private static final int COMMITTED = 7;

    @TempDir
    Path dir;

    /**
     * A store of two commits: the first wrote 1.sst, 2.blob and 3.meta; the second wrote 4.sst, 5.blob and 6.meta,
     * superseding the first, and 7.del listing the first's files. Files 4..6 are live; one bit turns 4 into 5 or
     * 6 into 7, and numbers 1..3 into 4..6.
     */
    private Path store() throws IOException {
        for (int seq : new int[] {1, 4}) {
            Files.write(StoreFileNames.path(dir, StoreFileNames.Kind.SST, seq), new byte[] {(byte) seq});
        }
        for (int seq : new int[] {2, 5}) {
            Files.write(StoreFileNames.path(dir, StoreFileNames.Kind.BLOB, seq), new byte[] {(byte) seq});
        }
        for (int seq : new int[] {3, 6}) {
            Files.write(StoreFileNames.path(dir, StoreFileNames.Kind.META, seq), new byte[] {(byte) seq});
        }
        CurrentFile.write(FileLayer.standard(), dir, COMMITTED);
        Path del = StoreFileNames.path(dir, StoreFileNames.Kind.DEL, COMMITTED);
        DeletionFile.write(FileLayer.standard(), del, new int[] {1}, new int[] {3}, new int[] {2});
        return del;
    }

    private Map<String, String> contents() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path path : list.toList()) {
                files.put(path.getFileName().toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(path)));
            }
        }
        return files;
    }

    @Test
    void replaysACommittedDeletionFileByKind() throws IOException {
        store();
        DirectoryScan scan = DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false);
        assertArrayEquals(new int[] {6}, scan.metaSeqs());
        assertEquals(List.of("00000004.sst", "00000005.blob", "00000006.meta", "00000007.del", "CURRENT"),
                List.copyOf(contents().keySet()), "the listed files are gone, the .del stays until they are all");
        assertEquals(3, scan.deletedFiles());
        DirectoryScan again = DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false);
        assertEquals(1, again.deletedFiles(), "a .del whose files are all gone is deleted");
        assertFalse(Files.exists(StoreFileNames.path(dir, StoreFileNames.Kind.DEL, COMMITTED)));
    }

    @Test
    void readOnlyScanSkipsListedMetasAndDeletesNothing() throws IOException {
        store();
        Map<String, String> before = contents();
        assertArrayEquals(new int[] {6}, DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, true).metaSeqs());
        assertEquals(before, contents());
    }

    @Test
    void everyFlippedBitOfADeletionFileFailsTheScanBeforeAnythingIsDeleted() throws IOException {
        Path del = store();
        byte[] bytes = Files.readAllBytes(del);
        // a second, intact .del listing nothing that exists: verified, but not replayed before the damaged one
        DeletionFile.write(FileLayer.standard(), StoreFileNames.path(dir, StoreFileNames.Kind.DEL, 5),
                new int[] {1}, new int[0], new int[0]);
        Path leftover = StoreFileNames.path(dir, StoreFileNames.Kind.SST, COMMITTED + 1);
        Files.write(leftover, new byte[] {9});
        for (int bit = 0; bit < 8 * bytes.length; bit++) {
            Files.write(del, ControlFileBytes.flipBit(bytes, bit));
            Map<String, String> before = contents();
            for (boolean readOnly : new boolean[] {false, true}) {
                int flipped = bit;
                CorruptionException e = assertThrows(CorruptionException.class,
                        () -> DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, readOnly),
                        () -> "bit " + flipped + " read-only " + readOnly);
                assertEquals(del, e.file());
                assertEquals(before, contents(), "bit " + bit + ": the directory is as it was");
            }
        }
    }

    @Test
    void aDeletionFileListingANumberNotOlderThanItselfIsDamage() throws IOException {
        Path del = store();
        Files.delete(del);
        DeletionFile.write(FileLayer.standard(), del, new int[] {1}, new int[] {COMMITTED}, new int[0]);
        Map<String, String> before = contents();
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false));
        assertTrue(e.getMessage().contains("lists 00000007.meta, which is not older than the .del file"),
                e.getMessage());
        assertEquals(before, contents());
    }

    @Test
    void uncommittedDeletionFilesAreLeftoversNotRead() throws IOException {
        store();
        Path torn = StoreFileNames.path(dir, StoreFileNames.Kind.DEL, COMMITTED + 1);
        Files.write(torn, new byte[] {1, 2, 3});
        DirectoryScan scan = DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false);
        assertArrayEquals(new int[] {COMMITTED + 1}, scan.leftoverSeqs());
        assertFalse(Files.exists(torn));
    }

    @Test
    void leftoversOfEveryKindAboveTheCommitAreDeletedByAWritableScanOnly() throws IOException {
        store();
        List<Path> leftovers = List.of(StoreFileNames.path(dir, StoreFileNames.Kind.SST, COMMITTED + 1),
                StoreFileNames.path(dir, StoreFileNames.Kind.BLOB, COMMITTED + 2),
                StoreFileNames.path(dir, StoreFileNames.Kind.META, COMMITTED + 3),
                StoreFileNames.path(dir, StoreFileNames.Kind.DEL, COMMITTED + 4));
        for (Path leftover : leftovers) {
            Files.write(leftover, new byte[] {9});
        }
        DirectoryScan readOnly = DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, true);
        assertArrayEquals(new int[] {COMMITTED + 1, COMMITTED + 2, COMMITTED + 3, COMMITTED + 4},
                Arrays.stream(readOnly.leftoverSeqs()).sorted().toArray());
        for (Path leftover : leftovers) {
            assertTrue(Files.exists(leftover), leftover::toString);
        }
        DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false);
        for (Path leftover : leftovers) {
            assertFalse(Files.exists(leftover), leftover::toString);
        }
        // the committed files stay (4..6 live, and the .del, whose files existed until this replay)
        assertEquals(List.of("00000004.sst", "00000005.blob", "00000006.meta", "00000007.del", "CURRENT"),
                List.copyOf(contents().keySet()));
    }

    @Test
    void schemaAndItsTempFileAreTolerated() throws IOException {
        store();
        SchemaFile.write(FileLayer.standard(), dir, new StoreSchema(List.of(
                new StoreSchema.Family("default", StoreSchema.Family.SINGLE_VALUED, 0))));
        Files.write(dir.resolve(".SCHEMA.tmp"), new byte[] {1});
        DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false);
        assertTrue(Files.exists(dir.resolve(StoreFileNames.SCHEMA)));
        Files.write(dir.resolve("SCHEMA.bak"), new byte[] {1});
        IOException e = assertThrows(IOException.class,
                () -> DirectoryScan.scan(FileLayer.standard(), dir, COMMITTED, false));
        assertTrue(e.getMessage().contains("Unexpected file SCHEMA.bak"), e.getMessage());
    }
}
