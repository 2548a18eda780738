package io.turbokv;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** A {@link FileLayer} that runs a hook before every create, write, sync, rename, directory sync and delete. */
final class HaltingFileLayer implements FileLayer {
    private final FileLayer real = FileLayer.standard();
    private final Runnable beforeEachCall;

    HaltingFileLayer(Runnable beforeEachCall) {
        this.beforeEachCall = beforeEachCall;
    }

    @Override
    public WritableFile create(Path path) throws IOException {
        beforeEachCall.run();
        WritableFile file = real.create(path);
        return new WritableFile() {
            @Override
            public Path path() {
                return file.path();
            }

            @Override
            public void write(MemorySegment bytes) throws IOException {
                beforeEachCall.run();
                file.write(bytes);
            }

            @Override
            public long position() {
                return file.position();
            }

            @Override
            public void sync() throws IOException {
                beforeEachCall.run();
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
        beforeEachCall.run();
        real.syncDirectory(directory);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        beforeEachCall.run();
        real.rename(from, to);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        beforeEachCall.run();
        return real.delete(path);
    }
}
