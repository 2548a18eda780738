package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --json} of {@code info}, {@code stats} and {@code verify}: one JSON object with the text's facts. */
class JsonOutputTest {
    @TempDir
    Path tmp;

    private Path store() {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("load", dir.toString(), "--entries", "3000", "--progress", "none").exit());
        assertEquals(0, CliRun.of("put", dir.toString(), "k", "v").exit());
        return dir;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(1, run.out().lines().count(), run::toString);
        return (Map<String, Object>) Json.parse(run.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void infoJsonHasTheFamiliesMetaFilesSstsAndFilesNotLive() {
        Path dir = store();
        Map<String, Object> info = json("info", "--json", dir.toString());
        assertEquals(dir.toAbsolutePath().toString(), info.get("store"));
        assertEquals(4L, info.get("committed_sequence"));
        Map<String, Object> files = (Map<String, Object>) info.get("files");
        assertEquals(2L, ((Map<String, Object>) files.get("sst")).get("count"));
        assertTrue((Long) files.get("total_bytes") > 0);
        List<Object> families = (List<Object>) info.get("families");
        assertEquals(Map.of("index", 0L, "name", "default", "kind", "single", "ssts", 2L, "entries", 3001L, "bytes",
                ((Map<String, Object>) families.getFirst()).get("bytes")), families.getFirst());
        List<Map<String, Object>> metas = (List<Map<String, Object>>) info.get("meta_files");
        assertEquals(List.of("00000004.meta", "00000002.meta"), metas.stream().map(m -> m.get("file")).toList());
        Map<String, Object> sst = ((List<Map<String, Object>>) metas.get(1).get("ssts")).getFirst();
        assertEquals("00000001.sst", sst.get("file"));
        assertEquals("O".repeat(100), sst.get("hash_range_map"));
        assertEquals(3000L, sst.get("entries"));
        assertEquals(true, sst.get("fresh"));
        assertTrue(((String) sst.get("min_hash")).matches("0x[0-9a-f]{16}"), sst.toString());
        assertEquals(Map.of("obsolete", List.of(), "pending_deletion_lists", List.of(), "uncommitted_leftovers",
                List.of()), info.get("not_live"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void statsJsonHasLookupsCachesAndTheNote() {
        Path dir = store();
        Map<String, Object> stats = json("stats", "--json", "--probe", "500", dir.toString());
        assertEquals(2L, stats.get("meta_files"));
        assertEquals(Map.of("present_reads", 500L, "sampled_keys", 500L, "absent_reads", 500L), stats.get("probe"));
        assertEquals(500L, ((Map<String, Object>) stats.get("lookups")).get("hits"));
        assertEquals(500L, ((Map<String, Object>) stats.get("lookups")).get("misses"));
        List<Map<String, Object>> caches = (List<Map<String, Object>>) stats.get("caches");
        assertEquals(List.of("key blocks", "value blocks"), caches.stream().map(c -> c.get("name")).toList());
        assertTrue(caches.getFirst().containsKey("hit_rate") && caches.getFirst().containsKey("capacity_bytes"));
        assertTrue(((String) stats.get("note")).startsWith("only LZ4-compressed blocks are cached"), stats.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void verifyJsonListsEveryCheckAndTheTotals() {
        Path dir = store();
        CliRun ok = CliRun.of("verify", "--json", dir.toString());
        assertEquals(0, ok.exit(), ok::toString);
        Map<String, Object> report = (Map<String, Object>) Json.parse(ok.out());
        assertEquals(true, report.get("ok"));
        List<Map<String, Object>> checks = (List<Map<String, Object>>) report.get("checks");
        assertEquals(Map.of("file", "CURRENT", "result", "ok", "detail", "sequence 4, 2 meta files"),
                checks.getFirst());
        assertTrue(checks.stream().anyMatch(c -> c.get("file").equals("00000002.meta")), checks.toString());
        Map<String, Object> totals = (Map<String, Object>) report.get("totals");
        assertEquals(3001L, totals.get("entries"));
        assertEquals(2L, totals.get("ssts"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void verifyJsonNamesDamageWithItsOffsetAndKeepsTheExitCode() throws IOException {
        Path dir = store();
        Path sst = dir.resolve("00000001.sst");
        byte[] bytes = Files.readAllBytes(sst);
        bytes[bytes.length / 3] ^= 0x5A;
        Files.write(sst, bytes);
        CliRun damaged = CliRun.of("verify", "--json", dir.toString());
        assertEquals(1, damaged.exit(), damaged::toString);
        assertTrue(damaged.err().startsWith("turbokv verify: DAMAGED 00000001.sst at offset "), damaged::toString);
        Map<String, Object> report = (Map<String, Object>) Json.parse(damaged.out());
        assertEquals(false, report.get("ok"));
        assertEquals(1L, report.get("damaged"));
        Map<String, Object> check = ((List<Map<String, Object>>) report.get("checks")).stream()
                .filter(c -> c.get("result").equals("damaged")).findFirst().orElseThrow();
        assertEquals("00000001.sst", check.get("file"));
        assertTrue(check.get("offset") instanceof Long, check.toString());
        assertTrue(((String) check.get("detail")).startsWith("block "), check.toString());
    }

    @Test
    void jsonWritesAndReadsBackEveryKindOfValue() {
        Map<String, Object> value = Json.object("s", "q\"uote\\ \n\t\u0001 é 🎉", "n", -12L,
                "d", new java.math.BigDecimal("0.25"), "b", true,
                "z", null, "a", List.of(1L, "x"), "o", Json.object());
        assertEquals(value, Json.parse(Json.write(value)));
        assertEquals("{\"s\":\"\\u0001\\u007f\"}", Json.write(Json.object("s", "\u0001\u007f")));
    }
}
