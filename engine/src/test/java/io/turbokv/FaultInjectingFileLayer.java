package io.turbokv;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileLayer} over the real one that fails the {@code n}-th call (counting every create, write, sync,
 * rename, directory sync and delete) with an {@link IOException}, or every call from then on.
 */
final class FaultInjectingFileLayer implements FileLayer {
    private final FileLayer real = FileLayer.standard();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int failAt = Integer.MAX_VALUE;
    private volatile boolean failForever;
    private volatile String failOnly;

    /** Fails call number {@code n} (1-based) counted from now; {@code forever} fails every later call too. */
    void failAt(int n, boolean forever) {
        calls.set(0);
        failForever = forever;
        failAt = n;
    }

    void heal() {
        failAt = Integer.MAX_VALUE;
        failForever = false;
        failOnly = null;
    }

    /**
     * From now on, every {@code write} fails as a full disk does ({@code ENOSPC}); other calls go through, so a
     * rollback can still delete what was written.
     */
    void diskFull() {
        failOnly = "write";
    }

    /** Calls since the last {@link #failAt}. */
    int calls() {
        return calls.get();
    }

    private void maybeFail(String what, Path path) throws IOException {
        if (what.equals(failOnly)) {
            throw new IOException("No space left on device (injected): " + what + " " + path);
        }
        int call = calls.incrementAndGet();
        if (call == failAt || (failForever && call > failAt)) {
            throw new IOException("injected fault at call " + call + ": " + what + " " + path);
        }
    }

    @Override
    public WritableFile create(Path path) throws IOException {
        maybeFail("create", path);
        WritableFile file = real.create(path);
        return new WritableFile() {
            @Override
            public Path path() {
                return file.path();
            }

            @Override
            public void write(MemorySegment bytes) throws IOException {
                maybeFail("write", path);
                file.write(bytes);
            }

            @Override
            public long position() {
                return file.position();
            }

            @Override
            public void sync() throws IOException {
                maybeFail("sync", path);
                file.sync();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        maybeFail("syncDirectory", directory);
        real.syncDirectory(directory);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        maybeFail("rename", from);
        real.rename(from, to);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        maybeFail("delete", path);
        return real.delete(path);
    }
}
