package io.turbokv.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Full scans in key order ({@link OrderedReads#scanInKeyOrder}) of several populated stores in one JVM, one scan
 * of each in turn per round, so that the load of a shared machine falls on all of them alike (the iterations of a
 * {@code RangeBenchmark.scanAll} run spread by 2x and more there, and sequential runs of one store after another
 * drift further apart). Records each scan's wall time and the thread's CPU time; after two warm-up rounds, prints
 * per store the median and the minimum of both over the rounds. The stores are the ones {@link Stores#populated}
 * keeps under the bench directory (shared with the JMH benchmarks), loaded first when missing.
 *
 * <pre>
 * InterleavedScans BENCH-DIR KEYS VALUE-BYTES ENTRIES ROUNDS STORE...
 * e.g. InterleavedScans bench/target/bench-data bytes16 100 1000000 9 turbokv-ordered lmdb rocksdb
 * </pre>
 * LMDB and RocksDB need {@link Comparison#PEER_FLAGS} on the command line.
 */
public final class InterleavedScans {
    private static final int WARM_UP_ROUNDS = 2;

    private InterleavedScans() {}

    /** Runs the scans; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: InterleavedScans BENCH-DIR KEYS VALUE-BYTES ENTRIES ROUNDS STORE...");
            System.exit(2);
        }
        System.setProperty("turbokv.bench.dir", Path.of(args[0]).toAbsolutePath().toString());
        int entries = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        String[] names = Arrays.copyOfRange(args, 5, args.length);
        Dataset data = new Dataset(KeyKind.of(args[1]), entries, Integer.parseInt(args[2]));
        Blackhole blackhole = Sinks.blackhole();
        OrderedReads[] stores = new OrderedReads[names.length];
        for (int s = 0; s < names.length; s++) {
            stores[s] = (OrderedReads) Stores.open(names[s], Stores.storeDir(Stores.populated(names[s], data, false)),
                    data, false);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] wall = new double[names.length][rounds];
        double[][] cpu = new double[names.length][rounds];
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            for (int s = 0; s < names.length; s++) {
                long cpuStart = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                long seen = stores[s].scanInKeyOrder(blackhole);
                long elapsed = System.nanoTime() - start;
                long cpuElapsed = threads.getCurrentThreadCpuTime() - cpuStart;
                if (seen != entries) {
                    throw new IllegalStateException(names[s] + ": a scan saw " + seen + " entries, expected "
                            + entries);
                }
                if (round >= 0) {
                    wall[s][round] = elapsed / 1e6;
                    cpu[s][round] = cpuElapsed / 1e6;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s, %d entries, %s-byte values, %d rounds (ms per scan)%n", args[1], entries,
                args[2], rounds);
        System.out.println("| store | wall median | wall min | CPU median | CPU min |");
        System.out.println("|---|---|---|---|---|");
        for (int s = 0; s < names.length; s++) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", names[s], median(wall[s]),
                    min(wall[s]), median(cpu[s]), min(cpu[s]));
            ((KvStore) stores[s]).close();
        }
        data.close();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }
}
