package io.turbokv.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Issue 7, point 4: which heap and GC flags help TurboKV. Runs TurboKV's write, get, iteration and full-compaction
 * benchmarks once per candidate flag set, in several rounds (the order of the sets rotates from round to round, so
 * that load drifting on a shared machine does not favour one set), and prints the median of each figure with its
 * ratio to the baseline: {@code jdk-flags.txt} without any heap or GC flag, i.e. the JVM's defaults (G1, heap a
 * quarter of RAM). The table also goes to {@code bench/results/jvm-flags.md}.
 *
 * <pre>
 * java &#64;jdk-flags.txt -cp bench/target/turbokv-bench.jar io.turbokv.bench.JvmFlagComparison [--entries N]
 *      [--rounds R] [--root DIR]
 * </pre>
 * {@code bench/run-jvm-flags} does this with the right JDK. A flag set only earns a line in {@code jdk-flags.txt}
 * when it beats the baseline by more than the spread of the rounds.
 */
public final class JvmFlagComparison {
    private record FlagSet(String label, List<String> flags) {}

    /** The candidates, baseline first. */
    private static final List<FlagSet> FLAG_SETS = List.of(
            new FlagSet("defaults (G1)", List.of()),
            new FlagSet("ParallelGC", List.of("-XX:+UseParallelGC")),
            new FlagSet("ZGC", List.of("-XX:+UseZGC")),
            new FlagSet("G1, Xms=Xmx=2g, AlwaysPreTouch", List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch")),
            new FlagSet("G1, compact object headers", List.of("-XX:+UseCompactObjectHeaders")));

    private static final String INCLUDE =
            "io\\.turbokv\\.bench\\.(WriteBenchmark\\.load|GetBenchmark\\.(get|getLatency)"
                    + "|IterateBenchmark\\.iterateAll|FullCompactionBenchmark\\.fullCompact)$";

    /** The figures, in table order: label, unit, whether larger is better. */
    private enum Figure {
        WRITE("write + durable commit", "entries/s", true),
        GET("get", "ops/s", true),
        GET_P50("get p50", "ns", false),
        GET_P99("get p99", "ns", false),
        GET_P999("get p99.9", "ns", false),
        ITERATE("full iteration", "entries/s", true),
        COMPACT("full compaction", "input entries/s", true),
        GC_TIME("GC time, all benchmarks", "ms", false);

        final String label;
        final String unit;
        final boolean higherIsBetter;

        Figure(String label, String unit, boolean higherIsBetter) {
            this.label = label;
            this.unit = unit;
            this.higherIsBetter = higherIsBetter;
        }
    }

    private JvmFlagComparison() {}

    /** Runs the comparison; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int entries = 300_000;
        int rounds = 3;
        Path root = Path.of(".");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--entries" -> entries = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--root" -> root = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: JvmFlagComparison [--entries N] [--rounds R] [--root DIR]");
                    System.exit(2);
                }
            }
        }
        root = root.toAbsolutePath().normalize();
        Path benchDir = root.resolve("bench/target/bench-data");
        Stores.deleteTree(benchDir);
        Files.createDirectories(benchDir);
        List<String> common = new ArrayList<>(Comparison.jdkFlags(root.resolve("jdk-flags.txt")));
        common.removeIf(JvmFlagComparison::isHeapOrGcFlag);
        common.add("-Djava.io.tmpdir=" + benchDir);
        common.add("-Dturbokv.bench.dir=" + benchDir);

        // samples[set][figure][round]
        double[][][] samples = new double[FLAG_SETS.size()][Figure.values().length][rounds];
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < FLAG_SETS.size(); k++) {
                int set = (k + round) % FLAG_SETS.size();
                List<String> jvmArgs = new ArrayList<>(common);
                jvmArgs.addAll(FLAG_SETS.get(set).flags());
                System.out.printf(Locale.ROOT, "%n=== round %d/%d: %s ===%n", round + 1, rounds,
                        FLAG_SETS.get(set).label());
                var options = new OptionsBuilder()
                        .include(INCLUDE)
                        .param("store", "turbokv")
                        .param("compactingStore", "turbokv")
                        .param("keys", "bytes16")
                        .param("valueBytes", "100")
                        .param("entries", Integer.toString(entries))
                        .forks(1)
                        .jvm(Path.of(System.getProperty("java.home"), "bin", "java").toString())
                        .jvmArgs(jvmArgs.toArray(String[]::new))
                        .addProfiler(GCProfiler.class)
                        .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                        .build();
                record(runWhenAlone(options), entries, samples[set], round);
            }
        }
        long minutes = Math.round((System.nanoTime() - start) / 60e9);
        String markdown = markdown(samples, entries, rounds, minutes, common);
        Path results = root.resolve("bench/results");
        Files.createDirectories(results);
        Files.writeString(results.resolve("jvm-flags.md"), markdown, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(markdown);
        System.out.println("Table: " + results.resolve("jvm-flags.md"));
        Stores.deleteTree(benchDir);
    }

    /**
     * Runs JMH once no other JMH run holds its lock: two runs at once on a small machine would measure each other.
     */
    private static Collection<RunResult> runWhenAlone(Options options) throws RunnerException, InterruptedException {
        while (true) {
            try {
                return new Runner(options).run();
            } catch (RunnerException e) {
                if (e.getMessage() == null || !e.getMessage().contains("JMH lock")) {
                    throw e;
                }
                System.out.println("jvm-flags: another JMH run holds the lock; retrying in 30 s");
                Thread.sleep(30_000);
            }
        }
    }

    /** Flags this comparison decides on: they must not leak from {@code jdk-flags.txt} into the baseline. */
    private static boolean isHeapOrGcFlag(String flag) {
        return flag.startsWith("-Xm") || flag.startsWith("-XX:+Use") || flag.startsWith("-XX:-Use")
                || flag.contains("PreTouch") || flag.contains("ObjectHeaders");
    }

    private static void record(Collection<RunResult> results, int entries, double[][] figures, int round) {
        double gcMillis = 0;
        for (RunResult result : results) {
            String benchmark = result.getParams().getBenchmark();
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            Result<?> primary = result.getPrimaryResult();
            double score = primary.getScore();
            switch (name) {
                case "WriteBenchmark.load" -> figures[Figure.WRITE.ordinal()][round] = entries / score;
                case "GetBenchmark.get" -> figures[Figure.GET.ordinal()][round] = score;
                case "GetBenchmark.getLatency" -> {
                    figures[Figure.GET_P50.ordinal()][round] = primary.getStatistics().getPercentile(50.0);
                    figures[Figure.GET_P99.ordinal()][round] = primary.getStatistics().getPercentile(99.0);
                    figures[Figure.GET_P999.ordinal()][round] = primary.getStatistics().getPercentile(99.9);
                }
                case "IterateBenchmark.iterateAll" -> figures[Figure.ITERATE.ordinal()][round] =
                        entries / (score / 1000.0);
                case "FullCompactionBenchmark.fullCompact" -> figures[Figure.COMPACT.ordinal()][round] =
                        entries / (score / 1000.0);
                default -> throw new IllegalStateException("no figure for " + benchmark);
            }
            gcMillis += secondary(result, "gc.time");
        }
        figures[Figure.GC_TIME.ordinal()][round] = gcMillis;
    }

    private static double secondary(RunResult result, String suffix) {
        Map<String, ?> secondaries = result.getSecondaryResults();
        for (String label : secondaries.keySet()) {
            if (label.endsWith(suffix)) {
                return ((Result<?>) secondaries.get(label)).getScore();
            }
        }
        return 0; // JMH leaves gc.time out when no collection ran
    }

    private static String markdown(double[][][] samples, int entries, int rounds, long minutes,
                                   List<String> common) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, """
                ## TurboKV under candidate heap and GC flags

                - date: %s; TurboKV alone, bytes16 keys, 100 B values, %,d entries; %d rounds (set order rotated
                  each round), median shown, (min-max) after it; about %d min; %d cores visible to the JVM
                - common fork flags: `%s`; each column adds its own
                - ratio: median / baseline median, where > 1.00 is better for every row (latencies and GC time
                  inverted)

                """, LocalDate.now(ZoneOffset.UTC), entries, rounds, minutes,
                Runtime.getRuntime().availableProcessors(),
                String.join(" ", common.stream().filter(a -> !a.startsWith("-Djava.io.tmpdir")
                        && !a.startsWith("-Dturbokv.bench.dir")).toList())));
        out.append("| figure |");
        for (FlagSet set : FLAG_SETS) {
            out.append(' ').append(set.label()).append(set.flags().isEmpty() ? "" : " `" + String.join(" ",
                    set.flags()) + "`").append(" |");
        }
        out.append("\n|---|").append("---|".repeat(FLAG_SETS.size())).append('\n');
        Map<Figure, Double> baseline = new LinkedHashMap<>();
        for (Figure figure : Figure.values()) {
            baseline.put(figure, median(samples[0][figure.ordinal()]));
        }
        for (Figure figure : Figure.values()) {
            out.append("| ").append(figure.label).append(" (").append(figure.unit).append(") |");
            for (int set = 0; set < FLAG_SETS.size(); set++) {
                double[] values = samples[set][figure.ordinal()];
                double median = median(values);
                double base = baseline.get(figure);
                double ratio = median == base ? 1.0 : figure.higherIsBetter ? median / base : base / median;
                out.append(String.format(Locale.ROOT, " %s (%s-%s)", number(median),
                        number(Arrays.stream(values).min().orElse(Double.NaN)),
                        number(Arrays.stream(values).max().orElse(Double.NaN))));
                if (set > 0) {
                    // a zero (JMH's GC profiler reports no GC time for ZGC, whose work is concurrent) has no ratio
                    out.append(median == 0 || base == 0 ? " n/a" : String.format(Locale.ROOT, " **%.2f×**", ratio));
                }
                out.append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
