/**
 * JMH benchmarks of TurboKV and the same-run comparison with RocksDB (rocksdbjni), LMDB (lmdbjava) and Chronicle Map
 * (chronicle-map); {@link io.turbokv.bench.TurboPersistenceShapes} runs the shapes of turbo-persistence's own
 * benchmark suite on TurboKV alone ({@code bench/run-shapes}).
 *
 * <h2>Workloads</h2>
 * They follow the public lmdbjava benchmarks: {@code entries} keys (1,000,000 by default), 4-byte big-endian int
 * keys written in order ({@code int-seq}) or in a shuffled order ({@code int-rnd}), or 16-byte pseudo-random keys
 * ({@code bytes16}); values of 100 bytes or 2 KiB cut from a pool of incompressible random bytes. Every store gets
 * the same keys and values ({@link io.turbokv.bench.Dataset}). Reads touch the value (its length and its first and
 * last byte go to the {@link org.openjdk.jmh.infra.Blackhole}), so a store cannot win by only locating it.
 *
 * <h2>Stores</h2>
 * {@link io.turbokv.bench.KvStore} hides the four stores behind the operations measured; each implementation
 * states its configuration and why. Populated stores are built once per run under {@code -Dturbokv.bench.dir}
 * (a store directory per store and data set, finished by a {@code COMPLETE} marker) and shared by the read
 * benchmarks of later forks.
 *
 * <h2>Running</h2>
 * {@code bench/run-comparison} (also started by {@code turbokv bench}) runs {@link io.turbokv.bench.Comparison}: the
 * JMH forks run on the same JDK with the lines of {@code jdk-flags.txt} plus the flags only a peer needs (Chronicle
 * Map's in forks of their own), and the results land in {@code bench/results/}. {@code bench/run-jvm-flags} runs
 * {@link io.turbokv.bench.JvmFlagComparison}: TurboKV alone under candidate heap and GC flags, which is how
 * {@code jdk-flags.txt} was decided. The scripts run the module's shaded {@code bench/target/turbokv-bench.jar}.
 *
 * <p>Depends on the engine's public API (plus {@code io.turbokv.sst}, {@code io.turbokv.io} and
 * {@code io.turbokv.cache} for the SST-level and block-cache benchmarks), JMH, the peers (rocksdbjni, lmdbjava,
 * chronicle-map) and JFreeChart; never on {@code io.turbokv.cli}. Nothing depends on it.
 */
package io.turbokv.bench;
