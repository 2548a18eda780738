package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands run in-process: their output and exit codes on good input. */
class CommandsTest {
    @TempDir
    Path tmp;

    @Test
    void demoLoadsCommitsReadsBackAndReportsTimingsFilesAndSizes() {
        Path dir = tmp.resolve("demo");
        CliRun run = CliRun.of("demo", "--entries", "20000", "--progress", "plain", dir.toString());
        assertEquals(0, run.exit(), run::toString);
        String out = run.out();
        assertTrue(out.contains("20,000 entries (14-byte keys, 32-byte values"), out);
        assertTrue(out.contains("from 2 threads"), out);
        assertTrue(Pattern.compile("(?m)^load +20,000 entries in [0-9.]+ m?s \\(").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^commit +\\d+ SST files?, .* written in ").matcher(out).find(), out);
        assertTrue(out.contains("all 20,000 values read back are correct"), out);
        assertTrue(Pattern.compile("(?m)^compact +(compacted|nothing to compact)").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^files +\\d+ sst \\(.*\\), 1 meta").matcher(out).find(), out);
        assertTrue(out.contains("bytes per entry on disk"), out);
        assertTrue(out.contains("summary  load"), out);
        assertFalse(out.contains("\r"), "no bar when not on a terminal");
        assertTrue(Files.exists(dir.resolve(StoreFileNames.CURRENT)), "a DIR given is kept");
        assertEquals("", run.err());
    }

    @Test
    void demoWithoutDirWorksInATemporaryDirectoryAndRemovesIt() {
        CliRun run = CliRun.of("demo", "--entries", "1000", "--threads", "3", "--progress", "none");
        assertEquals(0, run.exit(), run::toString);
        Matcher removed = Pattern.compile("(?m)^removed +(\\S+) ").matcher(run.out());
        assertTrue(removed.find(), run.out());
        assertFalse(Files.exists(Path.of(removed.group(1))), removed.group(1));
    }

    @Test
    void loadedGeneratedEntriesAreReadByGet() throws IOException {
        Path dir = tmp.resolve("s");
        CliRun load = CliRun.of("load", dir.toString(), "--entries", "5000", "--value-size", "20", "--seed", "7");
        assertEquals(0, load.exit(), load::toString);
        assertTrue(load.out().contains("commit   5,000 entries"), load.out());
        CliRun get = CliRun.of("get", dir.toString(), "k0000000004321");
        assertEquals(0, get.exit(), get::toString);
        assertEquals(new String(new DataSet(7, 20).value(4321), StandardCharsets.US_ASCII) + System.lineSeparator(),
                get.out());
        assertEquals(0, CliRun.of("get", "--hex", dir.toString(),
                HexFormat.of().formatHex(DataSet.key(17))).exit());
    }

    @Test
    void putGetDeleteWithUtf8AndHexKeys() {
        Path dir = tmp.resolve("s");
        CliRun put = CliRun.of("put", "--create", dir.toString(), "grüße", "wörld");
        assertEquals(0, put.exit(), put::toString);
        assertTrue(put.out().startsWith("put 1 entry (key 7 B, value 6 B) in family default: committed as sequence"),
                put.out());
        assertEquals("wörld" + System.lineSeparator(), CliRun.of("get", dir.toString(), "grüße").out());
        String hexKey = HexFormat.of().formatHex("grüße".getBytes(StandardCharsets.UTF_8));
        assertEquals(HexFormat.of().formatHex("wörld".getBytes(StandardCharsets.UTF_8)) + System.lineSeparator(),
                CliRun.of("get", "--hex", dir.toString(), "0x" + hexKey.toUpperCase(java.util.Locale.ROOT)).out());
        assertEquals(0, CliRun.of("put", "--hex", dir.toString(), "00ff", "").exit());
        assertEquals(System.lineSeparator(), CliRun.of("get", "--hex", dir.toString(), "00FF").out());
        CliRun delete = CliRun.of("delete", dir.toString(), "grüße", "never-written");
        assertEquals(0, delete.exit(), delete::toString);
        assertTrue(delete.out().startsWith("deleted 2 keys in family default"), delete.out());
        CliRun gone = CliRun.of("get", dir.toString(), "grüße");
        assertEquals(1, gone.exit(), gone::toString);
        assertArrayEquals(new String[] {"turbokv get: key 'grüße' not found"}, gone.errLines());
    }

    @Test
    void familiesAreDeclaredWhenTheStoreIsCreatedAndChosenWithIn() throws IOException {
        Path dir = tmp.resolve("s");
        String[] families = {"--family", "nodes:single", "--family", "edges:multi"};
        assertEquals(0, CliRun.of(concat(families, "put", "--create", "--in", "edges", dir.toString(), "a", "b"))
                .exit());
        assertEquals(0, CliRun.of(concat(families, "put", "--in", "1", dir.toString(), "a", "c")).exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "a", "node").exit()); // the store knows its families
        CliRun edges = CliRun.of("get", "--in", "edges", dir.toString(), "a");
        assertEquals(0, edges.exit(), edges::toString);
        assertEquals(List.of("b", "c"), edges.out().lines().sorted().toList());
        assertEquals("node", CliRun.of(concat(families, "get", dir.toString(), "a")).out().strip());
        CliRun info = CliRun.of(concat(families, "info", dir.toString()));
        assertEquals(0, info.exit(), info::toString);
        assertTrue(info.out().contains("  1 edges        multi   2 SSTs, 2 entries"), info.out());
        assertTrue(info.out().contains("  0 nodes        single  1 SST, 1 entry"), info.out());
        try (TurboKV db = TurboKV.openReadOnly(dir)) {
            assertEquals(2, db.getMultiple(1, "a".getBytes(StandardCharsets.UTF_8)).size());
            assertEquals(List.of(new FamilyConfig("nodes", FamilyKind.SINGLE_VALUE),
                    new FamilyConfig("edges", FamilyKind.MULTI_VALUE)), db.config().families());
        }
    }

    @Test
    void loadReadsKeyTabValueLinesInUtf8OrHex() throws IOException {
        Path dir = tmp.resolve("s");
        Path text = Files.writeString(tmp.resolve("text.tsv"), "alpha\tone\r\n\nbeta\ttwo\tparts\n");
        CliRun load = CliRun.of("load", dir.toString(), "--file", text.toString());
        assertEquals(0, load.exit(), load::toString);
        assertTrue(load.out().contains("commit   2 entries"), load.out());
        assertEquals("one", CliRun.of("get", dir.toString(), "alpha").out().strip());
        assertEquals("two\tparts", CliRun.of("get", dir.toString(), "beta").out().strip());
        Path hex = Files.writeString(tmp.resolve("hex.tsv"), "00ff\tc3a9\n");
        assertEquals(0, CliRun.of("load", dir.toString(), "--hex", "--file", hex.toString()).exit());
        assertEquals("c3a9", CliRun.of("get", "--hex", dir.toString(), "00ff").out().strip());
    }

    @Test
    void infoShowsMetaFilesAndSstsWithHashRangeMapsFlagsSizesAndFilters() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("load", dir.toString(), "--entries", "3000").exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "k", "v").exit());
        CliRun info = CliRun.of("info", dir.toString());
        assertEquals(0, info.exit(), info::toString);
        String out = info.out();
        assertTrue(out.contains("CURRENT   4 (last committed sequence number)"), out);
        assertTrue(out.contains("files     2 sst ("), out);
        assertTrue(out.contains("meta files (2, newest first)"), out);
        assertTrue(Pattern.compile("(?m)^  00000004\\.meta  family 0 default  \\d+ B  1 SST  key filters \\d+ B"
                + "  used-key filter 0 B  obsolete: none$").matcher(out).find(), out);
        // the 3,000 generated keys span the whole hash space: all 100 columns
        assertTrue(Pattern.compile("(?m)^    00000001\\.sst O{100} fresh +[0-9.]+ KiB +3,000 entries +\\d+ blocks"
                + "  filter [0-9.]+ KiB$").matcher(out).find(), out);
        // one key touches one column
        assertTrue(Pattern.compile("(?m)^    00000003\\.sst \\.*O\\.* fresh ").matcher(out).find(), out);
        assertTrue(out.contains("not live  obsolete, awaiting deletion: none"), out);
        assertTrue(out.contains("uncommitted leftovers (deleted at the next writable open): none"), out);
    }

    @Test
    void infoListsUncommittedLeftovers() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "k", "v").exit());
        Files.write(dir.resolve("00000009.sst"), new byte[10]);
        CliRun info = CliRun.of("info", dir.toString());
        assertEquals(0, info.exit(), info::toString);
        assertTrue(info.out().contains("uncommitted leftovers (deleted at the next writable open): 00000009.sst"),
                info.out());
    }

    @Test
    void verifyChecksEveryFileAndSaysOk() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("load", dir.toString(), "--entries", "4000", "--value-size", "300").exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "k", "v").exit());
        CliRun verify = CliRun.of("verify", "--progress", "plain", dir.toString());
        assertEquals(0, verify.exit(), verify::toString);
        assertTrue(verify.out().contains("CURRENT  ok: sequence 4, 2 meta files"), verify.out());
        assertTrue(verify.out().contains("00000002.meta ok: family 0, 1 SST, "), verify.out());
        assertTrue(Pattern.compile("2 meta files, 2 SSTs \\(\\d+ blocks, 4,001 entries, 1.1 MiB of values\\),"
                + " 0 blobs: OK").matcher(verify.out()).find(), verify.out());
        assertEquals("", verify.err());
    }

    @Test
    void compactMergesTheStoresSstsAndKeepsEveryValue() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "k", "v").exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "k2", "v2").exit());
        CliRun compact = CliRun.of("compact", "--full", dir.toString());
        assertEquals(0, compact.exit(), compact::toString);
        assertTrue(compact.out().contains("compacted: 2 SSTs"), compact.out());
        CliRun get = CliRun.of("get", dir.toString(), "k2");
        assertEquals(0, get.exit(), get::toString);
        assertTrue(get.out().contains("v2"), get.out());
        assertEquals(0, CliRun.of("verify", dir.toString()).exit());
    }

    @Test
    void getOfManyKeysPrintsKeyTabValueLinesInTheOrderGivenAndNamesTheMissing() throws IOException {
        Path dir = tmp.resolve("s");
        Path input = Files.writeString(tmp.resolve("in.tsv"), "a\t1\nb\t2\ntab\\tkey\tthree\n");
        assertEquals(0, CliRun.of("load", dir.toString(), "--file", input.toString()).exit());
        CliRun two = CliRun.of("get", dir.toString(), "b", "a");
        assertEquals(0, two.exit(), two::toString);
        assertEquals("b\t2\na\t1\n", two.out().replace(System.lineSeparator(), "\n"));
        CliRun missing = CliRun.of("get", dir.toString(), "a", "nope", "b", "gone");
        assertEquals(1, missing.exit(), missing::toString);
        assertEquals("a\t1\nb\t2\n", missing.out().replace(System.lineSeparator(), "\n"), "the found are printed");
        assertArrayEquals(new String[] {"turbokv get: 2 of 4 keys not found: 'nope', 'gone'"}, missing.errLines());

        Path keys = Files.writeString(tmp.resolve("keys.txt"), "tab\\tkey\na\n");
        CliRun fromFile = CliRun.of("get", dir.toString(), "--keys", keys.toString(), "--format", "jsonl");
        assertEquals(0, fromFile.exit(), fromFile::toString);
        assertEquals("{\"key\":\"tab\\tkey\",\"value\":\"three\"}\n{\"key\":\"a\",\"value\":\"1\"}\n",
                fromFile.out().replace(System.lineSeparator(), "\n"));
        CliRun hex = CliRun.of("get", "--hex", dir.toString(), "61", "62");
        assertEquals("61\t31\n62\t32\n", hex.out().replace(System.lineSeparator(), "\n"));
        CliRun one = CliRun.of("get", "--format", "tsv", dir.toString(), "a");
        assertEquals("a\t1", one.out().strip(), "--format makes a line of one key too");

        // the output of a many-key get loads back
        Path saved = Files.writeString(tmp.resolve("saved.tsv"), CliRun.of("get", dir.toString(), "a", "tab\tkey")
                .out());
        Path copy = tmp.resolve("copy");
        assertEquals(0, CliRun.of("load", copy.toString(), "--file", saved.toString()).exit());
        assertEquals("three", CliRun.of("get", copy.toString(), "tab\tkey").out().strip());
        assertEquals(2, CliRun.of("get", dir.toString()).exit(), "no key at all is a usage error");
    }

    @Test
    void keysAndValuesMayStartWithADash() {
        Path dir = tmp.resolve("s");
        CliRun put = CliRun.of("put", "--create", dir.toString(), "-dash", "-value");
        assertEquals(0, put.exit(), put::toString);
        CliRun get = CliRun.of("get", dir.toString(), "-dash");
        assertEquals(0, get.exit(), get::toString);
        assertEquals("-value", get.out().strip());
        assertEquals("-value", CliRun.of("get", dir.toString(), "--", "-dash").out().strip(), "'--' still works");
        assertEquals(2, CliRun.of("get", "--hex", dir.toString(), "-dash").exit(), "with --hex, '-dash' is bad hex");
        CliRun delete = CliRun.of("delete", dir.toString(), "-dash");
        assertEquals(0, delete.exit(), delete::toString);
        assertEquals(1, CliRun.of("get", dir.toString(), "-dash").exit());
    }

    @Test
    void statsSaysWhyACacheSawNoLookup() throws IOException {
        Path dir = tmp.resolve("plain");
        assertEquals(0, CliRun.of("load", dir.toString(), "--entries", "2000", "--progress", "none").exit());
        String out = CliRun.of("stats", "--probe", "500", dir.toString()).out();
        assertTrue(out.contains("note     only LZ4-compressed blocks are cached: the key blocks and value blocks read"
                + " here were all stored uncompressed, so they came straight from the mapped files"), out);
        Path compressible = tmp.resolve("compressible");
        try (TurboKV db = TurboKV.open(compressible, DbConfig.singleFamily());
             io.turbokv.WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < 2000; i++) {
                batch.put(0, DataSet.key(i), "a".repeat(300).getBytes(StandardCharsets.US_ASCII));
            }
            batch.commit();
        }
        out = CliRun.of("stats", "--probe", "500", compressible.toString()).out();
        assertTrue(Pattern.compile("(?m)^cache +value blocks +hit rate +[0-9.]+ %  [0-9,]+ hits  [1-9][0-9,]* misses")
                .matcher(out).find(), out);
        assertFalse(out.contains("value blocks read here"), out);
    }

    @Test
    void oneOfAnythingIsSingular() {
        Path dir = tmp.resolve("one");
        Path file = tmp.resolve("one.tsv");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "k", "v").exit());
        String info = CliRun.of("info", dir.toString()).out();
        assertTrue(info.contains("  0 default      single  1 SST, 1 entry, "), info);
        assertTrue(info.contains("meta files (1, newest first)"), info);
        assertTrue(Pattern.compile("(?m)^    00000001\\.sst \\S+ fresh +\\S+ B +1 entry +\\d+ blocks  filter ")
                .matcher(info).find(), info);
        assertEquals("nothing to compact: 1 SST in 1 meta file", CliRun.of("compact", dir.toString()).out().lines()
                .findFirst().orElseThrow());
        String verify = CliRun.of("verify", "--progress", "none", dir.toString()).out();
        assertTrue(verify.contains("CURRENT  ok: sequence 2, 1 meta file"), verify);
        assertTrue(Pattern.compile("1 meta file, 1 SST \\(\\d+ blocks, 1 entry, 1 B of values\\), 0 blobs: OK")
                .matcher(verify).find(), verify);
        assertTrue(CliRun.of("stats", dir.toString()).out().contains("store    1 meta file, 1 SST"));
        try {
            Files.writeString(file, "k\tv\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String load = CliRun.of("load", tmp.resolve("two").toString(), "--file", file.toString(), "--progress",
                "plain").out();
        assertTrue(load.contains("load     1 entry in "), load);
        assertTrue(load.contains("commit   1 entry, 1 SST file, "), load);
    }

    @Test
    void everyCommandHasHelp() {
        CommandLine root = TurboKvCli.newCommandLine();
        assertTrue(root.getSubcommands().keySet().containsAll(List.of("demo", "load", "get", "put", "delete",
                "info", "verify", "compact", "doctor")), root.getSubcommands().keySet().toString());
        for (CommandLine command : new java.util.LinkedHashSet<>(root.getSubcommands().values())) {
            String name = command.getCommandName();
            if (name.equals("help")) {
                continue;
            }
            CliRun help = CliRun.of(name, "--help");
            assertEquals(0, help.exit(), help::toString);
            assertTrue(help.out().startsWith("Usage: turbokv " + name), help.out());
        }
        CliRun top = CliRun.of("--help");
        assertEquals(0, top.exit());
        assertTrue(top.out().contains("NAME:single|multi"), top.out());
        assertTrue(CliRun.of("--version").out().startsWith("turbokv "));
    }

    @Test
    void helpListsEveryCommandInOrder() {
        CliRun top = CliRun.of("--help");
        int last = -1;
        for (Class<?> command : TurboKvCli.COMMANDS) {
            String name = command.getAnnotation(CommandLine.Command.class).name();
            if (command.getAnnotation(CommandLine.Command.class).hidden()) {
                assertFalse(top.out().contains(name), name + " is hidden");
                continue;
            }
            Matcher listed = Pattern.compile("\n  " + name + "[ ,]").matcher(top.out());
            int at = listed.find() ? listed.start() : -1;
            assertTrue(at > last, name + " listed after the one before: " + top.out());
            last = at;
        }
        CliRun help = CliRun.of("help", "get");
        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.out().startsWith("Usage: turbokv get"), help.out());
    }

    @Test
    void startupTrainingRunsTheCommonCommandsAndLeavesNothingBehind() throws IOException {
        CliRun run = CliRun.of("startup-training", "--dir", tmp.toString());
        assertEquals(0, run.exit(), run::toString);
        assertEquals("", run.out() + run.err(), "the commands' output is discarded");
        try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList());
        }
    }

    static String[] concat(String[] first, String... rest) {
        String[] all = new String[first.length + rest.length];
        System.arraycopy(rest, 0, all, 0, 1);
        System.arraycopy(first, 0, all, 1, first.length);
        System.arraycopy(rest, 1, all, 1 + first.length, rest.length - 1);
        return all;
    }

    @Test
    void statsProbesTheStoreAndPrintsCacheAndLookupFigures() {
        Path dir = tmp.resolve("stats");
        assertEquals(0, CliRun.of("load", dir.toString(), "--entries", "5000", "--progress", "none").exit());
        CliRun stats = CliRun.of("stats", "--probe", "2000", dir.toString());
        assertEquals(0, stats.exit(), stats::toString);
        String out = stats.out();
        assertTrue(out.contains("probe    2,000 reads of 2,000 sampled keys, 2,000 reads of absent keys"), out);
        assertTrue(Pattern.compile("(?m)^lookups  2,000 hits \\(2,000 with a value, 0 blob, 0 deleted\\), 2,000"
                + " misses$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^cache +key blocks +hit rate").matcher(out).find(), out);
    }
}
