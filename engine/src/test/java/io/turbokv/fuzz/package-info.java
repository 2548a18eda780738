/**
 * Coverage-guided fuzz tests of every TurboKV file reader, with Jazzer: SST, meta, blob, {@code .del},
 * {@code CURRENT} and {@code SCHEMA} (issue #9, point 3).
 *
 * <p>Every target states one property: whatever bytes a file holds, reading it either succeeds or throws
 * {@link io.turbokv.CorruptionException} (or another {@link java.io.IOException}); it never throws anything else,
 * never hangs, never crashes the JVM, and where the test knows what was written, a successful read returns exactly
 * that. Two kinds of input: the fuzzer's bytes taken as a whole file (some targets first fix up the checksums, so
 * that the fuzzer reaches the parsing behind them), and edits the fuzzer applies to a valid file with known
 * contents.
 *
 * <p>In the default suite each target runs once per input of its committed corpus (Jazzer's regression mode,
 * {@code src/test/resources/io/turbokv/fuzz/<Class>Inputs/<method>/}). The {@code fuzz} Maven profile sets
 * {@code JAZZER_FUZZ=1} and fuzzes each target in a JVM of its own for a bounded time; Jazzer then keeps the
 * inputs that found new coverage in {@code engine/.cifuzz-corpus} and writes a failing input to the inputs
 * directory of its target, where the default suite replays it. {@link io.turbokv.fuzz.SeedCorpusWriter}
 * regenerates the valid seed files.
 *
 * <p>Test code only; it reads the engine through its public API, like the store does.
 */
package io.turbokv.fuzz;
