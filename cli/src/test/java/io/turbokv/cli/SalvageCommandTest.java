package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code turbokv salvage DIR DEST}: what verifies is copied, what is lost is named, the exit code says which. */
class SalvageCommandTest {
    @TempDir
    Path tmp;

    private Path store(int entries, int valueSize) {
        Path dir = tmp.resolve("s");
        CliRun load = CliRun.of("load", dir.toString(), "--entries", Integer.toString(entries), "--value-size",
                Integer.toString(valueSize), "--progress", "none");
        assertEquals(0, load.exit(), load::toString);
        return dir;
    }

    @Test
    void anIntactStoreIsCopiedWithExitCodeZero() {
        Path dir = store(2000, 32);
        Path copy = tmp.resolve("copy");
        CliRun salvage = CliRun.of("salvage", dir.toString(), copy.toString());
        assertEquals(0, salvage.exit(), salvage::toString);
        assertTrue(
                Pattern.matches("salvage  2,000 entries copied from sequence 2 into " + Pattern.quote(copy.toString())
                        + ", 0 entries lost, in [0-9.]+ m?s\\R", salvage.out()),
                salvage.out());
        assertEquals(0, CliRun.of("verify", copy.toString()).exit());
        assertEquals(new String(new DataSet(42, 32).value(7), StandardCharsets.US_ASCII),
                CliRun.of("get", copy.toString(), "k0000000000007").out().strip());
    }

    @Test
    void aDamagedBlockIsNamedTheRestCopiedAndTheExitCodeIsOne() throws IOException {
        Path dir = store(3000, 300);
        Path sst = dir.resolve("00000001.sst");
        byte[] bytes = Files.readAllBytes(sst);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(sst, bytes);
        assertEquals(1, CliRun.of("export", dir.toString()).exit(), "reads of the whole store fail");

        Path copy = tmp.resolve("copy");
        CliRun salvage = CliRun.of("salvage", dir.toString(), copy.toString());
        assertEquals(1, salvage.exit(), salvage::toString);
        List<String> lines = salvage.out().lines().toList();
        assertTrue(lines.getFirst().matches("lost     00000001\\.sst: at offset \\d+: block \\d+ .*"), salvage.out());
        assertTrue(lines.get(lines.size() - 2).matches("lost     00000001\\.sst: [0-9,]+ of 3,000 entries lost in its"
                + " damaged blocks"), salvage.out());
        assertTrue(lines.getLast().matches("salvage  [0-9,]+ entries copied from sequence 2 into .*, [0-9,]+ entries"
                + " lost, in .*"), salvage.out());
        assertEquals(1, salvage.errLines().length, salvage::toString);
        assertTrue(salvage.errLines()[0].matches("turbokv salvage: [0-9,]+ entries lost \\(see the lines above\\); "
                + Pattern.quote(copy.toString()) + " holds the rest"), salvage::toString);
        assertEquals(0, CliRun.of("verify", copy.toString()).exit(), "the copy is intact");
        CliRun export = CliRun.of("export", copy.toString());
        assertEquals(0, export.exit());
        DataSet data = new DataSet(42, 300);
        for (String line : export.out().lines().toList()) {
            String[] keyValue = line.split("\t");
            long i = Long.parseLong(keyValue[0].substring(1));
            assertEquals(new String(data.value(i), StandardCharsets.US_ASCII), keyValue[1], keyValue[0]);
        }
    }

    @Test
    void aDamagedSchemaNeedsTheFamiliesAndTheDestinationMustBeNew() throws IOException {
        Path dir = store(100, 32);
        Files.write(dir.resolve("SCHEMA"), new byte[] {1});
        CliRun refused = CliRun.of("salvage", dir.toString(), tmp.resolve("copy").toString());
        assertEquals(1, refused.exit(), refused::toString);
        assertTrue(refused.err().contains("cannot be read") && refused.err().contains("declare the store's families"),
                refused::toString);
        CliRun declared = CliRun.of("salvage", "--family", "default:single", dir.toString(),
                tmp.resolve("copy").toString());
        assertEquals(0, declared.exit(), declared::toString);
        CliRun again = CliRun.of("salvage", "--family", "default:single", dir.toString(),
                tmp.resolve("copy").toString());
        assertEquals(1, again.exit(), again::toString);
        assertTrue(again.err().contains("not empty: a salvage writes a new store"), again::toString);
    }
}
