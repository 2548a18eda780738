package io.turbokv.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The seam through which the store creates, writes, syncs, renames and deletes files. Production uses
 * {@link #standard()}; tests substitute a layer that fails a chosen call (fault injection) to prove that every
 * failure leaves the store usable and unchanged. Reads do not go through here: files are mapped read-only.
 *
 * <p>Implementations are thread-safe: a write batch creates files from many threads at once.
 */
public interface FileLayer {
    /**
     * Creates {@code path}, which must not exist yet, for writing.
     *
     * @param path the file to create
     * @return the open file, positioned at its start
     * @throws IOException when the file exists already or cannot be created
     */
    WritableFile create(Path path) throws IOException;

    /**
     * Makes the directory's entries (new, renamed and deleted names) durable.
     *
     * @param directory the directory to sync
     * @throws IOException when the sync fails
     */
    void syncDirectory(Path directory) throws IOException;

    /**
     * Renames {@code from} to {@code to} atomically, replacing {@code to}.
     *
     * @param from the file's current name
     * @param to   the file's new name
     * @throws IOException when the rename fails
     */
    void rename(Path from, Path to) throws IOException;

    /**
     * Deletes {@code path}.
     *
     * @param path the file to delete
     * @return whether it existed
     * @throws IOException when the file exists but cannot be deleted
     */
    boolean delete(Path path) throws IOException;

    /** {@return the layer over the real file system, through {@link FileChannel}} */
    static FileLayer standard() {
        return StandardFileLayer.INSTANCE;
    }

    /**
     * {@return {@code layer} without its fsyncs: {@link WritableFile#sync()} and {@link #syncDirectory} do nothing,
     * every other call goes to {@code layer}}
     *
     * @param layer the layer to pass creates, writes, renames and deletes on to
     */
    static FileLayer withoutSync(FileLayer layer) {
        return new UnsyncedFileLayer(layer);
    }

    /** {@link FileLayer} over {@link FileChannel} and {@link Files}. */
    final class StandardFileLayer implements FileLayer {
        static final StandardFileLayer INSTANCE = new StandardFileLayer();

        private StandardFileLayer() {}

        @Override
        public WritableFile create(Path path) throws IOException {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new ChannelFile(path, channel);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            // Opening a directory for reading and forcing it is how the JDK fsyncs a directory on POSIX;
            // Windows refuses to open directories and has no such need.
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            } catch (java.nio.file.AccessDeniedException e) {
                if (!System.getProperty("os.name", "").startsWith("Windows")) {
                    throw e;
                }
            }
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public boolean delete(Path path) throws IOException {
            return Files.deleteIfExists(path);
        }
    }

    /** A {@link WritableFile} over a {@link FileChannel}. */
    final class ChannelFile implements WritableFile {
        private final Path path;
        private final FileChannel channel;
        private long position;

        ChannelFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            write(bytes.asByteBuffer());
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                position += channel.write(bytes);
            }
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public void sync() throws IOException {
            channel.force(false);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
