package io.turbokv.cli;

/**
 * A failure the user can act on, reported as one line on stderr ({@code turbokv <command>: <message>}) with exit
 * code {@link TurboKvCli#EXIT_FAILURE}: a missing store, a key that is not there, a damaged file.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
