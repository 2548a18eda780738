package io.turbokv.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A new file being written front to back. Obtained from {@link FileLayer#create}; not thread-safe (one writer
 * owns it).
 */
public interface WritableFile extends AutoCloseable {
    /** {@return the file being written} */
    Path path();

    /**
     * Appends all of {@code bytes} (heap or native memory) at {@link #position()}.
     *
     * @param bytes the bytes to append
     * @throws IOException when the write fails
     */
    void write(MemorySegment bytes) throws IOException;

    /**
     * Appends {@code bytes[position, limit)} at {@link #position()}; on return the buffer's position is at its
     * limit. For writers that keep one view per buffer: the {@link FileLayer#standard() standard} file writes the
     * buffer as it is, so a direct buffer costs no heap allocation (a heap buffer costs none either once the
     * JDK's per-thread temporary direct buffer is large enough). This default wraps the buffer in a segment and
     * calls {@link #write(MemorySegment)}.
     *
     * @param bytes the bytes to append, from its position to its limit
     * @throws IOException when the write fails
     */
    default void write(ByteBuffer bytes) throws IOException {
        write(MemorySegment.ofBuffer(bytes));
        bytes.position(bytes.limit());
    }

    /** {@return how many bytes were written so far} */
    long position();

    /**
     * Makes the written bytes durable ({@code fsync} of the file's data).
     *
     * @throws IOException when the sync fails; what was written may then not be durable
     */
    void sync() throws IOException;

    /** Closes the file; does not sync. Idempotent. */
    @Override
    void close() throws IOException;
}
