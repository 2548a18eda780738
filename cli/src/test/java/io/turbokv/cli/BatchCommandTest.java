package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code turbokv batch}: puts and deletes from stdin or a file, committed together or not at all. */
class BatchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void putsAndDeletesFromStdinCommitAsOneBatch() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "old", "1").exit());
        CliRun batch = CliRun.withInput("put\ta\t1\nput\tline\\nbreak\tx\\ty\n\ndelete\told\r\nput\tb\t2\n",
                "batch", dir.toString());
        assertEquals(0, batch.exit(), batch::toString);
        assertTrue(batch.out().strip().matches("batch    3 puts, 1 delete in family default: committed as sequence"
                + " \\d+"), batch::toString);
        assertEquals("1", CliRun.of("get", dir.toString(), "a").out().strip());
        assertEquals("x\ty", CliRun.of("get", dir.toString(), "line\nbreak").out().strip());
        assertEquals(1, CliRun.of("get", dir.toString(), "old").exit());
    }

    @Test
    void jsonLinesAndHexWork() throws IOException {
        Path dir = tmp.resolve("s");
        Path ops = Files.writeString(tmp.resolve("ops.jsonl"), "{\"op\":\"put\",\"key\":\"k\",\"value_hex\":\"00ff\"}\n"
                + "{\"op\":\"put\",\"key\":\"gone\",\"value\":\"v\"}\n{\"op\":\"delete\",\"key\":\"gone\"}\n");
        CliRun json = CliRun.of("batch", "--create", dir.toString(), "--file", ops.toString());
        assertEquals(0, json.exit(), json::toString);
        assertTrue(json.out().strip().matches("batch    2 puts, 1 delete in family default: committed as sequence"
                + " \\d+"), json::toString);
        assertEquals("00ff", CliRun.of("get", "--hex", dir.toString(), "6b").out().strip());
        CliRun hex = CliRun.withInput("put\t6b\t01\n", "batch", "--hex", dir.toString());
        assertEquals(0, hex.exit(), hex::toString);
        assertTrue(hex.out().strip().matches("batch    1 put, 0 deletes in family default: committed as sequence"
                + " \\d+"), hex::toString);
        assertEquals("01", CliRun.of("get", "--hex", dir.toString(), "6b").out().strip());
    }

    @Test
    void aBadLineCommitsNothingAndIsNamed() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "k", "v").exit());
        List<String[]> cases = List.of(
                new String[] {"put\ta\t1\nupsert\tb\t2\n", "stdin:2: expected the operation put or delete, found"
                        + " 'upsert'"},
                new String[] {"put\ta\n", "stdin:1: expected put<TAB>KEY<TAB>VALUE"},
                new String[] {"delete\ta\tb\n", "stdin:1: expected delete<TAB>KEY"},
                new String[] {"put\ta\t\\q\n", "stdin:1: bad escape '\\q' in the value at character 1 (known: \\\\ \\t"
                        + " \\n \\r \\xHH; write \\\\ for a backslash)"});
        for (String[] bad : cases) {
            CliRun run = CliRun.withInput(bad[0], "batch", dir.toString());
            assertEquals(1, run.exit(), run::toString);
            assertArrayEquals(new String[] {"turbokv batch: " + bad[1]}, run.errLines(), run::toString);
        }
        assertEquals(1, CliRun.of("get", dir.toString(), "a").exit(), "nothing committed");
        CliRun json = CliRun.withInput("{\"op\":\"delete\",\"key\":\"k\",\"value\":\"v\"}\n", "batch", "--format",
                "jsonl", dir.toString());
        assertArrayEquals(new String[] {"turbokv batch: stdin:1: a delete takes no value"}, json.errLines());
    }

    @Test
    void aMissingStoreSaysCreateAndAFailedCreatingBatchLeavesNoStore() {
        Path dir = tmp.resolve("new");
        CliRun missing = CliRun.withInput("put\ta\t1\n", "batch", dir.toString());
        assertArrayEquals(new String[] {"turbokv batch: no TurboKV store at " + dir + ": the directory does not exist"
                + " (add --create to create one)"}, missing.errLines());
        CliRun bad = CliRun.withInput("put\ta\n", "batch", "--create", dir.toString());
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(Files.notExists(dir), "the store the failed batch created is removed");
    }
}
