package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A {@code .del} file: sequence numbers whose {@code .sst}, {@code .meta} and {@code .blob} files a commit made
 * obsolete, so that an open after a crash finishes the deletion.
 *
 * <pre>
 * offset size      field
 * 0      4 × n     sequence numbers, u32 big-endian: sorted SST seqs, then sorted meta seqs, then sorted blob seqs
 * </pre>
 *
 * No header and no count (DESIGN.md §2.7): the length must be a multiple of 4. Opening deletes every file of
 * every listed number, whatever its kind.
 */
public final class DeletionFile {
    private DeletionFile() {}

    /** Writes and syncs {@code path} with the given numbers, each group sorted here. */
    public static void write(FileLayer files, Path path, int[] ssts, int[] metas, int[] blobs) throws IOException {
        int count = ssts.length + metas.length + blobs.length;
        try (Arena arena = Arena.ofConfined(); WritableFile file = files.create(path)) {
            MemorySegment bytes = arena.allocate(4L * count);
            long offset = 0;
            for (int[] group : new int[][] {ssts, metas, blobs}) {
                int[] sorted = group.clone();
                Arrays.sort(sorted); // sequence numbers stay below 2^31 in practice; sort order is cosmetic
                for (int seq : sorted) {
                    bytes.set(Bytes.BE_INT, offset, seq);
                    offset += 4;
                }
            }
            file.write(bytes);
            file.sync();
        }
    }

    /**
     * Reads the numbers listed in {@code path}.
     *
     * @throws CorruptionException when the length is not a multiple of 4
     */
    public static int[] read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        if (bytes.length % 4 != 0) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    ".del length is not a multiple of 4: found=%d", bytes.length), path,
                    bytes.length - bytes.length % 4);
        }
        MemorySegment segment = MemorySegment.ofArray(bytes);
        int[] seqs = new int[bytes.length / 4];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = segment.get(Bytes.BE_INT, 4L * i);
        }
        return seqs;
    }
}
