/**
 * The {@code turbokv} command line ({@link io.turbokv.cli.TurboKvCli}), built with picocli and started by the
 * {@code turbokv} launcher script at the repository root.
 *
 * <p>Commands: {@code demo}, {@code load}, {@code get}, {@code put}, {@code delete}, {@code info}, {@code verify},
 * {@code compact}, {@code doctor}; each command is one class, errors become one stderr line in {@code Errors}.
 *
 * <p>May depend on the engine's public API, on the engine's file-format classes ({@code verify} and {@code info}
 * read files directly) and on {@code io.turbokv.ffm}; nothing depends on it.
 */
package io.turbokv.cli;
