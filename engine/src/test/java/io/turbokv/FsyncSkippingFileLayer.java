package io.turbokv;

import io.turbokv.io.FileLayer;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link FileLayer} that passes every call on except one kind of fsync, which it skips: the store as it would be
 * with that fsync missing from its code. Used to prove that {@link PowerCutTest} catches a missing fsync.
 */
final class FsyncSkippingFileLayer implements FileLayer {
    /** The fsync to skip. */
    enum Skipped {
        /** {@link WritableFile#sync()} of every {@code .sst} file. */
        SST_SYNC,
        /** The directory sync a commit does before it writes {@code CURRENT}, which makes the new names durable. */
        DIRECTORY_SYNC_BEFORE_CURRENT,
        /** The directory sync right after {@code CURRENT} is renamed into place, which makes the commit durable. */
        DIRECTORY_SYNC_AFTER_CURRENT
    }

    private final FileLayer layer;
    private final Skipped skipped;
    private boolean lastWasCurrentRename;

    FsyncSkippingFileLayer(FileLayer layer, Skipped skipped) {
        this.layer = layer;
        this.skipped = skipped;
    }

    @Override
    public WritableFile create(Path path) throws IOException {
        noteCall(false);
        WritableFile file = layer.create(path);
        if (skipped != Skipped.SST_SYNC || !path.getFileName().toString().endsWith(".sst")) {
            return file;
        }
        return WritableFile.withoutSync(file);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        boolean afterCurrent;
        synchronized (this) {
            afterCurrent = lastWasCurrentRename;
            lastWasCurrentRename = false;
        }
        boolean skip = afterCurrent ? skipped == Skipped.DIRECTORY_SYNC_AFTER_CURRENT
                : skipped == Skipped.DIRECTORY_SYNC_BEFORE_CURRENT;
        if (!skip) {
            layer.syncDirectory(directory);
        }
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        noteCall(to.getFileName().toString().equals(StoreFileNames.CURRENT));
        layer.rename(from, to);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        noteCall(false);
        return layer.delete(path);
    }

    private synchronized void noteCall(boolean currentRename) {
        lastWasCurrentRename = currentRename;
    }
}
