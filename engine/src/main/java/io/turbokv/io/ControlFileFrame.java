package io.turbokv.io;

import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The frame shared by the store's small control files, {@code CURRENT}, {@code .del} and {@code SCHEMA}; each
 * owner documents its whole layout. All integers are big-endian:
 *
 * <pre>
 * offset size field
 * 0      4    magic, one per kind of file
 * 4      4    format version (u32)
 * 8      n    body, laid out as the owner's format version says
 * 8 + n  4    CRC-32 of bytes [0, 8 + n)
 * </pre>
 *
 * <p>Every format version keeps the frame, so a file of another version is told apart from a damaged one: a wrong
 * magic, a short file or a checksum mismatch is a {@link CorruptionException}; an intact file of another version
 * is an {@link UnsupportedFormatVersionException}. Nothing of the body is believed before the checksum holds, so
 * one flipped bit anywhere is reported, never read as another value (CRC-32 detects every single-bit error and
 * every burst of up to 32 bits).
 */
final class ControlFileFrame {
    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 4;
    /** Where the body starts. */
    static final long HEADER_SIZE = 8;
    static final long TRAILER_SIZE = 4;
    /** A frame with an empty body. */
    static final long MIN_LENGTH = HEADER_SIZE + TRAILER_SIZE;

    private ControlFileFrame() {}

    /**
     * A new frame of {@code bodyLength} zero bytes after the magic and the version; the caller fills the body and
     * then {@link #seal seals} it.
     */
    static MemorySegment allocate(Arena arena, int magic, int version, long bodyLength) {
        MemorySegment bytes = arena.allocate(HEADER_SIZE + bodyLength + TRAILER_SIZE);
        bytes.set(Bytes.BE_INT, MAGIC_OFFSET, magic);
        bytes.set(Bytes.BE_INT, VERSION_OFFSET, version);
        return bytes;
    }

    /** Sets the CRC-32 trailer of {@code frame} over every byte before it. */
    static void seal(MemorySegment frame) {
        long trailer = frame.byteSize() - TRAILER_SIZE;
        frame.set(Bytes.BE_INT, trailer, Crc32.of(frame.asSlice(0, trailer)));
    }

    /**
     * Reads {@code path} whole.
     *
     * @param kind      what the file is, for the messages: {@code CURRENT}, {@code .del file}, {@code SCHEMA}
     * @param maxLength the longest file accepted, so that garbage is not read into memory whole
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     * @throws CorruptionException               when it is longer than {@code maxLength}
     */
    static MemorySegment read(Path path, String kind, long maxLength) throws IOException {
        long size = Files.size(path);
        if (size > maxLength) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "%s too long: expected<=%d bytes found=%d", kind, maxLength, size), path, maxLength);
        }
        return MemorySegment.ofArray(Files.readAllBytes(path));
    }

    /**
     * Verifies the frame of {@code bytes}, the contents of {@code path}: length, magic, checksum, then version, in
     * that order. The body is at {@link #HEADER_SIZE}; the trailer is the last 4 bytes.
     *
     * @param kind what the file is, for the messages: {@code CURRENT}, {@code .del file}, {@code SCHEMA}
     * @throws CorruptionException               when the file is shorter than a frame, its magic is not
     *                                           {@code magic} or its checksum does not hold
     * @throws UnsupportedFormatVersionException when it is intact but its version is not {@code version}
     */
    static void verify(Path path, MemorySegment bytes, String kind, int magic, int version) throws IOException {
        long length = bytes.byteSize();
        if (length < MIN_LENGTH) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "%s truncated: expected>=%d bytes found=%d", kind, MIN_LENGTH, length), path, length);
        }
        int foundMagic = bytes.get(Bytes.BE_INT, MAGIC_OFFSET);
        if (foundMagic != magic) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "%s magic mismatch: expected=0x%08x found=0x%08x", kind, magic, foundMagic), path,
                    MAGIC_OFFSET);
        }
        long trailer = length - TRAILER_SIZE;
        int expectedCrc = bytes.get(Bytes.BE_INT, trailer);
        int foundCrc = Crc32.of(bytes.asSlice(0, trailer));
        int foundVersion = bytes.get(Bytes.BE_INT, VERSION_OFFSET);
        if (foundCrc != expectedCrc) {
            String versionNote = foundVersion == version ? ""
                    : String.format(Locale.ROOT, " (format version field found=%d, this build reads %d)",
                            Integer.toUnsignedLong(foundVersion), version);
            throw new CorruptionException(String.format(Locale.ROOT,
                    "%s crc mismatch: expected=0x%08x found=0x%08x%s", kind, expectedCrc, foundCrc, versionNote),
                    path, trailer);
        }
        if (foundVersion != version) {
            throw new UnsupportedFormatVersionException(path, Integer.toUnsignedLong(foundVersion),
                    List.of((long) version));
        }
    }
}
