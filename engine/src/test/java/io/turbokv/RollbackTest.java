package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected at every file operation of a commit: the store is left as before and stays writable. */
class RollbackTest {
    @TempDir
    Path dir;

    private final FaultInjectingFileLayer files = new FaultInjectingFileLayer();
    /** The multi-valued family is key-ordered: its spills sort by key, and roll back all the same. */
    private final DbConfig config = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family(FamilyConfig.ordered("multi", FamilyKind.MULTI_VALUE))
            .fileLayer(files)
            .build();

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private List<String> storeFiles() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    private static void writeBatch(TurboKV db, String suffix) throws IOException {
        try (WriteBatch batch = db.writeBatch()) {
            batch.put(0, bytes("a"), bytes("a" + suffix));
            batch.put(1, bytes("m"), bytes("m" + suffix));
            batch.put(0, bytes("blob"), new byte[(64 << 20) + 1]);
            batch.commit();
        }
    }

    @Test
    void everyFaultBeforeTheCommitPointLeavesTheStoreUnchangedAndWritable() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            writeBatch(db, "0");
            List<String> committed = storeFiles();
            files.failAt(Integer.MAX_VALUE, false);
            writeBatch(db, "probe");
            int callsPerCommit = files.calls();
            assertTrue(callsPerCommit > 10, "file calls of one commit: " + callsPerCommit);
            committed = storeFiles();
            int faults = 0;
            for (int call = 1; call <= callsPerCommit; call++) {
                files.failAt(call, false);
                IOException failure = null;
                try {
                    writeBatch(db, "x" + call);
                } catch (IOException e) {
                    failure = e;
                }
                files.heal();
                if (failure == null) {
                    // the fault hit after the commit point (LOG, deletions): the commit stands
                    assertEquals(Optional.of("ax" + call), db.get(0, bytes("a")).map(v -> new String(v, UTF_8)));
                    committed = storeFiles();
                    continue;
                }
                faults++;
                assertTrue(failure.getMessage().contains("injected fault"), failure.toString());
                assertFalse(db.hasUnrecoverableWriteError());
                assertEquals(committed, storeFiles(), "after a fault at call " + call);
                writeBatch(db, "ok" + call);
                assertEquals("aok" + call, new String(db.get(0, bytes("a")).orElseThrow(), UTF_8));
                committed = storeFiles();
            }
            assertTrue(faults >= callsPerCommit - 2, "faults that failed the commit: " + faults);
            System.out.println("RollbackTest: " + faults + " of " + callsPerCommit
                    + " file operations of a commit exercised as fault points");
        }
        try (TurboKV db = TurboKV.open(dir, config)) {
            assertTrue(db.get(0, bytes("a")).isPresent());
        }
    }

    @Test
    void failedRollbackMakesTheStoreRefuseWritesButKeepReading() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            writeBatch(db, "0");
            files.failAt(3, true); // the commit fails, then so does every step of its rollback
            assertThrows(IOException.class, () -> writeBatch(db, "1"));
            files.heal();
            assertTrue(db.hasUnrecoverableWriteError());
            IllegalStateException refused = assertThrows(IllegalStateException.class, db::writeBatch);
            assertTrue(refused.getMessage().contains("unrecoverable"), refused.getMessage());
            assertEquals("a0", new String(db.get(0, bytes("a")).orElseThrow(), UTF_8));
        }
        try (TurboKV db = TurboKV.open(dir, config)) { // a reopen cleans up and writes again
            assertEquals("a0", new String(db.get(0, bytes("a")).orElseThrow(), UTF_8));
            writeBatch(db, "2");
            assertEquals("a2", new String(db.get(0, bytes("a")).orElseThrow(), UTF_8));
        }
    }

    @Test
    void diskFullDuringABackgroundSpillFailsTheCommitAndLeavesTheStoreUnchanged() throws IOException {
        try (TurboKV db = TurboKV.open(dir, config)) {
            writeBatch(db, "0");
            List<String> committed = storeFiles();
            WriteBatch batch = db.writeBatch();
            files.diskFull();
            for (int i = 0; i < 300_000; i++) { // more than one SST's worth: spills while filling
                batch.put(0, bytes("k" + i), bytes("value-" + i));
            }
            IOException e = assertThrows(IOException.class, batch::commit);
            assertTrue(e.getMessage().contains("No space left on device"), e.toString());
            batch.close();
            files.heal();
            assertFalse(db.hasUnrecoverableWriteError());
            assertEquals(committed, storeFiles());
            assertEquals(Optional.empty(), db.get(0, bytes("k1")));
            writeBatch(db, "after");
            assertEquals("aafter", new String(db.get(0, bytes("a")).orElseThrow(), UTF_8));
        }
    }
}
