package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntHashSet;

/**
 * What opening a store finds in its directory, and the cleanup a writable open does.
 *
 * <p>Numbered files above the committed sequence number are leftovers of a write that never committed; a
 * writable open deletes them. Every {@code .del} file at or below it is replayed: the listed files are deleted,
 * and a {@code .del} whose files are all gone is deleted too. Every such {@code .del} is read and verified before
 * anything is deleted, so a damaged one stops the open with a {@link io.turbokv.CorruptionException} and the
 * directory as it was. Dot-files, {@code CURRENT}, {@code SCHEMA}, {@code LOG} and {@code LOG.old} are tolerated;
 * any other file stops the open with an error naming it, since it means the directory is not a TurboKV store (or
 * holds something TurboKV did not write). A read-only scan deletes nothing and only reports what it would have ignored.
 */
public final class DirectoryScan {
    private final IntArrayList metaSeqs;
    private final IntArrayList blobSeqs;
    private final IntArrayList leftoverSeqs;
    private final int deletedFiles;

    private DirectoryScan(IntArrayList metaSeqs, IntArrayList blobSeqs, IntArrayList leftoverSeqs,
                          int deletedFiles) {
        this.metaSeqs = metaSeqs;
        this.blobSeqs = blobSeqs;
        this.leftoverSeqs = leftoverSeqs;
        this.deletedFiles = deletedFiles;
    }

    /**
     * Scans {@code directory}, whose {@code CURRENT} says {@code committedSeq}.
     *
     * @param files        the layer deletions go through (unused when {@code readOnly})
     * @param readOnly     whether to leave the directory untouched
     * @param directory    the store's directory
     * @param committedSeq the sequence number {@code CURRENT} names; numbered files above it are leftovers
     * @return what the scan found and deleted
     * @throws io.turbokv.CorruptionException when a committed {@code .del} file is damaged, or lists a number
     *                                         not below its own; nothing has been deleted then
     * @throws IOException                     when the directory holds an unexpected file (the message names it),
     *                                         a {@code .del} file is of another format version, or a deletion
     *                                         fails
     */
    public static DirectoryScan scan(FileLayer files, Path directory, int committedSeq, boolean readOnly)
            throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(entries::add);
        }
        IntHashSet deleted = new IntHashSet();
        IntArrayList metas = new IntArrayList();
        IntArrayList blobs = new IntArrayList();
        IntArrayList leftovers = new IntArrayList();
        List<Path> leftoverPaths = new ArrayList<>();
        List<Pending> deletionFiles = new ArrayList<>();
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".") || name.equals(StoreFileNames.CURRENT) || name.equals(StoreFileNames.SCHEMA)
                    || StoreFileNames.isLog(name)) {
                continue;
            }
            int dot = name.lastIndexOf('.');
            StoreFileNames.Kind kind = dot < 0 ? null : kindOf(name.substring(dot));
            long seq = dot < 0 ? -1 : parseSeq(name.substring(0, dot));
            if (kind == null || seq < 0) {
                throw new IOException(String.format(Locale.ROOT,
                        "Unexpected file %s in store %s: not a TurboKV file (expected NNNNNNNN.sst, .meta, .blob,"
                                + " .del, CURRENT, SCHEMA, LOG, LOG.old or a dot-file)",
                        name, directory));
            }
            int seqBits = (int) seq;
            if (Integer.compareUnsigned(seqBits, committedSeq) > 0) {
                leftovers.addInt(seqBits);
                leftoverPaths.add(entry);
                continue;
            }
            switch (kind) {
                case META -> metas.addInt(seqBits);
                case DEL -> deletionFiles.add(new Pending(entry, seqBits));
                case BLOB -> blobs.addInt(seqBits);
                case SST -> {} // opened by meta entries
            }
        }
        // every list is verified before the first deletion: a damaged one must leave the directory as it was
        List<DeletionFile.Contents> lists = new ArrayList<>();
        for (Pending pending : deletionFiles) {
            lists.add(verified(pending));
        }
        int deletedCount = 0;
        IntHashSet deletedBlobs = new IntHashSet();
        List<Path> completed = new ArrayList<>();
        for (int i = 0; i < deletionFiles.size(); i++) {
            DeletionFile.Contents listed = lists.get(i);
            for (int seq : listed.metas()) {
                deleted.add(seq);
            }
            for (int seq : listed.blobs()) {
                deletedBlobs.add(seq);
            }
            boolean anyExisted = false;
            for (StoreFileNames.Kind kind : DeletionFile.LISTED_KINDS) {
                for (int seq : listed.seqs(kind)) {
                    Path path = StoreFileNames.path(directory, kind, seq);
                    if (readOnly) {
                        anyExisted |= Files.exists(path);
                    } else if (files.delete(path)) {
                        anyExisted = true;
                        deletedCount++;
                    }
                }
            }
            if (!anyExisted && !readOnly) {
                completed.add(deletionFiles.get(i).path());
            }
        }
        if (!completed.isEmpty()) {
            // the deletions this .del records must be durable before the record goes: else a power cut could keep
            // the .del's removal but bring its files back, which nothing would list ever again
            files.syncDirectory(directory);
            for (Path deletionFile : completed) {
                files.delete(deletionFile);
                deletedCount++;
            }
        }
        if (!readOnly) {
            // the listing above found every numbered file there is (any other name failed the scan), and the
            // writable open holds the lock, so nothing has added one since: no second listing as deleteAbove's
            for (Path leftover : leftoverPaths) {
                if (files.delete(leftover)) {
                    deletedCount++;
                }
            }
        }
        // a .meta listed before its .del in readdir order was remembered: drop it now
        metas.removeIf(deleted::contains);
        metas.sort(Integer::compareUnsigned);
        blobs.removeIf(deletedBlobs::contains);
        return new DirectoryScan(metas, blobs, leftovers, deletedCount);
    }

    /**
     * The contents of a committed {@code .del} file, checked: a commit lists only files older than itself, so a
     * number at or above the file's own is damage that a checksum did not catch (a writer bug) and must not delete
     * a file.
     */
    private static DeletionFile.Contents verified(Pending pending) throws IOException {
        DeletionFile.Contents listed = DeletionFile.read(pending.path());
        for (StoreFileNames.Kind kind : DeletionFile.LISTED_KINDS) {
            for (int seq : listed.seqs(kind)) {
                if (Integer.compareUnsigned(seq, pending.seq()) >= 0) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            ".del file lists %s, which is not older than the .del file: expected seq<%d found=%d",
                            StoreFileNames.name(kind, seq), Integer.toUnsignedLong(pending.seq()),
                            Integer.toUnsignedLong(seq)), pending.path(), CorruptionException.NO_OFFSET);
                }
            }
        }
        return listed;
    }

    /** A committed {@code .del} file found by the scan, with its sequence number. */
    private record Pending(Path path, int seq) {}

    /**
     * Deletes every numbered file ({@code .sst}, {@code .meta}, {@code .blob}, {@code .del}) whose sequence number
     * is above {@code committedSeq}: what a write operation left behind when it did not commit.
     *
     * @param files        the layer deletions go through
     * @param directory    the store's directory
     * @param committedSeq the last committed sequence number
     * @return how many files were deleted
     * @throws IOException when the directory cannot be listed or a deletion fails
     */
    public static int deleteAbove(FileLayer files, Path directory, int committedSeq) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(entries::add);
        }
        int deletedCount = 0;
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            int dot = name.lastIndexOf('.');
            if (dot > 0 && kindOf(name.substring(dot)) != null) {
                long seq = parseSeq(name.substring(0, dot));
                if (seq >= 0 && Integer.compareUnsigned((int) seq, committedSeq) > 0 && files.delete(entry)) {
                    deletedCount++;
                }
            }
        }
        return deletedCount;
    }

    private static StoreFileNames.Kind kindOf(String extension) {
        for (StoreFileNames.Kind kind : StoreFileNames.Kind.values()) {
            if (kind.extension().equals(extension)) {
                return kind;
            }
        }
        return null;
    }

    private static long parseSeq(String stem) {
        if (stem.isEmpty() || stem.length() > 10) {
            return -1;
        }
        for (int i = 0; i < stem.length(); i++) {
            if (stem.charAt(i) < '0' || stem.charAt(i) > '9') {
                return -1;
            }
        }
        long value = Long.parseLong(stem);
        return value <= 0xFFFF_FFFFL ? value : -1;
    }

    /** {@return the committed meta files to open, by ascending sequence number (oldest first)} */
    public int[] metaSeqs() {
        return metaSeqs.toIntArray();
    }

    /** {@return the committed blob files, in no particular order (a pending {@code .del}'s excluded)} */
    public int[] blobSeqs() {
        return blobSeqs.toIntArray();
    }

    /** {@return sequence numbers of uncommitted leftovers found (deleted unless the scan was read-only)} */
    public int[] leftoverSeqs() {
        return leftoverSeqs.toIntArray();
    }

    /** {@return how many files the scan deleted} */
    public int deletedFiles() {
        return deletedFiles;
    }
}
