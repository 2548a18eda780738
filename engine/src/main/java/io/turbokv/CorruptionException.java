package io.turbokv;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Bytes on disk are not what TurboKV wrote: a checksum mismatch, a length or offset that points outside its
 * file, an unknown type tag, a truncated file.
 *
 * <p>The message names what was wrong, the file and the offset, and gives the expected and the found value where
 * there are two, e.g. {@code block 17 crc mismatch: expected=0x1a2b3c4d found=0x00000000 (file=00000042.sst,
 * offset=81920)}. The file and the offset are also fields. TurboKV never returns bytes it could not verify, and a
 * corrupt length never reaches memory access unchecked: this exception, not an {@code IndexOutOfBoundsException}
 * or a JVM crash, is what damage looks like.
 */
public final class CorruptionException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The offset value used when the damage is not at one place in the file (e.g. a wrong file length). */
    public static final long NO_OFFSET = -1;

    private final transient Path file;
    /** The byte offset of the damage in the file, or {@link #NO_OFFSET}; serialized with the message. */
    private final long offset;

    /**
     * Reports damage at {@code offset} of {@code file}; the message names both.
     *
     * @param what   what is wrong, e.g. {@code block 17 crc mismatch: expected=0x1a2b found=0x0}
     * @param file   the damaged file
     * @param offset the byte offset of the damage in that file, or {@link #NO_OFFSET}
     */
    public CorruptionException(String what, Path file, long offset) {
        super(format(what, file, offset));
        this.file = file;
        this.offset = offset;
    }

    /**
     * As {@link #CorruptionException(String, Path, long)}, with the failure that revealed the damage.
     *
     * @param what   what is wrong, e.g. {@code block 17 crc mismatch: expected=0x1a2b found=0x0}
     * @param file   the damaged file
     * @param offset the byte offset of the damage in that file, or {@link #NO_OFFSET}
     * @param cause  the failure that revealed the damage, such as a decompressor's exception
     */
    public CorruptionException(String what, Path file, long offset, Throwable cause) {
        super(format(what, file, offset), cause);
        this.file = file;
        this.offset = offset;
    }

    private static String format(String what, Path file, long offset) {
        String name = file == null ? "?" : String.valueOf(file.getFileName());
        return offset == NO_OFFSET
                ? String.format(Locale.ROOT, "%s (file=%s)", what, name)
                : String.format(Locale.ROOT, "%s (file=%s, offset=%d)", what, name, offset);
    }

    /** {@return the damaged file} */
    public Path file() {
        return file;
    }

    /** {@return the offset of the damage in {@link #file()}, or {@link #NO_OFFSET}} */
    public long offset() {
        return offset;
    }
}
