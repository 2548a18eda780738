package io.turbokv.checkpoint;

import io.turbokv.CheckpointStats;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.DirectoryScan;
import io.turbokv.io.SchemaFile;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a checkpoint of one committed state of a store into a new directory: the state's meta files, its live
 * SSTs and the committed blob files, each hard-linked (or copied where linking fails), then {@code SCHEMA}, then
 * {@code CURRENT} with the state's sequence number, the files and the directory synced. A checkpoint is a store:
 * it opens like any other, writable or not, and shares no later change with its source: every file it links is
 * immutable, and the store only ever deletes such files, which leaves the checkpoint's name and data in place.
 *
 * <p>Consistency: every file is opened before the first link, and an open file outlives the deletion of its name,
 * so a file a writer deletes meanwhile is copied from the open file instead. The caller leases the state, so that
 * the writer of the same instance deletes none of its files; a writer of another process may have deleted one
 * before it was opened, and then the checkpoint fails with {@link NoSuchFileException} and leaves nothing behind.
 */
public final class Checkpoint {
    /** How often the directory scan is retried when a writer removed a {@code .del} file during it. */
    private static final int SCAN_ATTEMPTS = 5;
    private static final int COPY_BUFFER_BYTES = 1 << 20;

    private Checkpoint() {}

    /**
     * Writes the checkpoint of {@code state} into {@code destination}.
     *
     * @param source      the store's directory and file layer, through which the checkpoint's files are written too
     * @param state       the state to copy, leased by the caller for the whole call
     * @param destination a directory that does not exist yet or is empty, outside the store's directory
     * @param guarded     whether no file of {@code state} can be deleted during the call (the caller's writer
     *                    respects the lease): then a blob that vanished was obsolete already and is skipped
     * @return what was linked and copied
     * @throws FileAlreadyExistsException when {@code destination} is a non-empty directory or not a directory
     * @throws NoSuchFileException        when a file of the state was deleted before it could be opened (not
     *                                    {@code guarded}: a writer of another process); nothing is left behind
     * @throws IOException                when reading or writing fails; nothing is left behind
     */
    public static CheckpointStats write(StoreDirectory source, StoreState state, Path destination, boolean guarded)
            throws IOException {
        Path from = source.directory().toAbsolutePath().normalize();
        Path to = destination.toAbsolutePath().normalize();
        if (to.startsWith(from)) {
            throw new IllegalArgumentException("checkpoint destination " + destination + " is inside the store "
                    + source.directory() + ": a store directory holds only the store's files");
        }
        boolean created = prepare(to);
        Map<String, FileChannel> open = new LinkedHashMap<>();
        boolean success = false;
        try {
            for (String name : files(source, state)) {
                try {
                    open.put(name, FileChannel.open(from.resolve(name), StandardOpenOption.READ));
                } catch (NoSuchFileException e) {
                    if (!guarded || !name.endsWith(StoreFileNames.Kind.BLOB.extension())) {
                        throw e;
                    }
                    // under the lease only obsolete files go: a blob the scan saw before its deletion
                }
            }
            int linked = 0;
            int copied = 0;
            long bytes = 0;
            for (Map.Entry<String, FileChannel> file : open.entrySet()) {
                if (link(from.resolve(file.getKey()), to.resolve(file.getKey()))) {
                    linked++;
                } else {
                    copy(source, file.getValue(), to.resolve(file.getKey()));
                    copied++;
                }
                bytes += file.getValue().size();
            }
            SchemaFile.write(source.files(), to, SchemaFile.read(from));
            source.files().syncDirectory(to); // every link is durable before CURRENT names the files
            CurrentFile.write(source.files(), to, state.committedSeq());
            success = true;
            return new CheckpointStats(state.committedSeq(), linked, copied, bytes);
        } finally {
            for (FileChannel channel : open.values()) {
                channel.close();
            }
            if (!success) {
                removeCreated(to, created);
            }
        }
    }

    /** The names of the state's files: its meta files, live SSTs and committed blob files. */
    private static List<String> files(StoreDirectory source, StoreState state) throws IOException {
        List<String> names = new ArrayList<>();
        for (LiveMeta meta : state.metas()) {
            names.add(StoreFileNames.name(StoreFileNames.Kind.META, meta.seq()));
            for (SstSlot slot : meta.ssts()) {
                names.add(slot.path().getFileName().toString());
            }
        }
        for (int blob : blobs(source, state.committedSeq())) {
            names.add(StoreFileNames.name(StoreFileNames.Kind.BLOB, blob));
        }
        return names;
    }

    /**
     * The blob files committed at {@code committedSeq} and not yet made obsolete by then: what a read-only scan
     * at that number finds. A writer may remove a {@code .del} file whose files are all gone during the scan;
     * the scan is then repeated.
     */
    private static int[] blobs(StoreDirectory source, int committedSeq) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                return DirectoryScan.scan(source.files(), source.directory(), committedSeq, true).blobSeqs();
            } catch (NoSuchFileException e) {
                if (attempt >= SCAN_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Creates {@code destination}, or checks it is an empty directory; whether it was created. */
    private static boolean prepare(Path destination) throws IOException {
        if (!Files.exists(destination)) {
            Files.createDirectories(destination);
            return true;
        }
        if (!Files.isDirectory(destination)) {
            throw new FileAlreadyExistsException(destination.toString(), null, "not a directory");
        }
        try (Stream<Path> entries = Files.list(destination)) {
            if (entries.findAny().isPresent()) {
                throw new FileAlreadyExistsException(destination.toString(), null,
                        "not empty: a checkpoint goes into a new or empty directory");
            }
        }
        return false;
    }

    /**
     * Hard-links {@code target} to the file at {@code existing}; false when that is impossible: another file system,
     * no hard links there, or the name is gone (the caller then copies from the file it holds open).
     */
    private static boolean link(Path existing, Path target) throws IOException {
        try {
            Files.createLink(target, existing);
            return true;
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) { // vanished, EXDEV, EPERM without links
            return false;
        }
    }

    /** Copies the whole of {@code from} into the new file {@code target}, synced. */
    private static void copy(StoreDirectory layer, FileChannel from, Path target) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(COPY_BUFFER_BYTES);
        try (WritableFile out = layer.files().create(target)) {
            long position = 0;
            long size = from.size();
            while (position < size) {
                buffer.clear();
                int read = from.read(buffer, position);
                if (read < 0) {
                    throw new IOException("unexpected end of " + target.getFileName() + " at " + position + " of "
                            + size + " bytes");
                }
                buffer.flip();
                out.write(buffer);
                position += read;
            }
            out.sync();
        }
    }

    /** Deletes what the failed checkpoint wrote, and {@code destination} too when it {@code created} it. */
    private static void removeCreated(Path destination, boolean created) throws IOException {
        if (!Files.isDirectory(destination)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(destination)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (created || !path.equals(destination)) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
