package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DbConfig.Builder#writeThreads}: a store with a pool of one thread writes a batch large enough for every
 * task the pool takes (spills while filling, the last spill split in two, key filters built beside the file) and
 * compacts with two hash ranges, all of which then run on the one pool thread or their caller.
 */
class WriteThreadsTest {
    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return String.format(Locale.ROOT, "key-%08d", i).getBytes(UTF_8);
    }

    private static byte[] value(int i) {
        return String.format(Locale.ROOT, "value-%08d-", i).repeat(4).getBytes(UTF_8);
    }

    @Test
    void aStoreWithOneWriteThreadWritesAndCompactsEverything() throws Exception {
        int entries = 600_000; // over the spill threshold (262,144) twice, and a last buffer over the split size
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).writeThreads(1).build();
        assertEquals(1, config.writeThreads());
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int b = 0; b < 2; b++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = b; i < entries; i += 2) {
                        batch.put(0, key(i), value(i));
                    }
                    batch.commit();
                }
            }
            db.compact(new CompactConfig(2, 8, 32, Long.MAX_VALUE, 0, 0, 8, 2));
            for (int i = 0; i < entries; i += 997) {
                assertArrayEquals(value(i), db.get(0, key(i)).orElseThrow(), "key " + i);
            }
            long[] count = new long[1];
            db.forEach(0, (k, v) -> count[0]++);
            assertEquals(entries, count[0]);
        }
        try (TurboKV reopened = TurboKV.open(dir)) {
            assertEquals(Runtime.getRuntime().availableProcessors(), reopened.config().writeThreads());
        }
        assertThrows(IllegalArgumentException.class, () -> DbConfig.builder().writeThreads(0));
    }
}
