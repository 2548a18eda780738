package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code CURRENT} file: the commit point of the store. All integers are big-endian, in the frame of
 * {@link ControlFileFrame}:
 *
 * <pre>
 * offset size field
 * 0      4    magic 0x544B5643 ("TKVC")
 * 4      4    format version = 1
 * 8      4    last committed sequence number, u32
 * 12     4    CRC-32 of bytes [0, 12)
 * </pre>
 *
 * Every file whose sequence number is at most this value is committed and immutable; files above it are
 * leftovers of a write that never committed, which a writable open deletes. So a misread number is never
 * harmless: a lower one deletes committed files, a higher one serves leftovers. Hence the checksum, which the
 * 4-byte format of earlier builds lacked; such a file is reported as that format, never read as a number.
 *
 * <p>The file is replaced atomically ({@link AtomicFileReplace}, through the dot-file {@code .CURRENT.tmp}), so a
 * crash at any point leaves either the old or the new number, never a torn one.
 */
public final class CurrentFile {
    static final int MAGIC = 0x544B_5643;
    static final int FORMAT_VERSION = 1;
    static final long SEQ_OFFSET = 8;
    /** Length of the file in bytes. */
    public static final int LENGTH = 16;
    /** Length of a {@code CURRENT} of earlier builds: the bare number, without magic or checksum. */
    static final int PRE_CHECKSUM_LENGTH = 4;
    /** Reads stop here: a longer file is damage, not something to load into memory. */
    private static final long MAX_LENGTH = 4096;
    private static final String KIND = "CURRENT";

    private CurrentFile() {}

    /**
     * Reads the committed sequence number.
     *
     * @param directory the store's directory
     * @return the committed sequence number
     * @throws java.nio.file.NoSuchFileException              when the store has no {@code CURRENT}
     * @throws CorruptionException                            when the file is damaged (the message names
     *                                                        {@code CURRENT}, the offset, and the expected and
     *                                                        found values), or is in the format of earlier builds
     * @throws io.turbokv.UnsupportedFormatVersionException when it is intact but of another format version
     */
    public static int read(Path directory) throws IOException {
        Path path = directory.resolve(StoreFileNames.CURRENT);
        MemorySegment bytes = ControlFileFrame.read(path, KIND, MAX_LENGTH);
        if (bytes.byteSize() == PRE_CHECKSUM_LENGTH && bytes.get(Bytes.BE_INT, 0) != MAGIC) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "CURRENT is %d bytes without a magic: the unchecksummed format of earlier builds (a bare number,"
                            + " here %d) or damage; this build reads only CURRENT format version %d (%d bytes) and"
                            + " never guesses the commit point",
                    PRE_CHECKSUM_LENGTH,
                    Integer.toUnsignedLong(bytes.get(Bytes.BE_INT, 0)), FORMAT_VERSION, LENGTH), path, 0);
        }
        ControlFileFrame.verify(path, bytes, KIND, MAGIC, FORMAT_VERSION);
        if (bytes.byteSize() != LENGTH) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "CURRENT has the wrong length: expected=%d found=%d", LENGTH, bytes.byteSize()), path,
                    CorruptionException.NO_OFFSET);
        }
        return bytes.get(Bytes.BE_INT, SEQ_OFFSET);
    }

    /**
     * Atomically replaces {@code CURRENT} with {@code seq}, durably (see the class comment).
     *
     * @param files     the file operations
     * @param directory the store's directory
     * @param seq       the sequence number to commit
     * @throws IOException when writing, syncing or renaming fails; {@code CURRENT} then still names the previous commit
     */
    public static void write(FileLayer files, Path directory, int seq) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = ControlFileFrame.allocate(arena, MAGIC, FORMAT_VERSION,
                    LENGTH - ControlFileFrame.MIN_LENGTH);
            bytes.set(Bytes.BE_INT, SEQ_OFFSET, seq);
            ControlFileFrame.seal(bytes);
            AtomicFileReplace.replace(files, directory, StoreFileNames.CURRENT, bytes);
        }
    }
}
