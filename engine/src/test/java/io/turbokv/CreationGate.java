package io.turbokv;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file layer for tests that, once {@link #arm armed}, holds the store's next file creation until the test
 * {@link #open opens} the gate: a compaction (or commit) stopped in its first file, holding the store's write slot,
 * at a point the test knows ({@link #awaitHeld}). Every other call goes to the standard layer.
 */
final class CreationGate implements FileLayer {
    private final FileLayer real = FileLayer.standard();
    private final AtomicBoolean armed = new AtomicBoolean();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);

    /** Holds the next {@link #create}, and that one only. */
    void arm() {
        armed.set(true);
    }

    /** Waits until a creation is held. */
    void awaitHeld() throws InterruptedException {
        held.await();
    }

    /** Lets the held creation, and every later one, go on. */
    void open() {
        opened.countDown();
    }

    @Override
    public WritableFile create(Path path) throws IOException {
        if (armed.compareAndSet(true, false)) {
            held.countDown();
            try {
                opened.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while held before creating " + path, e);
            }
        }
        return real.create(path);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        real.syncDirectory(directory);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        real.rename(from, to);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        return real.delete(path);
    }
}
