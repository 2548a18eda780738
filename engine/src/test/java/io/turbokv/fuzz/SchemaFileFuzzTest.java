package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.io.FileLayer;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.StoreSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Any bytes read as {@code SCHEMA} give a schema only when they are an intact file of format version 1, and then
 * one that {@link SchemaFile#write} turns back into exactly those bytes (the format has one encoding per schema);
 * an intact file of another version is an {@link UnsupportedFormatVersionException}; damage is a
 * {@link CorruptionException}; family flags of a later build a plain {@link IOException}; nothing else is thrown.
 * The first input byte is a mode, the rest the file: with bit 0 set the CRC-32 trailer is recomputed first
 * ({@link Checksums#signControlFile}), so the fuzzer also reaches the family records behind it.
 */
class SchemaFileFuzzTest {
    static final int SIGN = 1;
    private static final FuzzFiles FILES = new FuzzFiles("schema");
    private static final FuzzFiles REWRITTEN = new FuzzFiles("schema-rewritten");

    @FuzzTest
    void anyBytesReadAsSchemaGiveTheSchemaThatWritesThemOrAreReported(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & SIGN) != 0) {
            Checksums.signControlFile(file);
        }
        FILES.write(StoreFileNames.SCHEMA, file);
        boolean intact = ControlFrame.intact(file, ControlFrame.SCHEMA_MAGIC);
        StoreSchema schema;
        try {
            schema = SchemaFile.read(FILES.directory());
        } catch (UnsupportedFormatVersionException e) {
            assertTrue(intact, () -> "a damaged SCHEMA is reported as another version: " + e);
            assertNotEquals(ControlFrame.VERSION, ControlFrame.word(file, 4), e::toString);
            return;
        } catch (CorruptionException e) {
            return; // damage, or a field outside the format's rules
        } catch (IOException e) {
            assertTrue(intact && e.getMessage().contains("flags"), e::toString);
            return;
        }
        assertTrue(intact, "an accepted SCHEMA has the magic and a CRC-32 that holds");
        assertArrayEquals(file, rewritten(schema), "SCHEMA written back from what was read");
    }

    private static byte[] rewritten(StoreSchema schema) {
        Path directory = REWRITTEN.directory();
        try {
            SchemaFile.write(FileLayer.standard(), directory, schema);
            Path path = directory.resolve(StoreFileNames.SCHEMA);
            path.toFile().deleteOnExit();
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
