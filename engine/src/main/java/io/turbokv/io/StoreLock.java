package io.turbokv.io;

import io.turbokv.StoreLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive OS lock a writable store holds on its {@code .lock} file, as RocksDB's {@code LOCK} and LMDB's
 * {@code lock.mdb} do: a second writer, in this JVM or another process, fails at once instead of corrupting the
 * first one's files. The lock is released by {@link #close()} or by the process's death; the file itself stays.
 */
public final class StoreLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the store in {@code directory}.
     *
     * @param directory the store's directory
     * @return the lock, which the caller closes to release it
     * @throws StoreLockedException when another writer holds it
     */
    public static StoreLock acquire(Path directory) throws IOException {
        Path path = directory.resolve(StoreFileNames.LOCK);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        boolean success = false;
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            }
            if (lock == null) {
                throw new StoreLockedException(directory, StoreFileNames.LOCK);
            }
            success = true;
            return new StoreLock(channel, lock);
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
