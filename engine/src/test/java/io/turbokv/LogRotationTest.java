package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DbConfig.Builder#logFileBytes}: a store's {@code LOG} stays bounded however many commits it records. */
class LogRotationTest {
    @TempDir
    Path dir;

    @Test
    void logAndItsPreviousPartStayBoundedOverThousandsOfCommits() throws IOException {
        long limit = 16 << 10;
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).logFileBytes(limit)
                .durability(Durability.NO_SYNC).build();
        Path log = dir.resolve(StoreFileNames.LOG);
        Path old = dir.resolve(StoreFileNames.LOG_OLD);
        int commits = 3000;
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int i = 1; i <= commits; i++) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(0, ("key" + i).getBytes(UTF_8), ("value" + i).getBytes(UTF_8));
                    batch.commit();
                }
                assertTrue(Files.size(log) <= limit, "LOG after commit " + i + ": " + Files.size(log) + " bytes");
                if (i % 500 == 250) {
                    // a compaction's record lists every SST it wrote: longer than the limit, it gets a LOG of its
                    // own, which the next commit rotates
                    db.fullCompact();
                }
            }
            assertTrue(Files.exists(old), "the LOG was never rotated");
            assertTrue(Files.size(old) <= limit, "LOG.old: " + Files.size(old) + " bytes");
        }
        // LOG.old is one of the store's files: the next open accepts it
        try (TurboKV db = TurboKV.open(dir)) {
            assertEquals(DbConfig.DEFAULT_LOG_FILE_BYTES, db.config().logFileBytes());
            assertArrayEquals(("value" + commits).getBytes(UTF_8), db.get(0, ("key" + commits).getBytes(UTF_8))
                    .orElseThrow());
        }
    }

    @Test
    void logLimitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> DbConfig.builder().logFileBytes(0));
    }
}
