package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turbokv.write.SpillRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit's last, large buffer is written as two SSTs, split where the hash changes, by two threads: every key
 * reads back its last value, or all its values in a multi-valued family, before and after reopen and compaction.
 * The batches here are one buffer of more than the split threshold (64 Ki entries), below the cut (256 Ki).
 */
class LastSpillSplitTest {
    private static final int KEYS = 100_000;
    private static final DbConfig MULTI = DbConfig.builder().family("m", FamilyKind.MULTI_VALUE).build();

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void aLargeLastBufferBecomesTwoSstsAndEveryKeyReadsItsLastValue() throws IOException {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "the split needs two cores");
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < KEYS; i++) {
                    batch.put(0, bytes("k" + i), bytes("old" + i));
                }
                for (int i = 0; i < KEYS; i += 7) {
                    batch.put(0, bytes("k" + i), bytes("new" + i));
                }
                batch.commit();
            }
            assertEquals(2, db.statistics().sstFiles(), "one buffer below the cut, split in two");
            assertLastValues(db);
        }
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            assertLastValues(db);
            db.fullCompact();
            assertLastValues(db);
        }
    }

    @Test
    void aSplitKeepsEveryValueOfAMultiValuedKeyTogether() throws IOException {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "the split needs two cores");
        int keys = SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE / 8;
        try (TurboKV db = TurboKV.open(dir, MULTI)) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int v = 0; v < 3; v++) {
                    for (int i = 0; i < keys; i++) {
                        batch.put(0, bytes("k" + i), bytes("v" + v));
                    }
                }
                batch.commit();
            }
            assertEquals(2, db.statistics().sstFiles(), "one buffer below the cut, split in two");
            for (int i = 0; i < keys; i++) {
                List<String> values = db.getMultiple(0, bytes("k" + i)).stream().map(b -> new String(b, UTF_8))
                        .sorted().toList();
                assertEquals(List.of("v0", "v1", "v2"), values, "k" + i);
            }
        }
    }

    private static void assertLastValues(TurboKV db) throws IOException {
        int wrong = 0;
        for (int i = 0; i < KEYS; i++) {
            Optional<String> value = db.get(0, bytes("k" + i)).map(b -> new String(b, UTF_8));
            if (!value.equals(Optional.of((i % 7 == 0 ? "new" : "old") + i))) {
                wrong++;
            }
        }
        assertEquals(0, wrong, "keys not reading their last value");
    }
}
