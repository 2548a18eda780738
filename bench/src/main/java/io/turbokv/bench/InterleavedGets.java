package io.turbokv.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Random point reads on several populated stores in one JVM, round by round in turn, so that the load of a shared
 * machine falls on all of them alike (sequential JMH runs of one store after another drift by tens of percent
 * there). Each round reads {@code reads} random keys (present, or absent with {@code absent = 1}) from each store
 * and records every read's wall time and the round's thread CPU time; with {@code absent = batch} it reads the
 * present keys {@value #BATCH} at a time through {@link KvStore#batchGet} and records each batch's wall time
 * divided by {@value #BATCH} (per key, as {@code GetBenchmark.batchGet} scores). After two warm-up rounds, it prints per
 * store the median over the rounds of the per-round p50 and p99, of the CPU time per read, and of the minor page
 * faults per read (the thread's, from {@code /proc}: first touches of mapped pages; n/a without it). The stores are the
 * ones {@link Stores#populated} keeps under the bench directory (shared with the JMH benchmarks), loaded first
 * when missing. A store written {@code NAME@DIR} is the one kept under bench directory {@code DIR} instead: two
 * builds of the same store (say, written by two versions of the engine, whose readers agree) then read in one JVM,
 * round by round, beside the same peers.
 *
 * <pre>
 * InterleavedGets BENCH-DIR KEYS VALUE-BYTES ENTRIES ROUNDS READS ABSENT|batch STORE[@DIR]...
 * e.g. InterleavedGets bench/target/bench-data bytes16 100 1000000 5 300000 0 turbokv lmdb chronicle
 * </pre>
 * Chronicle Map needs {@link Comparison#CHRONICLE_FLAGS} on the command line, LMDB {@link Comparison#PEER_FLAGS}.
 */
public final class InterleavedGets {
    private static final int WARM_UP_ROUNDS = 2;
    /** Keys per {@link KvStore#batchGet} call in the {@code batch} mode, as in {@link GetBenchmark#BATCH}. */
    private static final int BATCH = GetBenchmark.BATCH;

    private InterleavedGets() {}

    /** Runs the reads; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 8) {
            System.err.println("usage: InterleavedGets BENCH-DIR KEYS VALUE-BYTES ENTRIES ROUNDS READS ABSENT|batch"
                    + " STORE[@DIR]...");
            System.exit(2);
        }
        String benchDir = Path.of(args[0]).toAbsolutePath().toString();
        KeyKind keys = KeyKind.of(args[1]);
        int entries = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        int reads = Integer.parseInt(args[5]);
        boolean absent = args[6].equals("1");
        boolean batched = args[6].equals("batch");
        String[] names = Arrays.copyOfRange(args, 7, args.length);
        Dataset data = new Dataset(keys, entries, Integer.parseInt(args[2]));
        Blackhole blackhole = Sinks.blackhole();
        KvStore[] stores = new KvStore[names.length];
        for (int s = 0; s < names.length; s++) {
            int at = names[s].indexOf('@');
            String name = at < 0 ? names[s] : names[s].substring(0, at);
            // Stores.populated reads its directory from this property: one store's may differ from the next's.
            System.setProperty("turbokv.bench.dir",
                    at < 0 ? benchDir : Path.of(names[s].substring(at + 1)).toAbsolutePath().toString());
            stores[s] = Stores.open(name, Stores.storeDir(Stores.populated(name, data, false)), data, false);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] latencies = new long[reads];
        long[] batch = new long[BATCH];
        double[][] cpu = new double[names.length][rounds];
        long[][] p50 = new long[names.length][rounds];
        long[][] p99 = new long[names.length][rounds];
        double[][] faults = new double[names.length][rounds];
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            for (int s = 0; s < names.length; s++) {
                RandomIndex random = new RandomIndex(1 + round * 31L + s);
                KvStore store = stores[s];
                long faultsStart = threadMinorFaults();
                long cpuStart = threads.getCurrentThreadCpuTime();
                int timed = batched ? reads / BATCH : reads;
                for (int i = 0; i < timed; i++) {
                    if (batched) {
                        for (int k = 0; k < BATCH; k++) {
                            batch[k] = random.next(entries);
                        }
                        long start = System.nanoTime();
                        store.batchGet(batch, blackhole);
                        latencies[i] = (System.nanoTime() - start) / BATCH;
                    } else {
                        long index = random.next(entries) + (absent ? (long) entries : 0);
                        long start = System.nanoTime();
                        store.get(index, blackhole);
                        latencies[i] = System.nanoTime() - start;
                    }
                }
                long cpuEnd = threads.getCurrentThreadCpuTime();
                long faultsEnd = threadMinorFaults();
                if (round >= 0) {
                    Arrays.sort(latencies, 0, timed);
                    cpu[s][round] = (cpuEnd - cpuStart) / (double) (timed * (batched ? BATCH : 1));
                    p50[s][round] = latencies[timed / 2];
                    p99[s][round] = latencies[(int) (timed * 0.99)];
                    faults[s][round] = faultsStart < 0 // no /proc: not counted, which 0.0000 would misreport
                            ? Double.NaN
                            : (faultsEnd - faultsStart) / (double) (timed * (batched ? BATCH : 1));
                }
            }
        }
        for (int s = 0; s < names.length; s++) {
            Arrays.sort(cpu[s]);
            Arrays.sort(p50[s]);
            Arrays.sort(p99[s]);
            Arrays.sort(faults[s]);
            System.out.printf(Locale.ROOT,
                    "%-40s p50 %6d ns  p99 %7d ns  cpu/read %6.0f ns  minor faults/read %s  (medians of %d rounds)%n",
                    names[s], p50[s][rounds / 2], p99[s][rounds / 2], cpu[s][rounds / 2],
                    Double.isNaN(faults[s][rounds / 2])
                            ? "n/a"
                            : String.format(Locale.ROOT, "%.4f", faults[s][rounds / 2]),
                    rounds);
        }
        for (KvStore store : stores) {
            store.close();
        }
        data.close();
    }

    /**
     * The calling thread's minor page faults so far ({@code minflt}, the 10th field of
     * {@code /proc/thread-self/stat}): a first touch of a mapped page that is in the page cache costs one, which
     * is what a store's reads pay on pages their process has not touched yet. -1 where the file does not exist.
     */
    private static long threadMinorFaults() throws java.io.IOException {
        Path stat = Path.of("/proc/thread-self/stat");
        if (!java.nio.file.Files.isReadable(stat)) {
            return -1;
        }
        String line = java.nio.file.Files.readString(stat);
        // the command name may hold spaces and parentheses: the fields after it start past the last ')'
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]);
    }
}
