package io.turbokv.cli;

import io.turbokv.CorruptionException;
import io.turbokv.StoreLockedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.ReadOnlyFileSystemException;

/** Turns what a command threw into the one line the user sees. */
final class Errors {
    private Errors() {}

    /** The message for {@code failure}, without the {@code turbokv <command>: } prefix. */
    static String describe(Throwable failure) {
        Throwable e = failure instanceof UncheckedIOException unchecked ? unchecked.getCause() : failure;
        return switch (e) {
            case CliException cli -> cli.getMessage();
            case StoreLockedException locked -> locked.getMessage();
            case CorruptionException corrupt -> "damaged store file: " + corrupt.getMessage();
            case AccessDeniedException denied -> "permission denied: " + denied.getFile()
                    + " (the store is read-only for this user: read commands such as get, info and verify still"
                    + " work)";
            case NoSuchFileException missing -> "no such file: " + missing.getFile()
                    + (missing.getReason() == null ? "" : " (" + missing.getReason() + ")");
            case FileSystemException fs when fs.getReason() != null && fs.getReason().contains("Read-only") ->
                    "read-only file system: " + fs.getFile() + " (read commands such as get, info and verify"
                            + " still work)";
            case ReadOnlyFileSystemException readOnly -> "read-only file system: write commands cannot run here";
            case CharacterCodingException coding -> "input is not valid UTF-8 (use --hex for binary keys and values)";
            case IOException io -> io.getMessage() == null ? io.toString() : io.getMessage();
            case RuntimeException runtime when runtime.getMessage() != null
                    && (runtime instanceof IllegalArgumentException || runtime instanceof IllegalStateException
                            || runtime instanceof UnsupportedOperationException) ->
                    runtime.getMessage();
            default -> "internal error: " + e; // a bug: say what it was
        };
    }
}
