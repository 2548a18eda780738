package io.turbokv.read;

import io.turbokv.blob.BlobFile;
import io.turbokv.ffm.LibC;
import io.turbokv.ffm.MappedFile;
import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * Where a store's readers get blob values: by default each read maps the blob file by its name, reads it and
 * unmaps it; a read-only instance instead maps every committed blob file when it opens ({@link #pinned}) and keeps
 * the mappings until it closes, because the writer, in another process, may delete a blob that a compaction made
 * obsolete while this instance still serves the state it opened (a mapping outlives the file's name on POSIX
 * systems). Within one writable instance no pinning is needed: an obsolete file is deleted only after every reader
 * of a state that lists it has finished.
 *
 * <p>Thread-safe: the pinned map is filled before the instance is published and never changes afterwards.
 */
public final class BlobFiles implements AutoCloseable {
    private final Path directory;
    private final Int2ObjectHashMap<MappedFile> pinned = new Int2ObjectHashMap<>();

    private BlobFiles(Path directory) {
        this.directory = directory;
    }

    /**
     * {@return blobs read by name at each read} Nothing is mapped until a read asks for a blob.
     *
     * @param directory the store's directory, where the blob files are
     */
    public static BlobFiles byName(Path directory) {
        return new BlobFiles(directory);
    }

    /**
     * Maps every blob file numbered {@code seqs} now; a read of another number falls back to the name.
     *
     * @param directory the store's directory, where the blob files are
     * @param seqs      the sequence numbers of the blob files to keep mapped
     * @return blobs that read those files through their mappings until {@link #close()}
     * @throws IOException when one cannot be mapped (those already mapped are unmapped)
     */
    public static BlobFiles pinned(Path directory, int[] seqs) throws IOException {
        BlobFiles blobs = new BlobFiles(directory);
        try {
            for (int seq : seqs) {
                blobs.pinned.put(seq, MappedFile.openReadOnly(StoreFileNames.path(directory,
                        StoreFileNames.Kind.BLOB, seq)));
            }
            return blobs;
        } catch (IOException | RuntimeException | Error e) {
            blobs.close();
            throw e;
        }
    }

    /**
     * {@return the value of blob {@code seq}, in memory owned by {@code arena}}
     *
     * @param seq       the blob file's sequence number
     * @param arena the owner of the value's memory
     * @throws java.nio.file.NoSuchFileException when the blob file does not exist
     * @throws IOException                       when the file cannot be read, or is damaged
     *                                           ({@link io.turbokv.CorruptionException})
     */
    public MemorySegment read(int seq, Arena arena) throws IOException {
        Path path = StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, seq);
        MappedFile file = pinned.get(seq);
        return file != null ? BlobFile.read(file.segment(), path, arena) : BlobFile.read(path, arena);
    }

    /**
     * As {@link #read}, for a reader whose lease the store's close may end in the middle of the read (a cursor,
     * {@code io.turbokv.Cursor}): a pinned file is copied out of its mapping first (a copy that throws, rather than
     * crashes, when the close unmaps the file meanwhile), so that neither the CRC nor the LZ4 codec, native code
     * reading raw addresses, reads the mapping.
     *
     * @param seq   the blob file's sequence number
     * @param arena the owner of the value's memory
     * @return the value
     * @throws IOException when the file cannot be read, or is damaged ({@link io.turbokv.CorruptionException})
     */
    public MemorySegment readUnleased(int seq, Arena arena) throws IOException {
        MappedFile file = pinned.get(seq);
        if (file == null) {
            return read(seq, arena); // a mapping of its own, which only this read unmaps
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment copy = LibC.malloc(Math.max(file.byteSize(), 1), scratch).asSlice(0, file.byteSize());
            MemorySegment.copy(file.segment(), 0, copy, 0, file.byteSize());
            return BlobFile.read(copy, StoreFileNames.path(directory, StoreFileNames.Kind.BLOB, seq), arena);
        }
    }

    /** Unmaps the pinned blob files. */
    @Override
    public void close() {
        pinned.values().forEach(MappedFile::close);
    }
}
