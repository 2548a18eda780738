package io.turbokv.version;

import io.turbokv.io.StoreFileNames;
import io.turbokv.meta.MetaEntry;
import io.turbokv.sst.SstReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One live SST of a store: what its meta entry says about it, and its reader, opened on first use.
 *
 * <p>Opening a store reads only meta files; an SST is mapped when a lookup first reaches it, once
 * even when many readers reach it together. The slot is shared by every store state that lists the SST and is
 * closed (unmapped) by the version tracker only after no reader of any such state is left.
 */
public final class SstSlot implements AutoCloseable {
    private final Path path;
    private final MetaEntry entry;
    private volatile SstReader reader;
    private boolean closed;

    /**
     * A slot for the SST that {@code entry} lists; nothing is mapped until {@link #reader()}.
     *
     * @param directory the store's directory, where the SST is
     * @param entry     the SST's entry in its meta file
     */
    public SstSlot(Path directory, MetaEntry entry) {
        this.path = StoreFileNames.path(directory, StoreFileNames.Kind.SST, entry.sstSeq());
        this.entry = entry;
    }

    /** {@return the SST's entry in its meta file} */
    public MetaEntry entry() {
        return entry;
    }

    /** {@return the SST's sequence number} */
    public int seq() {
        return entry.sstSeq();
    }

    /** {@return the SST file} */
    public Path path() {
        return path;
    }

    /**
     * {@return the reader, mapping the file on first call; checks its size and block count against the meta entry}
     *
     * @throws IOException when the file cannot be mapped, or does not match its entry
     *                     ({@link io.turbokv.CorruptionException})
     */
    public SstReader reader() throws IOException {
        SstReader opened = reader;
        if (opened != null) {
            return opened;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("SST " + path.getFileName() + " is no longer part of the store");
            }
            if (reader == null) {
                reader = SstReader.open(path, entry.sstSeq(), entry.blockCount(), entry.sstSize());
            }
            return reader;
        }
    }

    /** Unmaps the file if it was opened. Called when no reader can reach this slot any more. */
    @Override
    public synchronized void close() {
        closed = true;
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
