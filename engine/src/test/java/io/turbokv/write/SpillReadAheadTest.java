package io.turbokv.write;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spill reads record headers ahead, {@link ReadAhead#RECORDS} at a time ({@link ReadAhead}): runs of one key
 * longer than a window, whose winning record lies in an earlier window, still resolve as the batch's rules say.
 */
class SpillReadAheadTest {
    private static final int RUN = ReadAhead.RECORDS * 3 + 5;

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void aSingleValuedKeyWrittenAcrossWindowsKeepsItsLastWrite() throws IOException {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < RUN; i++) {
                    batch.put(0, bytes("a" + i), bytes("x".repeat(i % 7)));
                    batch.put(0, bytes("dup"), bytes("v".repeat(1 + i % 150) + i)); // lengths inline and small
                    if (i % 3 == 0) {
                        batch.delete(0, bytes("gone"));
                    } else {
                        batch.put(0, bytes("gone"), bytes("g" + i));
                    }
                }
                batch.delete(0, bytes("gone"));
                batch.commit();
            }
            int last = RUN - 1;
            assertArrayEquals(bytes("v".repeat(1 + last % 150) + last), db.get(0, bytes("dup")).orElseThrow());
            assertEquals(Optional.empty(), db.get(0, bytes("gone")));
            for (int i = 0; i < RUN; i++) {
                assertArrayEquals(bytes("x".repeat(i % 7)), db.get(0, bytes("a" + i)).orElseThrow(), "a" + i);
            }
        }
    }

    @Test
    void aMultiValuedKeyDeletedAcrossWindowsKeepsOneTombstoneAndItsValues() throws IOException {
        DbConfig config = DbConfig.builder().family("m", FamilyKind.MULTI_VALUE).build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            try (WriteBatch batch = db.writeBatch()) {
                batch.put(0, bytes("k"), bytes("before"));
                batch.commit();
            }
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < RUN; i++) {
                    batch.delete(0, bytes("k"));
                    batch.put(0, bytes("k"), bytes("v" + i));
                }
                batch.commit();
            }
            List<byte[]> values = db.getMultiple(0, bytes("k"));
            assertEquals(RUN, values.size());
            for (byte[] value : values) {
                assertEquals('v', value[0]);
            }
        }
    }
}
