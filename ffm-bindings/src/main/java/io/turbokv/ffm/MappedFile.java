package io.turbokv.ffm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only as one {@link MemorySegment}.
 *
 * <p>The mapping belongs to a shared {@link Arena} that this object alone owns: {@link #close()} unmaps it. After
 * that, any access through {@link #segment()} (or a slice of it) throws {@link IllegalStateException}; it never
 * reaches unmapped memory. Whoever opens a {@code MappedFile} closes it, and must first make sure no other thread
 * still reads it (TurboKV does so with version leases, see docs/ARCHITECTURE.md).
 *
 * <p>Files of any size map as one segment (a segment is addressed by {@code long}); a zero-length file maps as an
 * empty segment of the same arena. The path is kept for error messages.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /**
     * Maps {@code path} read-only, whole.
     *
     * @param path the file to map
     * @return the open mapping, which the caller closes
     * @throws java.nio.file.NoSuchFileException when the file does not exist (the message is its path)
     * @throws IOException                       when it cannot be opened or mapped
     */
    public static MappedFile openReadOnly(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        boolean success = false;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment segment = size == 0
                    ? arena.allocate(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            success = true;
            return new MappedFile(path, arena, segment);
        } finally {
            if (!success) {
                arena.close();
            }
        }
    }

    /** {@return the path of the mapped file} */
    public Path path() {
        return path;
    }

    /** {@return the whole file as one segment, valid until {@link #close()}} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the file's length in bytes at the time it was mapped} */
    public long byteSize() {
        return segment.byteSize();
    }

    /** {@return whether the mapping is still valid} */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /**
     * Advises the kernel about the whole file. See {@link #advise(long, long, Advice)}.
     *
     * @param advice what to tell the kernel about the file's pages
     * @throws IllegalStateException when the mapping is closed
     * @throws IOException           when {@code madvise} fails (the message names the file and the errno)
     */
    public void advise(Advice advice) throws IOException {
        advise(0, segment.byteSize(), advice);
    }

    /**
     * Advises the kernel about {@code [offset, offset + lengthBytes)} of this file, aligned down to a page.
     *
     * @param offset      the first byte of the range, from the start of the file
     * @param lengthBytes the length of the range in bytes
     * @param advice      what to tell the kernel about the range's pages
     * @throws IndexOutOfBoundsException when the range is not inside the file
     * @throws IllegalStateException     when the mapping is closed
     * @throws IOException               when {@code madvise} fails (the message names the file and the errno)
     */
    public void advise(long offset, long lengthBytes, Advice advice) throws IOException {
        MemorySegment range = segment.asSlice(offset, lengthBytes);
        if (!isOpen()) {
            throw new IllegalStateException("Already closed: " + this);
        }
        LibC.madvise(range.address(), lengthBytes, advice, path.toString());
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "MappedFile(" + path + ", " + segment.byteSize() + " bytes)";
    }
}
