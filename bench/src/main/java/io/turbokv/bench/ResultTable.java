package io.turbokv.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The comparison's numbers, one row per (operation, key kind, value size), one cell per store: operations per
 * second (writes and full iterations: entries per second; full compactions: input entries per second;
 * opens: opens per second), bytes allocated on the heap per operation (from
 * {@code -prof gc}; writes: per entry) and, for {@code get}, the p50 and p99 latency of the sampled run.
 */
final class ResultTable {
    private static final String GET = "get";
    private static final String WRITE = "write + durable commit";
    private static final String COMPACTION = "full compaction, 10 overlapping batches";
    /** The single-shot rows' two readings: the first shot of a fresh JVM, and the mean of the later shots. */
    private static final String FIRST_SHOT = ", first of a JVM";
    private static final String WARM = ", warm";
    /** One store's numbers for one row; NaN where not measured. */
    static final class Cell {
        double opsPerSecond = Double.NaN;
        double bytesPerOp = Double.NaN;
        double p50Nanos = Double.NaN;
        double p99Nanos = Double.NaN;
        /** The store has no such operation (LMDB's and Chronicle Map's compaction): shown as "n/a", not 0. */
        boolean notApplicable;
    }

    /** A row: what was measured and the cells by store name. */
    record Row(int order, String operation, String unit, String keys, int valueBytes, Map<String, Cell> cells) {
        String label() {
            return operation + " " + keys + " " + valueBytes + "B";
        }
    }

    /** An SST-level result (issue 3). */
    record SstRow(String what, String keys, int valueBytes, int entries, double value, String unit,
                  double bytesPerOp) {}

    private final Map<String, Row> rows = new TreeMap<>();
    private final List<SstRow> sstRows = new ArrayList<>();

    private ResultTable() {}

    static ResultTable of(Collection<RunResult> results) {
        ResultTable table = new ResultTable();
        for (RunResult result : results) {
            table.add(result);
        }
        return table;
    }

    List<Row> rows() {
        return List.copyOf(rows.values());
    }

    private void add(RunResult result) {
        BenchmarkParams params = result.getParams();
        String benchmark = params.getBenchmark();
        String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        String store = params.getParam("store") != null ? params.getParam("store")
                : params.getParam("compactingStore") != null ? params.getParam("compactingStore") : "turbokv";
        if (store.equals(Stores.TURBOKV_ORDERED)) {
            store = "turbokv"; // the ordered-read rows: TurboKV's key-ordered family is TurboKV's cell
        }
        String keys = params.getParam("keys");
        int valueBytes = Integer.parseInt(params.getParam("valueBytes"));
        int entries = Integer.parseInt(params.getParam("entries"));
        double score = result.getPrimaryResult().getScore();
        double alloc = allocation(result);
        switch (name) {
            case "WriteBenchmark.load" -> {
                Shots shots = Shots.of(result);
                put(1, WRITE + FIRST_SHOT, "entries/s", keys, valueBytes, store, entries / shots.firstMillis(),
                        shots.firstBytes() / entries);
                put(1, WRITE + WARM, "entries/s", keys, valueBytes, store, entries / shots.warmMillis(),
                        shots.warmBytes() / entries);
            }
            case "GetBenchmark.get" -> put(2, getOperation(entries), "ops/s", keys, valueBytes, store, score, alloc);
            case "GetBenchmark.getLatency" -> {
                Cell cell = cell(2, getOperation(entries), "ops/s", keys, valueBytes, store);
                cell.p50Nanos = result.getPrimaryResult().getStatistics().getPercentile(50.0);
                cell.p99Nanos = result.getPrimaryResult().getStatistics().getPercentile(99.0);
            }
            case "TurboKvReadBenchmark.getCopy" -> put(3, "get, copy to byte[]", "ops/s", keys, valueBytes, store,
                    score, alloc);
            case "TurboKvReadBenchmark.getReadScope" -> put(4, "get, ReadScope per get", "ops/s", keys, valueBytes,
                    store, score, alloc);
            case "GetBenchmark.getAbsent" -> put(5, "get absent", "ops/s", keys, valueBytes, store, score, alloc);
            case "GetBenchmark.batchGet" -> put(6, "batchGet of " + GetBenchmark.BATCH, "keys/s", keys, valueBytes,
                    store, score, alloc);
            case "MultiGetBenchmark.getMultiple" -> put(7, "getMultiple, " + Dataset.VALUES_PER_KEY + " values",
                    "keys/s", keys, valueBytes, store, score, alloc);
            case "OpenBenchmark.openAndGet" -> put(8, "open + first get", "opens/s", keys, valueBytes, store,
                    1000.0 / score, alloc);
            case "IterateBenchmark.iterateAll" -> put(9, "full iteration (unordered)", "entries/s", keys,
                    valueBytes, store, entries / (score / 1000.0), alloc / entries);
            case "FullCompactionBenchmark.fullCompact" -> {
                Shots shots = Shots.of(result);
                for (String when : new String[] {FIRST_SHOT, WARM}) {
                    boolean first = when.equals(FIRST_SHOT);
                    put(10, COMPACTION + when, "input entries/s", keys, valueBytes, store,
                            entries / ((first ? shots.firstMillis() : shots.warmMillis()) / 1000.0),
                            (first ? shots.firstBytes() : shots.warmBytes()) / entries);
                    cell(10, COMPACTION + when, "input entries/s", keys, valueBytes, "lmdb").notApplicable = true;
                    cell(10, COMPACTION + when, "input entries/s", keys, valueBytes, "chronicle").notApplicable =
                            true;
                }
            }
            case "RangeBenchmark.range10" -> {
                Cell cell = cell(11, "range of " + RangeBenchmark.RANGE + " from a random key (" + String.format(
                        Locale.ROOT, "%,d", entries) + " entries)", "ranges/s", keys, valueBytes, store);
                cell.opsPerSecond = 1e6 / score; // SampleTime: the score is the mean in microseconds
                cell.bytesPerOp = alloc;
                cell.p50Nanos = result.getPrimaryResult().getStatistics().getPercentile(50.0) * 1000;
                cell.p99Nanos = result.getPrimaryResult().getStatistics().getPercentile(99.0) * 1000;
                cell(11, "range of " + RangeBenchmark.RANGE + " from a random key (" + String.format(Locale.ROOT,
                        "%,d", entries) + " entries)", "ranges/s", keys, valueBytes, "chronicle").notApplicable = true;
            }
            case "RangeBenchmark.scanAll" -> {
                String operation = String.format(Locale.ROOT, "full scan in key order (%,d entries)", entries);
                put(12, operation, "entries/s", keys, valueBytes, store, entries / (score / 1000.0), alloc / entries);
                cell(12, operation, "entries/s", keys, valueBytes, "chronicle").notApplicable = true;
            }
            case "SstWriteBenchmark.write" -> sstRows.add(new SstRow("SstWriter: write + sync one file", keys,
                    valueBytes, entries, entries * (double) (KeyKind.of(keys).lengthBytes() + valueBytes) / score / 1e6,
                    "MB/s", alloc / entries));
            case "SstLookupBenchmark.lookup" -> sstRows.add(new SstRow("SstReader.lookup, present key", keys,
                    valueBytes, entries, score, "ns/op", alloc));
            case "SstLookupBenchmark.lookupAbsent" -> sstRows.add(new SstRow("SstReader.lookup, absent key", keys,
                    valueBytes, entries, score, "ns/op", alloc));
            default -> System.err.println("comparison: no table row for " + benchmark);
        }
    }

    /**
     * A single-shot benchmark's shots, in the order the fork ran them (no warm-up iteration: the first is the JVM's
     * first load or compaction): milliseconds and heap bytes allocated of the first, and the means of the others.
     */
    record Shots(double firstMillis, double firstBytes, double warmMillis, double warmBytes) {
        static Shots of(RunResult result) {
            List<Double> millis = new ArrayList<>();
            List<Double> bytes = new ArrayList<>();
            for (BenchmarkResult fork : result.getBenchmarkResults()) {
                for (IterationResult shot : fork.getIterationResults()) {
                    millis.add(shot.getPrimaryResult().getScore());
                    bytes.add(allocation(shot.getSecondaryResults()));
                }
            }
            if (millis.size() < 2) {
                throw new IllegalStateException(result.getParams().getBenchmark() + " ran " + millis.size()
                        + " shot(s): the first and at least one warm one are needed");
            }
            return new Shots(millis.getFirst(), bytes.getFirst(), mean(millis.subList(1, millis.size())),
                    mean(bytes.subList(1, bytes.size())));
        }

        private static double mean(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }
    }

    /**
     * The get rows name their store size: the quick run measures gets at its own size and at 1,000,000 entries,
     * where the stores outgrow the CPU cache (at 100,000 entries every store's working set fits in it).
     */
    private static String getOperation(int entries) {
        return String.format(Locale.ROOT, "%s (%,d entries)", GET, entries);
    }

    private static double allocation(RunResult result) {
        return allocation(result.getSecondaryResults());
    }

    private static double allocation(Map<String, ?> secondaries) {
        for (String label : secondaries.keySet()) {
            if (label.endsWith("gc.alloc.rate.norm")) {
                return ((Result<?>) secondaries.get(label)).getScore();
            }
        }
        return Double.NaN;
    }

    private void put(int order, String operation, String unit, String keys, int valueBytes, String store,
                     double opsPerSecond, double bytesPerOp) {
        Cell cell = cell(order, operation, unit, keys, valueBytes, store);
        cell.opsPerSecond = opsPerSecond;
        cell.bytesPerOp = bytesPerOp;
    }

    private Cell cell(int order, String operation, String unit, String keys, int valueBytes, String store) {
        String sortKey = String.format(Locale.ROOT, "%02d %s %s %08d", order, operation, keyOrder(keys), valueBytes);
        Row row = rows.computeIfAbsent(sortKey,
                k -> new Row(order, operation, unit, keys, valueBytes, new LinkedHashMap<>()));
        return row.cells().computeIfAbsent(store, s -> new Cell());
    }

    private static String keyOrder(String keys) {
        return KeyKind.of(keys).ordinal() + keys;
    }

    /** The tables as Markdown. */
    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| operation | keys | value | unit | TurboKV | RocksDB | LMDB | Chronicle Map | TurboKV/RocksDB"
                + " | TurboKV/LMDB | TurboKV/Chronicle | fastest | heap B/op T / R / L / C |\n");
        out.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (Row row : rows.values()) {
            Cell t = row.cells().get("turbokv");
            Cell r = row.cells().get("rocksdb");
            Cell l = row.cells().get("lmdb");
            Cell c = row.cells().get("chronicle");
            out.append(String.format(Locale.ROOT,
                    "| %s | %s | %d B | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s / %s |%n",
                    row.operation(), row.keys(), row.valueBytes(), row.unit(), ops(t), ops(r), ops(l), ops(c),
                    ratio(t, r), ratio(t, l), ratio(t, c), fastest(row), bytes(t), bytes(r), bytes(l), bytes(c)));
        }
        List<Row> sampled = rows.values().stream()
                .filter(row -> row.operation().startsWith(GET + " (") || row.operation().startsWith("range of "))
                .toList();
        if (!sampled.isEmpty()) {
            out.append("\nget and range latency (JMH SampleTime, one thread, ns):\n\n");
            out.append("| operation | keys | value | TurboKV p50 | TurboKV p99 | RocksDB p50 | RocksDB p99 | LMDB p50"
                    + " | LMDB p99 | Chronicle p50 | Chronicle p99 |\n");
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        }
        for (Row row : sampled) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %d B |", row.operation(), row.keys(),
                    row.valueBytes()));
            for (String store : Stores.NAMES) {
                Cell cell = row.cells().get(store);
                out.append(' ').append(nanos(cell == null ? Double.NaN : cell.p50Nanos)).append(" |");
                out.append(' ').append(nanos(cell == null ? Double.NaN : cell.p99Nanos)).append(" |");
            }
            out.append('\n');
        }
        if (!sstRows.isEmpty()) {
            out.append("\nSST level (issue 3), TurboKV only:\n\n");
            out.append("| what | keys | value | entries | result | heap B/op |\n|---|---|---:|---:|---:|---:|\n");
            for (SstRow row : sstRows) {
                out.append(String.format(Locale.ROOT, "| %s | %s | %d B | %,d | %s %s | %s |%n", row.what(),
                        row.keys(), row.valueBytes(), row.entries(), number(row.value()), row.unit(),
                        number(row.bytesPerOp())));
            }
        }
        out.append("\nRatios above 1 mean TurboKV is faster. Heap B/op is JMH's gc.alloc.rate.norm (writes, full"
                + " iteration and compaction: per entry); native memory a store allocates is not counted. Full"
                + " iteration: TurboKV and Chronicle Map scan in hash order, RocksDB and LMDB in key order. Full"
                + " compaction: LMDB and Chronicle Map update in place and have none (n/a).\n");
        return out.toString();
    }

    private static String fastest(Row row) {
        String best = "-";
        double bestOps = 0;
        int measured = 0;
        for (String store : Stores.NAMES) {
            Cell cell = row.cells().get(store);
            if (cell != null && !Double.isNaN(cell.opsPerSecond)) {
                measured++;
                if (cell.opsPerSecond > bestOps) {
                    bestOps = cell.opsPerSecond;
                    best = label(store);
                }
            }
        }
        return measured > 1 ? best : "-";
    }

    /** The display name of store {@code store}. */
    static String label(String store) {
        return switch (store) {
            case "turbokv" -> "TurboKV";
            case "rocksdb" -> "RocksDB";
            case "lmdb" -> "LMDB";
            case "chronicle" -> "Chronicle Map";
            default -> store;
        };
    }

    private static String ops(Cell cell) {
        if (cell != null && cell.notApplicable) {
            return "n/a";
        }
        return cell == null || Double.isNaN(cell.opsPerSecond) ? "-" : number(cell.opsPerSecond);
    }

    private static String bytes(Cell cell) {
        if (cell != null && cell.notApplicable) {
            return "n/a";
        }
        return cell == null || Double.isNaN(cell.bytesPerOp) ? "-" : number(cell.bytesPerOp);
    }

    private static String ratio(Cell turbo, Cell peer) {
        if (peer != null && peer.notApplicable) {
            return "n/a";
        }
        if (turbo == null || peer == null || Double.isNaN(turbo.opsPerSecond) || Double.isNaN(peer.opsPerSecond)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", turbo.opsPerSecond / peer.opsPerSecond);
    }

    private static String nanos(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.0f", value);
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
