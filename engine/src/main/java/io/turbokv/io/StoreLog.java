package io.turbokv.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The store's human-readable, append-only {@code LOG}: one record per commit and compaction. It is never read back,
 * so a failure to write it is reported to the caller as a warning only.
 *
 * <p>Rotated by size: a record that would take the {@code LOG} past its limit first renames it to {@code LOG.old}
 * (replacing the one before), so the two files together never hold more than twice the limit (plus one record
 * longer than the limit, which goes to a fresh {@code LOG} of its own). Both are written around the
 * {@link FileLayer} and never synced: they are for humans, and a crash may lose their tail.
 */
public final class StoreLog {
    private final Path path;
    private final Path previous;
    private final long maxBytes;
    /** The size of {@link #path}, read from the disk at the first append; -1 before. */
    private long size = -1;

    /**
     * The log of the store in {@code directory}.
     *
     * @param directory the store's directory, which holds the {@code LOG} file
     * @param maxBytes  the size past which the {@code LOG} is rotated, positive
     */
    public StoreLog(Path directory, long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("LOG size limit: " + maxBytes + " (expected: > 0)");
        }
        this.path = directory.resolve(StoreFileNames.LOG);
        this.previous = directory.resolve(StoreFileNames.LOG_OLD);
        this.maxBytes = maxBytes;
    }

    /**
     * Appends {@code record} (one or more lines), rotating the {@code LOG} first when it would grow past its limit.
     *
     * @param record the text to append, ending with a line break
     * @throws IOException when the rotation or the append fails
     */
    public synchronized void append(String record) throws IOException {
        byte[] text = (record.endsWith("\n") ? record : record + "\n").getBytes(StandardCharsets.UTF_8);
        if (size < 0) {
            size = currentSize();
        }
        if (size > 0 && size + text.length > maxBytes) {
            Files.move(path, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            size = 0;
        }
        try {
            Files.write(path, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            size += text.length;
        } catch (IOException e) {
            size = -1; // what reached the file is unknown: read its size again next time
            throw e;
        }
    }

    private long currentSize() throws IOException {
        try {
            return Files.size(path);
        } catch (NoSuchFileException e) {
            return 0;
        }
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
