/**
 * The {@code turbokv} command line ({@link io.turbokv.cli.TurboKvCli}), built with picocli and started by the
 * {@code turbokv} launcher script at the repository root from the shaded {@code cli/target/turbokv.jar}.
 *
 * <p>Commands: {@code demo}, {@code load}, {@code export}, {@code get}, {@code put}, {@code delete}, {@code batch},
 * {@code info}, {@code verify}, {@code compact}, {@code stats}, {@code checkpoint}, {@code salvage}, {@code doctor},
 * {@code bench}; each command is one class, errors become one stderr line in {@code Errors}. Entries travel in the
 * line formats of {@code RecordFormat} (TSV, hex, JSON Lines); {@code --json} outputs go through {@code Json}. {@code bench} runs the bench module's {@code bench/run-comparison} as a separate process,
 * so the benchmark peers, JMH and the chart library stay out of this module.
 *
 * <p>Depends on the engine's public API, on the engine's file-format classes ({@code verify} and {@code info} read
 * files directly), on {@code io.turbokv.ffm} and on picocli; never on {@code io.turbokv.bench}. Nothing depends on
 * it.
 */
package io.turbokv.cli;
