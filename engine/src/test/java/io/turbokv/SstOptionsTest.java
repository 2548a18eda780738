package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SST options of {@link DbConfig}: key and small value block budgets, {@link Compression} and the key filter's
 * fingerprint width. Each is checked by its effect on the files a store writes (block counts, file sizes, filter
 * sizes), and a store written with some options is read, written and compacted with others.
 */
class SstOptionsTest {
    private static final int ENTRIES = 8_000;

    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return String.format(Locale.ROOT, "key-%08d", i).getBytes(UTF_8);
    }

    /** Values of every class by {@code i}: inline, small (in shared blocks), medium; all compressible. */
    private static byte[] value(int i) {
        int length = switch (i % 4) {
            case 0 -> 40;
            case 1 -> 300;
            case 2 -> 2_000;
            default -> i % 400 == 3 ? 6_000 : 90;
        };
        byte[] value = new byte[length];
        Arrays.fill(value, (byte) ('a' + i % 26));
        return value;
    }

    private static DbConfig config(UnaryOperator<DbConfig.Builder> options) {
        return options.apply(DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)).build();
    }

    /** Writes {@link #ENTRIES} entries in one batch into a new store under {@code name}; returns its SSTs. */
    private List<SstInfo> write(String name, DbConfig config) throws IOException {
        try (TurboKV db = TurboKV.open(dir.resolve(name), config)) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < ENTRIES; i++) {
                    batch.put(0, key(i), value(i));
                }
                batch.commit();
            }
            checkAll(db, ENTRIES);
            return db.metaInfo().stream().flatMap(meta -> meta.ssts().stream()).toList();
        }
    }

    private static void checkAll(TurboKV db, int entries) throws IOException {
        for (int i = 0; i < entries; i++) {
            assertArrayEquals(value(i), db.get(0, key(i)).orElseThrow(), "key " + i);
        }
    }

    private static long sum(List<SstInfo> ssts, java.util.function.ToLongFunction<SstInfo> field) {
        return ssts.stream().mapToLong(field).sum();
    }

    @Test
    void optionsDefaultToTheDocumentedValues() {
        DbConfig config = config(b -> b);
        assertEquals(DbConfig.DEFAULT_KEY_BLOCK_BYTES, config.keyBlockBytes());
        assertEquals(16 << 10, config.keyBlockBytes());
        assertEquals(DbConfig.DEFAULT_VALUE_BLOCK_BYTES, config.valueBlockBytes());
        assertEquals(8 << 10, config.valueBlockBytes());
        assertEquals(Compression.LZ4, config.compression());
        assertEquals(8, config.filterFingerprintBits());
    }

    @Test
    void outOfRangeOptionsAreRefusedNamingTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DbConfig.builder().keyBlockBytes(512));
        assertEquals("keyBlockBytes: 512 (expected: 1024..262144)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DbConfig.builder().keyBlockBytes((256 << 10) + 1));
        assertTrue(e.getMessage().startsWith("keyBlockBytes: 262145"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DbConfig.builder().valueBlockBytes(2 << 20));
        assertEquals("valueBlockBytes: 2097152 (expected: 1024..1048576)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DbConfig.builder().filterFingerprintBits(12));
        assertEquals("key filter fingerprint bits: 12 (expected: 8 or 16)", e.getMessage());
        assertThrows(NullPointerException.class, () -> DbConfig.builder().compression(null));
    }

    @Test
    void smallerKeyBlocksMakeMoreBlocks() throws IOException {
        long small = sum(write("small", config(b -> b.keyBlockBytes(1 << 10))), SstInfo::blockCount);
        long standard = sum(write("default", config(b -> b)), SstInfo::blockCount);
        long large = sum(write("large", config(b -> b.keyBlockBytes(256 << 10))), SstInfo::blockCount);
        // 8,000 entries of 12-byte keys, half with inline values: some 15 per 1 KiB key block, 250 per 16 KiB one
        assertTrue(small > standard + 300, small + " blocks with 1 KiB key blocks, " + standard + " by default");
        assertTrue(large < standard, large + " blocks with 256 KiB key blocks, " + standard + " by default");
    }

    @Test
    void largerValueBlocksMakeFewerBlocks() throws IOException {
        long standard = sum(write("default", config(b -> b)), SstInfo::blockCount);
        long large = sum(write("large", config(b -> b.valueBlockBytes(1 << 20))), SstInfo::blockCount);
        // 4,000 small values of 300 and 2,000 bytes: some 560 blocks of 8 KiB, 5 of 1 MiB
        assertTrue(large + 400 < standard, large + " blocks with 1 MiB value blocks, " + standard + " by default");
    }

    @Test
    void withoutCompressionCompressibleValuesAreStoredAsTheyAre() throws IOException {
        long compressed = sum(write("lz4", config(b -> b)), SstInfo::sizeBytes);
        long stored = sum(write("none", config(b -> b.compression(Compression.NONE))), SstInfo::sizeBytes);
        long valueBytes = 0;
        for (int i = 0; i < ENTRIES; i++) {
            valueBytes += value(i).length;
        }
        assertTrue(stored > valueBytes, stored + " bytes stored for " + valueBytes + " bytes of values");
        assertTrue(compressed * 5 < stored, compressed + " bytes with LZ4, " + stored + " without");
    }

    @Test
    void sixteenBitFiltersTakeTwiceTheBytes() throws IOException {
        long narrow = sum(write("8", config(b -> b)), SstInfo::filterBytes);
        long wide = sum(write("16", config(b -> b.filterFingerprintBits(16))), SstInfo::filterBytes);
        // 8,000 keys: about 9-10 and 18-20 bits per key (small sets pay more), beside a 14-byte header per filter
        assertTrue(narrow > ENTRIES * 8 / 8 && narrow < ENTRIES * 11 / 8, narrow + " filter bytes with 8 bits");
        assertTrue(wide > ENTRIES * 17 / 8 && wide < ENTRIES * 22 / 8, wide + " filter bytes with 16 bits");
    }

    @Test
    void aStoreWrittenWithSomeOptionsIsReadWrittenAndCompactedWithOthers() throws IOException {
        Path store = dir.resolve("mixed");
        DbConfig first = config(b -> b.keyBlockBytes(1 << 10).valueBlockBytes(1 << 10).compression(Compression.NONE)
                .filterFingerprintBits(16));
        try (TurboKV db = TurboKV.open(store, first)) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < ENTRIES; i += 2) {
                    batch.put(0, key(i), value(i));
                }
                batch.commit();
            }
        }
        DbConfig second = config(b -> b.keyBlockBytes(256 << 10).valueBlockBytes(1 << 20));
        try (TurboKV db = TurboKV.open(store, second)) {
            assertEquals(256 << 10, db.config().keyBlockBytes());
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 1; i < ENTRIES; i += 2) {
                    batch.put(0, key(i), value(i));
                }
                batch.commit();
            }
            checkAll(db, ENTRIES);
            db.fullCompact();
            checkAll(db, ENTRIES);
            List<SstInfo> ssts = db.metaInfo().stream().flatMap(meta -> meta.ssts().stream()).toList();
            // compaction wrote 8-bit filters under the second options
            assertTrue(sum(ssts, SstInfo::filterBytes) < ENTRIES * 12 / 8, ssts.toString());
        }
        try (TurboKV db = TurboKV.open(store)) {
            checkAll(db, ENTRIES);
        }
    }
}
