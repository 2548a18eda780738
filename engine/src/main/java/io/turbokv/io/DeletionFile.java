package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A {@code .del} file: the sequence numbers of the {@code .sst}, {@code .meta} and {@code .blob} files a commit
 * made obsolete, so that an open after a crash finishes their deletion. All integers are big-endian, in the frame
 * of {@link ControlFileFrame}:
 *
 * <pre>
 * offset             size   field
 * 0                  4      magic 0x544B5644 ("TKVD")
 * 4                  4      format version = 1
 * 8                  4      s = SST count, u32
 * 12                 4      m = meta count, u32
 * 16                 4      b = blob count, u32
 * 20                 4 × s  SST seqs, u32
 * 20 + 4s            4 × m  meta seqs, u32
 * 20 + 4(s + m)      4 × b  blob seqs, u32
 * t = 20 + 4(s+m+b)  4      CRC-32 of bytes [0, t)
 * </pre>
 *
 * <p>Each group is written in ascending order; readers do not depend on it. An open deletes the listed files, so
 * a misread number deletes live data: hence the checksum, checked before any number is believed (the header-less
 * list of earlier builds had none, and one flipped bit turned a listed number into a live file's).
 */
public final class DeletionFile {
    static final int MAGIC = 0x544B_5644;
    static final int FORMAT_VERSION = 1;
    static final long SST_COUNT_OFFSET = 8;
    static final long META_COUNT_OFFSET = 12;
    static final long BLOB_COUNT_OFFSET = 16;
    static final long SEQS_OFFSET = 20;
    static final long SEQ_SIZE = 4;
    /** Reads stop here: the largest array; a longer file is damage. */
    private static final long MAX_LENGTH = Integer.MAX_VALUE - 8;
    private static final String KIND = ".del file";

    /**
     * The numbers a {@code .del} file lists, by kind of file.
     *
     * @param ssts  SST sequence numbers
     * @param metas meta file sequence numbers
     * @param blobs blob file sequence numbers
     */
    public record Contents(int[] ssts, int[] metas, int[] blobs) {
        /**
         * {@return the numbers listed for {@code kind}}
         *
         * @param kind the kind of file whose numbers to return
         * @throws IllegalArgumentException when {@code kind} is not one of {@link #LISTED_KINDS}
         */
        public int[] seqs(StoreFileNames.Kind kind) {
            return switch (kind) {
                case SST -> ssts;
                case META -> metas;
                case BLOB -> blobs;
                case DEL -> throw new IllegalArgumentException(".del files list no .del files");
            };
        }
    }

    /** The kinds of files a {@code .del} file lists, in the order of its groups. */
    public static final List<StoreFileNames.Kind> LISTED_KINDS = List.of(StoreFileNames.Kind.SST,
            StoreFileNames.Kind.META, StoreFileNames.Kind.BLOB);

    private DeletionFile() {}

    /**
     * Writes and syncs {@code path} with the given numbers, each group sorted here.
     *
     * @param files the file operations
     * @param path  the {@code .del} file to write
     * @param ssts  the SST files to delete
     * @param metas the meta files to delete
     * @param blobs the blob files to delete
     * @throws IOException when the file cannot be written or synced
     */
    public static void write(FileLayer files, Path path, int[] ssts, int[] metas, int[] blobs) throws IOException {
        int[][] groups = {ssts, metas, blobs};
        long count = (long) ssts.length + metas.length + blobs.length;
        try (Arena arena = Arena.ofConfined(); WritableFile file = files.create(path)) {
            MemorySegment bytes = ControlFileFrame.allocate(arena, MAGIC, FORMAT_VERSION,
                    SEQS_OFFSET - ControlFileFrame.HEADER_SIZE + SEQ_SIZE * count);
            bytes.set(Bytes.BE_INT, SST_COUNT_OFFSET, ssts.length);
            bytes.set(Bytes.BE_INT, META_COUNT_OFFSET, metas.length);
            bytes.set(Bytes.BE_INT, BLOB_COUNT_OFFSET, blobs.length);
            long offset = SEQS_OFFSET;
            for (int[] group : groups) {
                int[] sorted = group.clone();
                Arrays.sort(sorted); // sequence numbers stay below 2^31 in practice; sort order is cosmetic
                for (int seq : sorted) {
                    bytes.set(Bytes.BE_INT, offset, seq);
                    offset += SEQ_SIZE;
                }
            }
            ControlFileFrame.seal(bytes);
            file.write(bytes);
            file.sync();
        }
    }

    /**
     * Reads the numbers listed in {@code path}.
     *
     * @param path the {@code .del} file to read
     * @return the numbers it lists, by kind
     * @throws java.nio.file.NoSuchFileException              when the file does not exist
     * @throws CorruptionException                            when the file is damaged: the message names it, the
     *                                                        offset, and the expected and found values
     * @throws io.turbokv.UnsupportedFormatVersionException when it is intact but of another format version
     */
    public static Contents read(Path path) throws IOException {
        MemorySegment bytes = ControlFileFrame.read(path, KIND, MAX_LENGTH);
        ControlFileFrame.verify(path, bytes, KIND, MAGIC, FORMAT_VERSION);
        long trailer = bytes.byteSize() - ControlFileFrame.TRAILER_SIZE;
        if (trailer < SEQS_OFFSET) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    ".del file truncated: expected>=%d bytes found=%d", SEQS_OFFSET + ControlFileFrame.TRAILER_SIZE,
                    bytes.byteSize()), path, bytes.byteSize());
        }
        long ssts = Integer.toUnsignedLong(bytes.get(Bytes.BE_INT, SST_COUNT_OFFSET));
        long metas = Integer.toUnsignedLong(bytes.get(Bytes.BE_INT, META_COUNT_OFFSET));
        long blobs = Integer.toUnsignedLong(bytes.get(Bytes.BE_INT, BLOB_COUNT_OFFSET));
        long expectedTrailer = SEQS_OFFSET + SEQ_SIZE * (ssts + metas + blobs);
        if (expectedTrailer != trailer) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    ".del file length does not match its counts (%d SSTs, %d metas, %d blobs): expected=%d bytes"
                            + " found=%d",
                    ssts, metas, blobs, expectedTrailer + ControlFileFrame.TRAILER_SIZE,
                    bytes.byteSize()), path, SST_COUNT_OFFSET);
        }
        long metasOffset = SEQS_OFFSET + SEQ_SIZE * ssts;
        long blobsOffset = metasOffset + SEQ_SIZE * metas;
        return new Contents(seqs(bytes, SEQS_OFFSET, ssts), seqs(bytes, metasOffset, metas),
                seqs(bytes, blobsOffset, blobs));
    }

    private static int[] seqs(MemorySegment bytes, long offset, long count) {
        int[] seqs = new int[(int) count];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = bytes.get(Bytes.BE_INT, offset + SEQ_SIZE * i);
        }
        return seqs;
    }
}
