package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.MetaCopyBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open reads (and holds off-heap) the meta files' bytes, key filters included, only within the store's meta copy
 * budget, and maps the rest: {@code rchar} of {@code /proc/self/io} counts the bytes read(2) returned. The store has
 * 10 meta files of about 30 KB (manual compaction: one per commit), 300 KB in all.
 */
class OpenReadsMetaBytesTest {
    private static final int COMMITS = 10;
    private static final int KEYS_PER_COMMIT = 25_000;
    /** What the open may read besides meta files ({@code CURRENT}, {@code SCHEMA}, the lock, classes loaded). */
    private static final long OTHER_READS = 128 << 10;

    @TempDir
    static Path dir;

    private static long metaBytes;

    private static long rchar() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("rchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new IllegalStateException("no rchar in /proc/self/io");
    }

    private static byte[] key(long k) {
        return ByteBuffer.allocate(8).putLong(k).array();
    }

    @BeforeAll
    static void writeManyMetaFiles() throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int c = 0; c < COMMITS; c++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < KEYS_PER_COMMIT; i++) {
                        batch.put(0, key((long) c * KEYS_PER_COMMIT + i), new byte[] {1});
                    }
                    batch.commit();
                }
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            metaBytes = files.filter(p -> p.toString().endsWith(".meta")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** The bytes read(2) returned during an open with a budget of {@code budget}, whose every key is then found. */
    private static long readDuringOpen(long budget) throws IOException {
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).metaCopyBytes(budget).build();
        long before = rchar();
        try (TurboKV db = TurboKV.open(dir, config)) {
            long read = rchar() - before;
            for (int c = 0; c < COMMITS; c++) {
                long k = (long) c * KEYS_PER_COMMIT + c;
                assertTrue(db.get(0, key(k)).isPresent(), "key " + k);
            }
            return read;
        }
    }

    @Test
    void anOpenReadsNoMoreMetaBytesThanTheBudget() throws IOException {
        long budget = 64 << 10;
        long read = readDuringOpen(budget);
        assertTrue(metaBytes > 4 * budget, "meta files: " + metaBytes + " bytes");
        assertTrue(read < budget + OTHER_READS, "open read " + read + " bytes with a budget of " + budget);
    }

    @Test
    void anOpenWhoseMetaFilesFitTheBudgetReadsThemAll() throws IOException {
        long read = readDuringOpen(metaBytes);
        assertTrue(read >= metaBytes, "open read " + read + " of " + metaBytes + " meta bytes");
    }

    @Test
    void aBudgetOfNoBytesMapsEveryMetaFile() throws IOException {
        long read = readDuringOpen(0);
        assertTrue(read < OTHER_READS, "open read " + read + " bytes with no budget");
    }

    @Test
    void aNegativeBudgetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> DbConfig.builder().metaCopyBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> new MetaCopyBudget(-1));
    }
}
