package io.turbokv.cli;

import io.turbokv.CacheStatistics;
import io.turbokv.DbConfig;
import io.turbokv.FamilyKind;
import io.turbokv.Statistics;
import io.turbokv.TurboKV;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turbokv stats DIR}: the store's read statistics (TurboKV's {@code statistics()}) after a probe of random
 * reads: cache hit rates and fill, and lookups by outcome (family, range, filter and key misses; hits by kind).
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Probe the store with random reads of its own keys (and as many absent keys), then print"
                + " its read statistics: block cache hit rates, fill and size, and lookups by outcome.",
                "Only LZ4-compressed blocks go through the block caches; blocks stored uncompressed are read from"
                        + " the mapped files.",
                "Statistics live in the reading process, so the probe is what they describe.",
                "Opens the store read-only, so it works while another process writes to it."})
final class StatsCommand extends StoreCommand {
    @Option(names = "--probe", paramLabel = "N", defaultValue = "10000",
            description = "Reads of present keys to make (sampled from a scan), and as many of absent keys"
                    + " (default: ${DEFAULT-VALUE}).")
    private int probe;

    @Option(names = "--in", paramLabel = "FAMILY", description = "The family (name or index; default: the first).")
    private String family;

    @Option(names = "--json", description = "Print one JSON object instead (the same figures; sizes in bytes).")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        try (TurboKV db = Stores.openReadOnly(directory, families.config())) {
            DbConfig config = db.config();
            int index = FamilyOptions.resolve(config, family);
            List<byte[]> keys = sampleKeys(db, index);
            Random random = new Random(1);
            boolean single = config.family(index).kind() == FamilyKind.SINGLE_VALUE;
            for (int i = 0; i < probe && !keys.isEmpty(); i++) {
                read(db, index, single, keys.get(random.nextInt(keys.size())));
                byte[] absent = ("\u0000turbokv-stats-absent-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                read(db, index, single, absent);
            }
            if (json) {
                out().println(Json.write(report(db.statistics(), keys.size())));
                out().flush();
            } else {
                print(db.statistics(), keys.size());
            }
            return TurboKvCli.EXIT_OK;
        }
    }

    private static void read(TurboKV db, int family, boolean single, byte[] key) throws IOException {
        if (single) {
            db.get(family, key);
        } else {
            db.getMultiple(family, key);
        }
    }

    /** Up to {@code probe} distinct keys of the family, taken from a scan (every key when there are fewer). */
    private List<byte[]> sampleKeys(TurboKV db, int family) throws IOException {
        List<byte[]> keys = new ArrayList<>();
        byte[][] last = new byte[1][];
        db.forEach(family, (key, value) -> {
            byte[] bytes = key.toArray(ValueLayout.JAVA_BYTE);
            if (keys.size() < probe && (last[0] == null || !java.util.Arrays.equals(last[0], bytes))) {
                keys.add(bytes);
                last[0] = bytes;
            }
        });
        return keys;
    }

    private void print(Statistics stats, int sampled) {
        PrintWriter out = out();
        out.printf(Locale.ROOT, "store    %s, %s%n", Format.plural(stats.metaFiles(), "meta file"),
                Format.plural(stats.sstFiles(), "SST"));
        out.printf(Locale.ROOT, "probe    %s reads of %s sampled keys, %s reads of absent keys%n",
                Format.count(sampled == 0 ? 0 : probe), Format.count(sampled), Format.count(sampled == 0 ? 0 : probe));
        out.printf(Locale.ROOT, "lookups  %s hits (%s with a value, %s blob, %s deleted), %s misses%n",
                Format.count(stats.hits()), Format.count(stats.valueHits()), Format.count(stats.blobHits()),
                Format.count(stats.deletedHits()), Format.count(stats.misses()));
        out.printf(Locale.ROOT, "skipped  %s meta files of another family, %s SSTs by hash range, %s by key filter,"
                + " %s searched without the key%n", Format.count(stats.familyMisses()),
                Format.count(stats.rangeMisses()), Format.count(stats.filterMisses()), Format.count(stats.keyMisses()));
        cache(out, stats.keyBlockCache());
        cache(out, stats.valueBlockCache());
        String note = unusedCacheNote(stats);
        if (note != null) {
            out.printf(Locale.ROOT, "note     %s%n", note);
        }
        out.flush();
    }

    /** Why a cache saw no lookup, or null when both saw some: an empty cache looks broken unless this is said. */
    private static String unusedCacheNote(Statistics stats) {
        List<String> unused = new ArrayList<>();
        for (CacheStatistics cache : List.of(stats.keyBlockCache(), stats.valueBlockCache())) {
            if (cache.hits() + cache.misses() == 0) {
                unused.add(cache.name());
            }
        }
        return unused.isEmpty() ? null : "only LZ4-compressed blocks are cached: the " + String.join(" and ", unused)
                + " read here were all stored uncompressed, so they came straight from the mapped files (which the"
                + " OS page cache keeps)";
    }

    /** What {@link #print} shows, as JSON-ready maps. */
    private Map<String, Object> report(Statistics stats, int sampled) {
        long reads = sampled == 0 ? 0 : probe;
        List<Object> caches = new ArrayList<>();
        for (CacheStatistics cache : List.of(stats.keyBlockCache(), stats.valueBlockCache())) {
            caches.add(Json.object("name", cache.name(), "hit_rate", cache.hitRate(), "hits", cache.hits(),
                    "misses", cache.misses(), "items", cache.items(), "size_bytes", cache.sizeBytes(),
                    "capacity_bytes", cache.capacityBytes(), "fill", cache.fill()));
        }
        Map<String, Object> report = Json.object(
                "meta_files", stats.metaFiles(), "ssts", stats.sstFiles(),
                "probe", Json.object("present_reads", reads, "sampled_keys", sampled, "absent_reads", reads),
                "lookups", Json.object("hits", stats.hits(), "value_hits", stats.valueHits(),
                        "blob_hits", stats.blobHits(), "deleted_hits", stats.deletedHits(),
                        "misses", stats.misses()),
                "skipped", Json.object("meta_files_of_other_families", stats.familyMisses(),
                        "ssts_by_hash_range", stats.rangeMisses(), "ssts_by_key_filter", stats.filterMisses(),
                        "ssts_searched_without_the_key", stats.keyMisses()),
                "caches", caches);
        String note = unusedCacheNote(stats);
        if (note != null) {
            report.put("note", note);
        }
        return report;
    }

    private static void cache(PrintWriter out, CacheStatistics cache) {
        out.printf(Locale.ROOT,
                "cache    %-12s hit rate %5.1f %%  %s hits  %s misses  %s items  %s of %s (%.1f %% full)%n",
                cache.name(), cache.hitRate() * 100, Format.count(cache.hits()), Format.count(cache.misses()),
                Format.count(cache.items()), Format.bytes(cache.sizeBytes()), Format.bytes(cache.capacityBytes()),
                cache.fill() * 100);
    }
}
