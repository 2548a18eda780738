package io.turbokv.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The same-run comparison of TurboKV, RocksDB, LMDB and Chronicle Map: runs the JMH benchmarks of this package in
 * groups, with {@code -prof gc}, then prints a table of ops/s with the ratios of TurboKV to each peer, allocation
 * per operation and get latency percentiles, and writes the raw JMH JSON, the table (Markdown) and a PNG chart to
 * the results directory.
 *
 * <p>Usage (from the repository root; {@code bench/run-comparison} does this with the right JDK):
 * <pre>
 * java &#64;jdk-flags.txt -cp bench/target/turbokv-bench.jar io.turbokv.bench.Comparison [--full] [--entries N]
 *      [--only REGEX] [--keep-data] [--root DIR] [--results DIR]
 * </pre>
 * The quick run (default) uses 100,000 entries, short iterations and a subset of the key kinds for the reads, a
 * few minutes on 2 cores, plus a get row at 1,000,000 entries ({@code bytes16} keys), where the stores outgrow the
 * CPU cache; {@code --full} runs every benchmark at 1,000,000 entries with longer iterations. The
 * forks run on this JVM's {@code java.home} with the flags of {@code <root>/jdk-flags.txt} plus the flags only a
 * peer needs ({@link #PEER_FLAGS}; the Chronicle Map forks also get {@link #CHRONICLE_FLAGS}, in a second JMH run
 * of the same row right after the first). {@code --only} runs just the benchmarks matching a JMH include pattern, with
 * {@code bytes16} keys (for a rerun of one row). The populated stores under {@code bench/target/bench-data} are
 * deleted after each row (one key kind and value size) unless {@code --keep-data}: a full run would otherwise need
 * some 50 GB of disk. The single-shot benchmarks (loads, compactions) run in a JMH run of their own per row, with no
 * warm-up iteration and three shots (six with {@code --full}), so that the table gives the first shot of a fresh
 * JVM beside the warm ones.
 */
public final class Comparison {
    /**
     * Flags only a peer needs, given to the benchmark forks and never to users: lmdbjava's optimal buffer proxy
     * reaches into {@code java.nio} and {@code sun.nio.ch}; {@code lmdbjava.disable.checks} is what lmdbjava's own
     * benchmarks set.
     */
    public static final List<String> PEER_FLAGS = List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Dlmdbjava.disable.checks=true");
    /**
     * What Chronicle Map documents for Java 17+ (the {@code jvm.requiredArgs} of the {@code java17} profile of its
     * parent pom, {@code net.openhft:java-parent-pom}): chronicle-core and chronicle-bytes reach into JDK internals
     * for off-heap memory, cleaners and generated code. Only the Chronicle Map forks get them.
     */
    public static final List<String> CHRONICLE_FLAGS = List.of(
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.util=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED");
    /** The stores that run with the common flags; {@code chronicle} runs on its own with {@link #CHRONICLE_FLAGS}. */
    private static final String[] COMMON_STORES = {"turbokv", "rocksdb", "lmdb"};
    /** Benchmarks without a {@code store} parameter: TurboKV only, never in the Chronicle Map run. */
    private static final String TURBOKV_ONLY = "io\\.turbokv\\.bench\\.(TurboKvRead|Sst.*)Benchmark";
    /**
     * The SST-level rows: lookups and writes. Not {@code SstOptionsBenchmark}, which loads and compacts a store per
     * option set (some twenty minutes on its own) and has its own page, docs/perf/sst-options.md.
     */
    private static final String SST_ROWS = "io\\.turbokv\\.bench\\.Sst(Lookup|Write)Benchmark";
    /** Benchmarks of the stores that compact (TurboKV, RocksDB): never in the Chronicle Map run. */
    private static final String COMPACTING_ONLY = "io\\.turbokv\\.bench\\.FullCompactionBenchmark";
    /**
     * The single-shot benchmarks (a load, a compaction): run in a JMH run of their own with no warm-up iteration, so
     * that the table can give the first shot of a fresh JVM (JIT and class loading included) beside the warm ones.
     */
    private static final String SINGLE_SHOT = "io\\.turbokv\\.bench\\.(WriteBenchmark|FullCompactionBenchmark)";
    /** Excludes every benchmark that is not single-shot (JMH matches exclusions with {@code find}). */
    private static final String NOT_SINGLE_SHOT = "^(?!" + SINGLE_SHOT + ")";
    /** Shots per single-shot fork: the first, then the warm ones the table averages. */
    private static final int QUICK_SHOTS = 3;
    private static final int FULL_SHOTS = 6;

    /** Heap of every fork (the stores keep their data off-heap). */
    public static final String FORK_HEAP = "-Xmx2g";

    private static final String[] VALUE_SIZES = {"100", "2048"};
    /** A 1M-entry SST of 2 KiB values needs more than its 65,535 blocks: the SST rows use 100 B values only. */
    private static final String[] SST_VALUE_SIZES = {"100"};

    /** The stores of the ordered-read rows: TurboKV's key-ordered family as the load leaves it, and the peers. */
    private static final String[] ORDERED_STORES = {Stores.TURBOKV_ORDERED, "rocksdb", "lmdb"};

    /**
     * One JMH run per key kind and value size of a group; {@code stores} null for {@link #COMMON_STORES} plus
     * Chronicle Map's own run, else just these stores.
     */
    private record Group(String name, String include, String[] keys, int entries, String[] valueSizes,
                         String[] stores) {
        Group(String name, String include, String[] keys, int entries) {
            this(name, include, keys, entries, include.contains("Sst") ? SST_VALUE_SIZES : VALUE_SIZES, null);
        }
    }

    private Comparison() {}

    /** Runs the comparison; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        boolean full = false;
        Integer entriesArg = null;
        Path root = Path.of(".");
        Path results = null;
        String only = null;
        boolean keepData = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--full" -> full = true;
                case "--entries" -> entriesArg = Integer.parseInt(args[++i]);
                case "--root" -> root = Path.of(args[++i]);
                case "--results" -> results = Path.of(args[++i]);
                case "--only" -> only = args[++i];
                case "--keep-data" -> keepData = true;
                default -> {
                    System.err.println("usage: Comparison [--full] [--entries N] [--only REGEX] [--keep-data]"
                            + " [--root DIR] [--results DIR]");
                    System.exit(2);
                }
            }
        }
        root = root.toAbsolutePath().normalize();
        results = (results == null ? root.resolve("bench/results") : results).toAbsolutePath();
        Files.createDirectories(results);
        int entries = entriesArg != null ? entriesArg : full ? 1_000_000 : 100_000;
        Path benchDir = root.resolve("bench/target/bench-data");
        Stores.deleteTree(benchDir); // stores built by an older engine must not be reused
        Files.createDirectories(benchDir);

        List<String> jvmArgs = new ArrayList<>(jdkFlags(root.resolve("jdk-flags.txt")));
        jvmArgs.addAll(PEER_FLAGS);
        jvmArgs.add(FORK_HEAP);
        jvmArgs.add("-Djava.io.tmpdir=" + benchDir);
        jvmArgs.add("-Dturbokv.bench.dir=" + benchDir);

        String[] allKeys = {"int-seq", "int-rnd", "bytes16"};
        List<Group> groups = full
                ? List.of(new Group("all",
                        "io\\.turbokv\\.bench\\.(Write|Get|TurboKvRead|MultiGet|Open|Iterate|FullCompaction)Benchmark",
                        allKeys, entries),
                        new Group("sst", SST_ROWS, new String[] {"int-rnd", "bytes16"},
                                1_000_000))
                : List.of(new Group("write", "io\\.turbokv\\.bench\\.WriteBenchmark", allKeys, entries),
                        new Group("get", "io\\.turbokv\\.bench\\.GetBenchmark\\.(get|getLatency)$",
                                new String[] {"int-rnd", "bytes16"}, entries),
                        // the stores outgrow the CPU cache only here; at 100,000 entries every one fits in it
                        new Group("get-1M", "io\\.turbokv\\.bench\\.GetBenchmark\\.(get|getLatency)$",
                                new String[] {"bytes16"}, 1_000_000),
                        new Group("reads", "io\\.turbokv\\.bench\\.(GetBenchmark\\.(getAbsent|batchGet)"
                                + "|TurboKvReadBenchmark|MultiGetBenchmark|OpenBenchmark|IterateBenchmark"
                                + "|FullCompactionBenchmark)", new String[] {"bytes16"},
                                entries),
                        new Group("sst", SST_ROWS, new String[] {"bytes16"},
                                1_000_000),
                        // Chronicle Map has no key order: ranges and ordered scans of the other three
                        new Group("ordered-1M", "io\\.turbokv\\.bench\\.RangeBenchmark", new String[] {"bytes16"},
                                1_000_000, new String[] {"100"}, ORDERED_STORES));

        if (only != null) {
            groups = List.of(only.contains("RangeBenchmark")
                    ? new Group("only", only, new String[] {"bytes16"}, entries, new String[] {"100"}, ORDERED_STORES)
                    : new Group("only", only, new String[] {"bytes16"}, entries));
        }
        String mode = only != null ? "only" : full ? "full" : "quick";
        List<RunResult> all = new ArrayList<>();
        List<Path> jsonParts = new ArrayList<>();
        long start = System.nanoTime();
        double[] load = {Double.MAX_VALUE, 0};
        for (Group group : groups) {
            // One JMH run per (keys, value size): the three stores of a row run back to back, so that load from
            // other processes on a shared machine drifts as little as possible between them.
            for (String keys : group.keys) {
                for (String valueBytes : group.valueSizes) {
                    boolean sst = group.include.contains("Sst");
                    boolean withChronicle = !sst && group.stores == null;
                    for (boolean chronicle : withChronicle ? new boolean[] {false, true} : new boolean[] {false}) {
                        boolean matched = false;
                        for (boolean shots : new boolean[] {false, true}) {
                            Path json = benchDir.resolve(String.format(Locale.ROOT, "jmh-%s-%s-%s-%s%s%s.json",
                                    mode, group.name, keys, valueBytes, chronicle ? "-chronicle" : "",
                                    shots ? "-shots" : ""));
                            List<String> forkArgs = new ArrayList<>(jvmArgs);
                            if (chronicle) {
                                forkArgs.addAll(CHRONICLE_FLAGS);
                            }
                            ChainedOptionsBuilder options = new OptionsBuilder()
                                    .include(group.include)
                                    .param("keys", keys)
                                    .param("valueBytes", valueBytes)
                                    .param("entries", Integer.toString(group.entries))
                                    .forks(1)
                                    .jvm(Path.of(System.getProperty("java.home"), "bin", "java").toString())
                                    .jvmArgs(forkArgs.toArray(String[]::new))
                                    .addProfiler(GCProfiler.class)
                                    .resultFormat(ResultFormatType.JSON)
                                    .result(json.toString());
                            if (chronicle) {
                                options.exclude(TURBOKV_ONLY).exclude(COMPACTING_ONLY).param("store", "chronicle");
                            } else if (!sst) {
                                options.param("store", group.stores == null ? COMMON_STORES : group.stores);
                            }
                            if (shots) {
                                options.exclude(NOT_SINGLE_SHOT).warmupIterations(0)
                                        .measurementIterations(full ? FULL_SHOTS : QUICK_SHOTS);
                            } else if (full) {
                                options.exclude(SINGLE_SHOT).warmupIterations(3).warmupTime(TimeValue.seconds(2))
                                        .measurementIterations(5).measurementTime(TimeValue.seconds(2));
                            } else {
                                options.exclude(SINGLE_SHOT).warmupIterations(1).warmupTime(TimeValue.seconds(1))
                                        .measurementIterations(2).measurementTime(TimeValue.seconds(1));
                            }
                            sampleLoad(load);
                            try {
                                all.addAll(new Runner(options.build()).run());
                                jsonParts.add(json);
                                matched = true;
                            } catch (NoBenchmarksException e) {
                                // a group may hold only single-shot benchmarks or none: one half is often empty
                            }
                            sampleLoad(load);
                        }
                        if (!matched) {
                            // e.g. --only matched nothing Chronicle Map runs (only the compaction benchmark)
                            System.out.println("comparison: no benchmark matches " + group.include
                                    + (chronicle ? " in the Chronicle Map run" : ""));
                        }
                    }
                    if (!keepData) {
                        deleteStores(benchDir); // bounds the disk used to one row's stores (about 16 GB at 1M x 2 KiB)
                    }
                }
            }
        }
        long minutes = Math.round((System.nanoTime() - start) / 60e9);

        Path json = results.resolve("jmh-" + mode + ".json");
        mergeJson(jsonParts, json);
        ResultTable table = ResultTable.of(all);
        String header = header(mode, entries, minutes, jvmArgs, load);
        String markdown = header + table.markdown();
        Files.writeString(results.resolve("comparison-" + mode + ".md"), markdown, StandardCharsets.UTF_8);
        Path png = results.resolve("comparison-" + mode + ".png");
        ComparisonChart.write(table, png,
                "TurboKV vs RocksDB vs LMDB vs Chronicle Map (" + mode + ", " + entries + " entries)");
        System.out.println();
        System.out.println(markdown);
        System.out.println("Raw JMH results: " + json);
        System.out.println("Table: " + results.resolve("comparison-" + mode + ".md"));
        System.out.println("Chart: " + png);
        if (!keepData) {
            Stores.deleteTree(benchDir); // the populated stores take gigabytes at 1M entries
        } else {
            System.out.println("Stores kept in " + benchDir);
        }
    }

    /** The non-comment lines of {@code jdk-flags.txt}, each split at its first space ({@code --opt value}). */
    static List<String> jdkFlags(Path file) throws IOException {
        List<String> flags = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String flag = line.strip();
            if (!flag.isEmpty() && !flag.startsWith("#")) {
                flags.addAll(List.of(flag.split("\\s+")));
            }
        }
        return flags;
    }

    /** Concatenates the JSON arrays JMH wrote per group into one array. */
    private static void mergeJson(List<Path> parts, Path target) throws IOException {
        StringBuilder merged = new StringBuilder("[\n");
        boolean first = true;
        for (Path part : parts) {
            String text = Files.readString(part, StandardCharsets.UTF_8).strip();
            String inner = text.substring(1, text.length() - 1).strip();
            if (inner.isEmpty()) {
                continue;
            }
            if (!first) {
                merged.append(",\n");
            }
            merged.append(inner);
            first = false;
        }
        merged.append("\n]\n");
        Files.writeString(target, merged, StandardCharsets.UTF_8);
    }

    /** Deletes the store directories under {@code benchDir}, keeping the JMH result files. */
    private static void deleteStores(Path benchDir) throws IOException {
        try (var entries = Files.list(benchDir)) {
            for (Path entry : entries.filter(Files::isDirectory).toList()) {
                Stores.deleteTree(entry);
            }
        }
    }

    /** Widens {@code range} (min, max) by the current 1-minute load average; nothing where /proc is missing. */
    private static void sampleLoad(double[] range) {
        try {
            double now = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            range[0] = Math.min(range[0], now);
            range[1] = Math.max(range[1], now);
        } catch (IOException | RuntimeException e) {
            // not Linux: no load figure
        }
    }

    private static String header(String mode, int entries, long minutes, List<String> jvmArgs, double[] load) {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (IOException e) {
            // not Linux: keep "unknown CPU"
        }
        return String.format(Locale.ROOT, """
                ## TurboKV vs RocksDB vs LMDB vs Chronicle Map (%s run)

                - date: %s; %d entries per store (SST rows, if any: 1,000,000 unless --only); about %d min
                - machine: %s, %d cores visible to the JVM, %d GiB RAM (%s %s); 1-minute load average
                  between %.1f and %.1f while it ran (other processes share the machine: read the ratios, not the
                  absolute numbers, and rerun before trusting a small difference)
                - JDK: %s %s; fork flags: `%s`; the Chronicle Map forks also: `%s`
                - stores: TurboKV %s, rocksdbjni %s, lmdbjava %s, chronicle-map %s

                """, mode, LocalDate.now(ZoneOffset.UTC), entries, minutes, cpu,
                Runtime.getRuntime().availableProcessors(), totalMemoryGib(), System.getProperty("os.name"),
                System.getProperty("os.arch"), load[0] == Double.MAX_VALUE ? Double.NaN : load[0], load[1],
                System.getProperty("java.vm.name"), Runtime.version(),
                String.join(" ", jvmArgs.stream().filter(a -> !a.startsWith("-Djava.io.tmpdir")
                        && !a.startsWith("-Dturbokv.bench.dir")).toList()),
                String.join(" ", CHRONICLE_FLAGS),
                mavenVersion("io.turbokv", "turbokv-engine"), rocksDbVersion(),
                mavenVersion("org.lmdbjava", "lmdbjava"), mavenVersion("net.openhft", "chronicle-map"));
    }

    private static long totalMemoryGib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Math.round(Long.parseLong(line.replaceAll("\\D", "")) / (1024.0 * 1024.0));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    /** rocksdbjni's jar has no {@code pom.properties}: ask the native library. */
    private static String rocksDbVersion() {
        String version = mavenVersion("org.rocksdb", "rocksdbjni");
        if (!version.equals("?")) {
            return version;
        }
        org.rocksdb.RocksDB.loadLibrary();
        return org.rocksdb.RocksDB.rocksdbVersion().toString();
    }

    /** The version in the {@code pom.properties} Maven put in the jar (the shaded jar keeps them). */
    private static String mavenVersion(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (var in = Comparison.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "?";
            }
            java.util.Properties properties = new java.util.Properties();
            properties.load(in);
            return properties.getProperty("version", "?");
        } catch (IOException e) {
            return "?";
        }
    }
}
