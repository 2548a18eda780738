package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code CURRENT} file: the commit point of the store.
 *
 * <pre>
 * offset size field
 * 0      4    last committed sequence number, u32 big-endian
 * </pre>
 *
 * Every file whose sequence number is at most this value is committed and immutable; files above it are
 * leftovers of a write that never committed. The file is replaced atomically: written to the dot-file
 * {@code .CURRENT.tmp}, synced, renamed over {@code CURRENT}, then the directory is synced, so a crash at any point
 * leaves either the old or the new number, never a torn one.
 */
public final class CurrentFile {
    /** Length of the file in bytes. */
    public static final int LENGTH = 4;
    private static final String TEMP_NAME = ".CURRENT.tmp";

    private CurrentFile() {}

    /**
     * Reads the committed sequence number.
     *
     * @throws java.nio.file.NoSuchFileException when the store has no {@code CURRENT}
     * @throws CorruptionException               when the file is not exactly 4 bytes long
     */
    public static int read(Path directory) throws IOException {
        Path path = directory.resolve(StoreFileNames.CURRENT);
        byte[] bytes = Files.readAllBytes(path);
        if (bytes.length != LENGTH) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "CURRENT has the wrong length: expected=%d found=%d", LENGTH, bytes.length),
                    path, CorruptionException.NO_OFFSET);
        }
        return MemorySegment.ofArray(bytes).get(Bytes.BE_INT, 0);
    }

    /** Atomically replaces {@code CURRENT} with {@code seq}, durably (see the class comment). */
    public static void write(FileLayer files, Path directory, int seq) throws IOException {
        Path temp = directory.resolve(TEMP_NAME);
        files.delete(temp);
        try (Arena arena = Arena.ofConfined(); WritableFile file = files.create(temp)) {
            MemorySegment bytes = arena.allocate(LENGTH);
            bytes.set(Bytes.BE_INT, 0, seq);
            file.write(bytes);
            file.sync();
        }
        files.rename(temp, directory.resolve(StoreFileNames.CURRENT));
        files.syncDirectory(directory);
    }
}
