package io.turbokv.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A new file being written front to back. Obtained from {@link FileLayer#create}; not thread-safe (one writer
 * owns it).
 */
public interface WritableFile extends AutoCloseable {
    /** The file being written. */
    Path path();

    /** Appends all of {@code bytes} (heap or native memory) at {@link #position()}. */
    void write(MemorySegment bytes) throws IOException;

    /** Bytes written so far. */
    long position();

    /** Makes the written bytes durable ({@code fsync} of the file's data). */
    void sync() throws IOException;

    /** Closes the file; does not sync. Idempotent. */
    @Override
    void close() throws IOException;
}
