package io.turbokv.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link FileLayer} that passes every call on to another except the fsyncs, which it drops: a store's commits
 * through it are atomic (renames still are) but not durable against a power cut. Creates, writes, renames and
 * deletes happen in the same order as through the layer below.
 */
final class UnsyncedFileLayer implements FileLayer {
    private final FileLayer layer;

    UnsyncedFileLayer(FileLayer layer) {
        this.layer = layer;
    }

    @Override
    public WritableFile create(Path path) throws IOException {
        return WritableFile.withoutSync(layer.create(path));
    }

    @Override
    public void syncDirectory(Path directory) {
        // dropped, as the file syncs
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        layer.rename(from, to);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        return layer.delete(path);
    }
}
