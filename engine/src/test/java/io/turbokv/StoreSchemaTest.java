package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreFileNames;
import io.turbokv.recovery.StoreSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store records its families when it is created and every open checks them. */
class StoreSchemaTest {
    private static final DbConfig TWO_FAMILIES = DbConfig.builder()
            .family("blobs", FamilyKind.MULTI_VALUE)
            .family("edges", FamilyKind.SINGLE_VALUE)
            .build();
    private static final DbConfig MULTI_DEFAULT = DbConfig.builder()
            .family("default", FamilyKind.MULTI_VALUE)
            .build();

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private void commitTwoVersions() throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (String value : List.of("v1", "v2", "v3")) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(0, bytes("k"), bytes(value));
                    batch.commit();
                }
            }
        }
    }

    @Test
    void storeOpensWithTheFamiliesItRecordedWithoutAConfig() throws IOException {
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES); WriteBatch batch = db.writeBatch()) {
            batch.put(0, bytes("k"), bytes("a"));
            batch.put(0, bytes("k"), bytes("b"));
            batch.put(1, bytes("e"), bytes("x"));
            batch.commit();
        }
        try (TurboKV db = TurboKV.open(dir)) {
            assertEquals(TWO_FAMILIES.families(), db.config().families());
            assertEquals(2, db.getMultiple(0, bytes("k")).size());
            assertEquals("x", new String(db.get(1, bytes("e")).orElseThrow(), UTF_8));
        }
        try (TurboKV db = TurboKV.openReadOnly(dir)) {
            assertEquals(TWO_FAMILIES.families(), db.config().families());
        }
        DbConfig cachesOnly = DbConfig.builder().keyBlockCacheBytes(1 << 20).build();
        try (TurboKV db = TurboKV.open(dir, cachesOnly)) {
            assertEquals(TWO_FAMILIES.families(), db.config().families());
            assertEquals(1 << 20, db.config().keyBlockCacheBytes());
        }
    }

    @Test
    void singleValuedStoreOpenedAsMultiValuedFailsNamingTheDifference() throws IOException {
        commitTwoVersions();
        IllegalArgumentException writable = assertThrows(IllegalArgumentException.class,
                () -> TurboKV.open(dir, MULTI_DEFAULT));
        assertTrue(writable.getMessage().contains("family 0 is 'default' SINGLE_VALUE in the store, 'default'"
                + " MULTI_VALUE in the config"), writable.getMessage());
        IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> TurboKV.openReadOnly(dir, MULTI_DEFAULT));
        assertEquals(writable.getMessage(), readOnly.getMessage());
        try (TurboKV db = TurboKV.open(dir)) {
            assertEquals("v3", new String(db.get(0, bytes("k")).orElseThrow(), UTF_8));
        }
    }

    @Test
    void moreFamiliesThanTheStoreRecordedFail() throws IOException {
        commitTwoVersions();
        DbConfig three = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .family("b", FamilyKind.SINGLE_VALUE).family("c", FamilyKind.MULTI_VALUE).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TurboKV.open(dir, three));
        assertTrue(e.getMessage().contains("the store has 1 families, the config 3"), e.getMessage());
        DbConfig renamed = DbConfig.builder().family("other", FamilyKind.SINGLE_VALUE).build();
        e = assertThrows(IllegalArgumentException.class, () -> TurboKV.openReadOnly(dir, renamed));
        assertTrue(e.getMessage().contains("'default' SINGLE_VALUE in the store, 'other' SINGLE_VALUE"),
                e.getMessage());
    }

    @Test
    void openWithoutFamiliesNeedsAnExistingStore() {
        assertThrows(NoSuchFileException.class, () -> TurboKV.open(dir.resolve("none")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TurboKV.open(dir.resolve("none"), DbConfig.storeDefined()));
        assertTrue(e.getMessage().contains("declares no families"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("none").resolve(StoreFileNames.SCHEMA)));
    }

    @Test
    void storeWithCurrentButNoSchemaIsReportedAsDamaged() throws IOException {
        commitTwoVersions();
        Files.delete(dir.resolve(StoreFileNames.SCHEMA));
        CorruptionException e = assertThrows(CorruptionException.class, () -> TurboKV.open(dir));
        assertEquals(dir.resolve(StoreFileNames.SCHEMA), e.file());
        assertThrows(CorruptionException.class, () -> TurboKV.openReadOnly(dir, DbConfig.singleFamily()));
    }

    @Test
    void creationThatCrashedAfterItsSchemaIsDoneAgain() throws IOException {
        Files.createDirectories(dir);
        SchemaFile.write(FileLayer.standard(), dir, StoreSchemas.of(MULTI_DEFAULT.families())); // then "crash"
        try (TurboKV db = TurboKV.open(dir, TWO_FAMILIES)) {
            assertEquals(TWO_FAMILIES.families(), db.config().families());
        }
        try (TurboKV db = TurboKV.open(dir)) {
            assertEquals(TWO_FAMILIES.families(), db.config().families());
        }
    }
}
