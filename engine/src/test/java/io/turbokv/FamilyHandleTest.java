package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Family}: families addressed by name, through a handle the reads and writes check. */
class FamilyHandleTest {
    @TempDir
    Path dir;

    private static final DbConfig CONFIG = DbConfig.builder()
            .family("blobs", FamilyKind.SINGLE_VALUE)
            .family("edges", FamilyKind.MULTI_VALUE)
            .build();

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    @Test
    void handlesByNameWriteAndReadTheSameEntriesAsIndexes() throws Exception {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            Family blobs = db.family("blobs");
            Family edges = db.family("edges");
            assertEquals(new Family(0, "blobs", FamilyKind.SINGLE_VALUE), blobs);
            assertEquals(new Family(1, "edges", FamilyKind.MULTI_VALUE), edges);
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(blobs, bytes("k"), bytes("v"));
                batch.put(blobs, bytes("gone"), bytes("x"));
                batch.delete(blobs, bytes("gone"));
                batch.put(edges, bytes("a"), bytes("b"));
                batch.put(edges, bytes("a"), bytes("c"));
                batch.commit();
            }
            assertArrayEquals(bytes("v"), db.get(blobs, bytes("k")).orElseThrow());
            assertArrayEquals(bytes("v"), db.get(0, bytes("k")).orElseThrow());
            assertTrue(db.get(blobs, bytes("gone")).isEmpty());
            assertEquals(List.of("b", "c"), db.getMultiple(edges, bytes("a")).stream()
                    .map(v -> new String(v, UTF_8)).sorted().toList());
        }
        // a handle stays valid for a later open of the same store
        try (TurboKV db = TurboKV.open(dir)) {
            assertArrayEquals(bytes("v"), db.get(new Family(0, "blobs", FamilyKind.SINGLE_VALUE), bytes("k"))
                    .orElseThrow());
        }
    }

    @Test
    void unknownNamesAndForeignOrMisusedHandlesAreRefused() throws Exception {
        try (TurboKV db = TurboKV.open(dir, CONFIG)) {
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> db.family("nodes"));
            assertTrue(unknown.getMessage().contains("[blobs, edges]"), unknown.getMessage());
            Family foreign = new Family(0, "other", FamilyKind.SINGLE_VALUE);
            assertThrows(IllegalArgumentException.class, () -> db.get(foreign, bytes("k")));
            Family outOfRange = new Family(5, "blobs", FamilyKind.SINGLE_VALUE);
            assertThrows(IllegalArgumentException.class, () -> db.get(outOfRange, bytes("k")));
            // the right handle with the wrong read form: the kind check of the index API
            assertThrows(IllegalArgumentException.class, () -> db.get(db.family("edges"), bytes("k")));
            assertThrows(IllegalArgumentException.class, () -> db.getMultiple(db.family("blobs"), bytes("k")));
            try (WriteBatch batch = db.writeBatch()) {
                assertThrows(IllegalArgumentException.class, () -> batch.put(foreign, bytes("k"), bytes("v")));
                assertThrows(IllegalArgumentException.class, () -> batch.delete(foreign, bytes("k")));
            }
        }
    }
}
