package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaFileTest {
    private static final StoreSchema TWO = new StoreSchema(List.of(
            new StoreSchema.Family("a", StoreSchema.Family.SINGLE_VALUED, 0),
            new StoreSchema.Family("bc", StoreSchema.Family.MULTI_VALUED, 0)));
    /** Where family "a"'s kind byte and flags word lie in the file of {@link #TWO}. */
    private static final int FIRST_KIND = 12 + 4 + 1;
    private static final int FIRST_FLAGS = FIRST_KIND + 1;

    @TempDir
    Path dir;

    private Path schema() {
        return dir.resolve(StoreFileNames.SCHEMA);
    }

    private byte[] written(StoreSchema schema) throws IOException {
        SchemaFile.write(FileLayer.standard(), dir, schema);
        return Files.readAllBytes(schema());
    }

    private CorruptionException damaged(byte[] bytes) throws IOException {
        Files.write(schema(), bytes);
        CorruptionException e = assertThrows(CorruptionException.class, () -> SchemaFile.read(dir),
                () -> "SCHEMA " + Arrays.toString(bytes));
        assertEquals(schema(), e.file());
        assertTrue(e.getMessage().contains("file=SCHEMA"), e.getMessage());
        return e;
    }

    @Test
    void roundTripsFamiliesInOrderWithTheirKindsAndLeavesNoTempFile() throws IOException {
        assertEquals(TWO, SchemaFile.read(dirWith(TWO)));
        List<StoreSchema.Family> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(new StoreSchema.Family("family-" + i + "-é-日本-😀", i % 2, 0));
        }
        many.add(new StoreSchema.Family("x".repeat(70_000), StoreSchema.Family.SINGLE_VALUED, 0));
        StoreSchema large = new StoreSchema(many);
        assertEquals(large, SchemaFile.read(dirWith(large)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(schema()), files.toList(), "only SCHEMA: the temp file was renamed");
        }
    }

    private Path dirWith(StoreSchema schema) throws IOException {
        SchemaFile.write(FileLayer.standard(), dir, schema);
        return dir;
    }

    @Test
    void layoutIsMagicVersionCountThenEachFamily() throws IOException {
        byte[] bytes = written(TWO);
        assertArrayEquals(new byte[] {'T', 'K', 'V', 'S', 0, 0, 0, 1, 0, 0, 0, 2,
                0, 0, 0, 1, 'a', 0, 0, 0, 0, 0,
                0, 0, 0, 2, 'b', 'c', 1, 0, 0, 0, 0},
                Arrays.copyOf(bytes, bytes.length - 4));
        assertEquals(0, bytes[FIRST_KIND]);
        assertArrayEquals(bytes, ControlFileBytes.resigned(bytes.clone()), "the last 4 bytes are the CRC-32");
    }

    @Test
    void everyFlippedBitIsReported() throws IOException {
        byte[] bytes = written(TWO);
        for (int bit = 0; bit < 8 * bytes.length; bit++) {
            damaged(ControlFileBytes.flipBit(bytes, bit));
        }
    }

    @Test
    void everyTruncationIsReported() throws IOException {
        byte[] bytes = written(TWO);
        for (int length = 0; length < bytes.length; length++) {
            damaged(Arrays.copyOf(bytes, length));
        }
    }

    @Test
    void fieldsOutsideTheRulesAreReportedEvenUnderAValidChecksum() throws IOException {
        byte[] bytes = written(TWO);
        assertTrue(damaged(ControlFileBytes.withWordResigned(bytes, 8, 0)).getMessage()
                .contains("family count: expected>=1 found=0"));
        assertTrue(damaged(ControlFileBytes.withWordResigned(bytes, 8, 3)).getMessage()
                .contains("runs past the end"));
        assertTrue(damaged(ControlFileBytes.withWordResigned(bytes, 8, 1)).getMessage()
                .contains("families end: expected="));
        assertTrue(damaged(ControlFileBytes.withWordResigned(bytes, 12, 0)).getMessage()
                .contains("name length"));
        assertTrue(damaged(ControlFileBytes.withWordResigned(bytes, 12, -1)).getMessage()
                .contains("name length"));

        byte[] kind = bytes.clone();
        kind[FIRST_KIND] = 2;
        assertTrue(damaged(ControlFileBytes.resigned(kind)).getMessage().contains("kind: expected 0"));

        byte[] notUtf8 = bytes.clone();
        notUtf8[16] = (byte) 0xFF;
        assertTrue(damaged(ControlFileBytes.resigned(notUtf8)).getMessage().contains("not valid UTF-8"));

        byte[] blank = bytes.clone();
        blank[16] = ' ';
        assertTrue(damaged(ControlFileBytes.resigned(blank)).getMessage().contains("blank"));

        byte[] duplicate = written(new StoreSchema(List.of(
                new StoreSchema.Family("a", StoreSchema.Family.SINGLE_VALUED, 0),
                new StoreSchema.Family("b", StoreSchema.Family.SINGLE_VALUED, 0))));
        duplicate[12 + 10 + 4] = 'a';
        assertTrue(damaged(ControlFileBytes.resigned(duplicate)).getMessage().contains("repeats the name 'a'"));
    }

    @Test
    void flagsOfALaterBuildAreRefusedButNotAsDamage() throws IOException {
        Files.write(schema(), ControlFileBytes.withWordResigned(written(TWO), FIRST_FLAGS, 2));
        IOException e = assertThrows(IOException.class, () -> SchemaFile.read(dir));
        assertFalse(e instanceof CorruptionException, e::toString);
        assertTrue(e.getMessage().contains("family 0 'a' has flags 0x00000002 this build does not know")
                && e.getMessage().contains("file=SCHEMA"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SchemaFile.write(FileLayer.standard(), dir, new StoreSchema(List.of(
                        new StoreSchema.Family("a", StoreSchema.Family.SINGLE_VALUED, 4)))));
        assertTrue(unknown.getMessage().contains("flags 0x00000004"), unknown.getMessage());
    }

    @Test
    void aKeyOrderedFamilyIsRecordedAndReadBack() throws IOException {
        StoreSchema schema = new StoreSchema(List.of(
                new StoreSchema.Family("a", StoreSchema.Family.SINGLE_VALUED, 0),
                new StoreSchema.Family("b", StoreSchema.Family.MULTI_VALUED, StoreSchema.Family.KEY_ORDERED)));
        SchemaFile.write(FileLayer.standard(), dir, schema);
        StoreSchema read = SchemaFile.read(dir);
        assertEquals(schema, read);
        assertFalse(read.families().get(0).keyOrdered());
        assertTrue(read.families().get(1).keyOrdered());
    }

    @Test
    void anIntactFileOfAnotherVersionIsUnsupportedNotDamaged() throws IOException {
        Files.write(schema(), ControlFileBytes.withWordResigned(written(TWO), 4, 2));
        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> SchemaFile.read(dir));
        assertEquals(schema(), e.file());
        assertEquals(2, e.foundVersion());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> SchemaFile.read(dir));
    }

    @Test
    void schemaRejectsWhatTheFileCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> new StoreSchema(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new StoreSchema(List.of(
                new StoreSchema.Family("a", 0, 0), new StoreSchema.Family("a", 1, 0))));
        assertThrows(IllegalArgumentException.class, () -> new StoreSchema.Family(" ", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new StoreSchema.Family("a", 2, 0));
        IllegalArgumentException surrogate = assertThrows(IllegalArgumentException.class,
                () -> SchemaFile.write(FileLayer.standard(), dir, new StoreSchema(List.of(
                        new StoreSchema.Family("a\uD800", 0, 0)))));
        assertInstanceOf(java.nio.charset.CharacterCodingException.class, surrogate.getCause());
    }
}
