package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export} and {@code load} round-trip every key and value byte for byte, in every format. */
class ExportLoadTest {
    private static final String[] FORMATS = {"tsv", "hex", "jsonl"};

    @TempDir
    Path tmp;

    /** Keys and values that each format must escape or encode: separators, escapes, bytes that are not UTF-8. */
    private static Map<String, byte[]> awkwardEntries() {
        Map<String, byte[]> entries = new TreeMap<>();
        String[] texts = {"plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "\\t not a tab",
                "\\x41 not A", "quote \" and 'single'", "control \u0001\u001f\u007f", "grüße 日本 🎉", " lead and trail ",
                "{\"json\":1}", "", "\t", "\\"};
        for (int i = 0; i < texts.length; i++) {
            entries.put("t" + i, texts[i].getBytes(StandardCharsets.UTF_8));
        }
        entries.put("bytes-ff", new byte[] {(byte) 0xFF, 0, (byte) 0x80, 'a', (byte) 0xC3}); // not UTF-8
        entries.put("overlong", new byte[] {(byte) 0xC0, (byte) 0xAF});
        entries.put("surrogate", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
        entries.put("truncated", new byte[] {'x', (byte) 0xE2, (byte) 0x82});
        Random random = new Random(21);
        for (int i = 0; i < 200; i++) {
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(value);
            entries.put("random" + i, value);
        }
        byte[] big = new byte[70_000]; // past a block and a medium value
        random.nextBytes(big);
        entries.put("big", big);
        return entries;
    }

    /** A store of {@code entries}, plus keys that are not UTF-8 themselves. */
    private Path store(String name, Map<String, byte[]> entries) throws IOException {
        Path dir = tmp.resolve(name);
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily()); WriteBatch batch = db.writeBatch()) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                batch.put(0, entry.getKey().getBytes(StandardCharsets.UTF_8), entry.getValue());
                if (entry.getValue().length < 1000) { // values as keys: keys that are not UTF-8 too
                    batch.put(0, entry.getValue(), entry.getKey().getBytes(StandardCharsets.UTF_8));
                }
            }
            batch.commit();
        }
        return dir;
    }

    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (TurboKV db = TurboKV.openReadOnly(dir)) {
            db.forEach(0, (key, value) -> all.put(HexFormat.of().formatHex(key.toArray(ValueLayout.JAVA_BYTE)),
                    HexFormat.of().formatHex(value.toArray(ValueLayout.JAVA_BYTE))));
        }
        return all;
    }

    @Test
    void everyFormatRoundTripsEveryByte() throws IOException {
        Map<String, byte[]> entries = awkwardEntries();
        Path source = store("source", entries);
        Map<String, String> expected = contents(source);
        for (String format : FORMATS) {
            Path file = tmp.resolve("export." + format);
            CliRun export = CliRun.of("export", "--format", format, source.toString(), "--output", file.toString());
            assertEquals(0, export.exit(), export::toString);
            assertTrue(export.out().startsWith("export   " + Format.count(expected.size()) + " entries of family"
                    + " default to " + file + " (" + format + ", "), export.out());
            assertEquals(expected.size(), Files.readAllLines(file).size(), format);

            Path copy = tmp.resolve("copy-" + format);
            CliRun load = CliRun.of("load", copy.toString(), "--format", format, "--file", file.toString(),
                    "--progress", "none");
            assertEquals(0, load.exit(), load::toString);
            assertEquals(expected, contents(copy), format + ": the loaded store holds the same bytes");

            Path again = tmp.resolve("again." + format);
            assertEquals(0, CliRun.of("export", "--format", format, copy.toString(), "-o", again.toString()).exit());
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again), format + ": the same file again");
        }
    }

    @Test
    void exportWritesToStdoutWithoutASummary() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "a\tb", "line\nbreak").exit());
        CliRun tsv = CliRun.of("export", dir.toString());
        assertEquals(0, tsv.exit(), tsv::toString);
        assertEquals("a\\tb\tline\\nbreak\n", tsv.out());
        assertEquals("{\"key\":\"a\\tb\",\"value\":\"line\\nbreak\"}\n",
                CliRun.of("scan", "--format", "jsonl", dir.toString()).out(), "scan is export");
        assertEquals("610962\t6c696e650a627265616b\n", CliRun.of("export", "--hex", dir.toString()).out());
        assertEquals(0, CliRun.of("put", "--hex", dir.toString(), "ff", "00").exit());
        assertTrue(CliRun.of("export", "--format", "jsonl", dir.toString()).out()
                .contains("{\"key_hex\":\"ff\",\"value\":\"\\u0000\"}\n"));
        assertTrue(CliRun.of("export", dir.toString()).out().contains("\\xff\t\u0000\n"));
    }

    @Test
    void aMultiValuedFamilyExportsEveryValueAndLoadsThemBack() throws IOException {
        Path dir = tmp.resolve("multi");
        DbConfig multi = DbConfig.builder().family("edges", FamilyKind.MULTI_VALUE).build();
        try (TurboKV db = TurboKV.open(dir, multi); WriteBatch batch = db.writeBatch()) {
            for (int v = 0; v < 5; v++) {
                batch.put(0, "node".getBytes(StandardCharsets.UTF_8), ("to-" + v).getBytes(StandardCharsets.UTF_8));
            }
            batch.commit();
        }
        Path file = tmp.resolve("edges.jsonl");
        assertEquals(0, CliRun.of("export", dir.toString(), "-o", file.toString()).exit());
        assertEquals(5, Files.readAllLines(file).size());
        Path copy = tmp.resolve("copy");
        CliRun load = CliRun.of("load", "--family", "edges:multi", copy.toString(), "--file", file.toString());
        assertEquals(0, load.exit(), load::toString);
        try (TurboKV db = TurboKV.openReadOnly(copy)) {
            List<String> values = new ArrayList<>();
            db.getMultiple(0, "node".getBytes(StandardCharsets.UTF_8))
                    .forEach(v -> values.add(new String(v, StandardCharsets.UTF_8)));
            assertEquals(List.of("to-0", "to-1", "to-2", "to-3", "to-4"), values.stream().sorted().toList());
        }
    }

    @Test
    void aJsonlFileIsReadAsJsonLinesWithoutFormat() throws IOException {
        Path file = Files.writeString(tmp.resolve("in.jsonl"), "{\"key\":\"a\",\"value\":\"1\"}\n\n"
                + "{\"value_hex\":\"00\", \"key\":\"b\"}\n");
        Path dir = tmp.resolve("s");
        CliRun load = CliRun.of("load", dir.toString(), "--file", file.toString());
        assertEquals(0, load.exit(), load::toString);
        assertEquals("1", CliRun.of("get", dir.toString(), "a").out().strip());
        assertEquals("00", CliRun.of("get", "--hex", dir.toString(), "62").out().strip());
    }

    @Test
    void badLinesAreNamedByLineAndNothingIsCommitted() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "k", "v").exit());
        Map<String, String> cases = Map.of(
                "good\tline\nbad\\q\tx\n", "bad escape '\\q' in the key at character 4 (known: \\\\ \\t \\n \\r"
                        + " \\xHH; write \\\\ for a backslash)",
                "k\tv\\x4\n", "bad escape '\\x4' in the value at character 2 (known: \\\\ \\t \\n \\r \\xHH; write"
                        + " \\\\ for a backslash)");
        for (Map.Entry<String, String> bad : cases.entrySet()) {
            Path file = Files.writeString(tmp.resolve("bad.tsv"), bad.getKey());
            CliRun load = CliRun.of("load", dir.toString(), "--file", file.toString());
            assertEquals(1, load.exit(), load::toString);
            assertTrue(load.err().strip().endsWith(bad.getValue()), load::toString);
        }
        Map<String, String> json = Map.of(
                "{\"key\":\"a\"}", "1: no \"value\" (or \"value_hex\")",
                "{\"key\":\"a\",\"value\":2}", "1: \"value\" is not a string",
                "{\"key\":\"a\",\"value\":\"b\",\"x\":\"c\"}", "1: unknown member \"x\" (expected key, key_hex, value,"
                        + " value_hex)",
                "{\"key\":\"a\",\"value\":\"b\"", "1: bad JSON at column 23: expected '}', found the end",
                "[1]", "1: expected a JSON object",
                "{\"key\":\"\\ud800\",\"value\":\"\"}", "1: unpaired surrogate \\ud800 in a string (it has no UTF-8"
                        + " form)");
        for (Map.Entry<String, String> bad : json.entrySet()) {
            Path file = Files.writeString(tmp.resolve("bad.jsonl"), bad.getKey() + "\n");
            CliRun load = CliRun.of("load", dir.toString(), "--file", file.toString());
            assertEquals(1, load.exit(), load::toString);
            assertEquals("turbokv load: " + file + ":" + bad.getValue(), load.err().strip(), load::toString);
        }
        assertEquals(1, CliRun.of("get", dir.toString(), "good").exit(), "nothing of a failed load is committed");
    }
}
