/**
 * The {@code turbokv} command line ({@link io.turbokv.cli.TurboKvCli}), built with picocli and started by the
 * {@code turbokv} launcher script at the repository root.
 *
 * <p>May depend on the engine's public API and on {@code io.turbokv.ffm}; nothing depends on it.
 */
package io.turbokv.cli;
