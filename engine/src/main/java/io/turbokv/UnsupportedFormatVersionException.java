package io.turbokv;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A store file is intact but written in a format version this build cannot read: its magic says what the file is
 * and its checksum holds, but a newer TurboKV wrote it, or an older one in a format this build no longer reads.
 *
 * <p>Not a {@link CorruptionException}: the bytes are what their writer meant, so nothing may treat the file as
 * damage to repair, roll back or delete. The message names the file and gives the expected and the found version,
 * e.g. {@code unsupported format version: expected=1 found=2; another TurboKV wrote this file and this build
 * cannot read it (file=CURRENT)}; the file and the versions are also fields.
 */
public final class UnsupportedFormatVersionException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The format version the file holds; serialized with the message. */
    private final long foundVersion;
    /** The format versions of that kind of file this build reads; serialized with the message. */
    private final long[] supportedVersions;

    /**
     * Reports that {@code file} holds {@code foundVersion}, which this build cannot read.
     *
     * @param file              the file whose version this build cannot read
     * @param foundVersion      the format version the file holds (an unsigned value)
     * @param supportedVersions the format versions of that kind of file this build reads, at least one
     */
    public UnsupportedFormatVersionException(Path file, long foundVersion, List<Long> supportedVersions) {
        super(format(file, foundVersion, supportedVersions));
        this.file = file;
        this.foundVersion = foundVersion;
        this.supportedVersions = supportedVersions.stream().mapToLong(Long::longValue).toArray();
    }

    private static String format(Path file, long found, List<Long> supported) {
        String name = file == null ? "?" : String.valueOf(file.getFileName());
        String expected = supported.size() == 1 ? String.valueOf(supported.getFirst()) : "one of " + supported;
        return String.format(Locale.ROOT,
                "unsupported format version: expected=%s found=%d; another TurboKV wrote this file and this build"
                        + " cannot read it (file=%s)",
                expected, found, name);
    }

    /** {@return the file whose version this build cannot read} */
    public Path file() {
        return file;
    }

    /** {@return the format version the file holds} */
    public long foundVersion() {
        return foundVersion;
    }

    /** {@return the format versions of that kind of file this build reads} */
    public List<Long> supportedVersions() {
        return Arrays.stream(supportedVersions).boxed().toList();
    }
}
