package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * A store written in an older SST format (its meta files carry the version) is refused at open, by both kinds of
 * open, naming the file and both versions, and nothing of it is changed.
 */
class StoreFormatVersionTest {
    private static final DbConfig CONFIG = DbConfig.singleFamily();
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int META_VERSION_OFFSET = 4;

    @TempDir
    Path dir;

    @Test
    void aStoreOfFormatOneIsRefusedAtOpenNamingBothVersions() throws IOException {
        assertRefused(1);
    }

    @Test
    void aStoreOfFormatFourWhoseChecksumCoversItsKeyFiltersIsRefusedNamingBothVersions() throws IOException {
        assertRefused(4);
    }

    /** Rewrites the store's meta file as format {@code version} wrote it (a CRC-32 over every byte) and opens it. */
    private void assertRefused(int version) throws IOException {
        try (TurboKV db = TurboKV.open(dir, CONFIG); WriteBatch batch = db.writeBatch()) {
            batch.put(0, "key".getBytes(UTF_8), "value".getBytes(UTF_8));
            batch.commit();
        }
        Path meta = StoreFileNames.path(dir, StoreFileNames.Kind.META, 2);
        byte[] bytes = Files.readAllBytes(meta);
        bytes[META_VERSION_OFFSET] = (byte) version;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        MemorySegment.ofArray(bytes).set(BE_INT, bytes.length - 4, (int) crc.getValue());
        Files.write(meta, bytes);
        Map<String, String> before = contents();

        UnsupportedFormatVersionException e = assertThrows(UnsupportedFormatVersionException.class,
                () -> TurboKV.open(dir, CONFIG));
        assertEquals(meta, e.file());
        assertEquals(version, e.foundVersion());
        assertEquals(List.of(5L), e.supportedVersions());
        assertTrue(e.getMessage().contains("expected=5 found=" + version), e.getMessage());
        assertThrows(UnsupportedFormatVersionException.class, () -> TurboKV.openReadOnly(dir, CONFIG));
        assertEquals(before, contents());
    }

    private Map<String, String> contents() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path path : list.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                files.put(path.getFileName().toString(), HexFormat.of().formatHex(Files.readAllBytes(path)));
            }
        }
        return files;
    }
}
