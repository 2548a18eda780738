package io.turbokv.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The store's human-readable, append-only {@code LOG}: one record per commit and
 * compaction. It is never read back, so a failure to write it is reported to the caller as a warning only.
 */
public final class StoreLog {
    private final Path path;

    /**
     * The log of the store in {@code directory}.
     *
     * @param directory the store's directory, which holds the {@code LOG} file
     */
    public StoreLog(Path directory) {
        this.path = directory.resolve(StoreFileNames.LOG);
    }

    /**
     * Appends {@code record} (one or more lines).
     *
     * @param record the text to append, ending with a line break
     * @throws IOException when the append fails
     */
    public synchronized void append(String record) throws IOException {
        String text = record.endsWith("\n") ? record : record + "\n";
        Files.writeString(path, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * {@return the hash-range map of an SST as a 100-column line: column {@code i} covers 1/100 of the unsigned hash
     * space; {@code O} marks columns the range {@code [minHash, maxHash]} touches, {@code .} the others}
     *
     * @param minHash the smallest hash in the SST
     * @param maxHash the largest hash in the SST
     */
    public static String hashRangeMap(long minHash, long maxHash) {
        StringBuilder line = new StringBuilder(100);
        int first = column(minHash);
        int last = column(maxHash);
        for (int i = 0; i < 100; i++) {
            line.append(i >= first && i <= last ? 'O' : '.');
        }
        return line.toString();
    }

    private static int column(long hash) {
        // unsigned hash * 100 / 2^64
        return (int) Math.unsignedMultiplyHigh(hash, 100);
    }
}
