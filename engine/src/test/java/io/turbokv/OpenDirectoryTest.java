package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writable open creates the store's directory only when it is missing (with its missing parents), opens an
 * existing one as it is, and refuses a path that is a regular file.
 */
class OpenDirectoryTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aMissingDirectoryIsCreatedWithItsParentsAndAnExistingOneReopened() throws IOException {
        Path dir = tmp.resolve("a").resolve("b").resolve("store");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, bytes("k"), bytes("v"));
                batch.commit();
            }
        }
        assertTrue(Files.isDirectory(dir));
        for (int i = 0; i < 3; i++) {
            try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
                assertArrayEquals(bytes("v"), db.get(0, bytes("k")).orElseThrow());
            }
        }
    }

    @Test
    void anEmptyExistingDirectoryBecomesAStore() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("empty"));
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            assertTrue(db.get(0, bytes("k")).isEmpty());
        }
        assertTrue(Files.exists(dir.resolve("CURRENT")));
    }

    @Test
    void aRegularFileWhereTheDirectoryShouldBeIsRefused() throws IOException {
        Path file = Files.write(tmp.resolve("file"), bytes("not a store"));
        assertThrows(FileAlreadyExistsException.class, () -> TurboKV.open(file, DbConfig.singleFamily()));
        assertArrayEquals(bytes("not a store"), Files.readAllBytes(file));
    }
}
