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

    /**
     * {@return a view of {@code file} whose {@link #sync()} does nothing; every other call goes to {@code file}}
     * For the layers that drop fsyncs on purpose ({@link FileLayer#withoutSync}, and the tests' layers that skip
     * one kind of fsync to show that the power-cut test notices).
     *
     * @param file the file to write through
     */
    static WritableFile withoutSync(WritableFile file) {
        return new WritableFile() {
            @Override
            public Path path() {
                return file.path();
            }

            @Override
            public void write(MemorySegment bytes) throws IOException {
                file.write(bytes);
            }

            @Override
            public void write(ByteBuffer bytes) throws IOException {
                file.write(bytes);
            }

            @Override
            public long position() {
                return file.position();
            }

            @Override
            public void sync() {
                // dropped: the bytes are in the kernel's page cache, which a crash of the process does not lose
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }
}
