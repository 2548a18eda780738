package io.turbokv.bench;

import io.turbokv.DbConfig;
import io.turbokv.MetaFileInfo;
import io.turbokv.SstInfo;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The store issue 6's compaction benchmarks work on ({@link CompactionBenchmark}, {@link CompactionGetBenchmark}):
 * one family, {@value #BATCHES} write batches (each one commit) of {@value #BATCH_ENTRIES} distinct 16-byte keys
 * drawn at random (seed 6) from a space of {@value #KEY_SPACE}, so a key is written about 2.5 times and the 10
 * batches' SSTs overlap in hash range. Key {@code k} is the big-endian longs {@code k, ~k}; a value is
 * {@code valueBytes} long and holds {@code k} in its first 4 bytes and the batch in its last 4.
 */
final class TenBatchStore {
    /** Write batches, each committed on its own. */
    static final int BATCHES = 10;
    /** Distinct keys per batch. */
    static final int BATCH_ENTRIES = 100_000;
    /** Keys {@code 0..KEY_SPACE-1} may be written; larger ones never are. */
    static final int KEY_SPACE = 400_000;
    /** Key length in bytes. */
    static final int KEY_BYTES = 16;

    /** Keys are big-endian longs, as {@link ByteBuffer} writes them in {@link #write}. */
    private static final ValueLayout.OfLong BIG_ENDIAN_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** A value's first 4 bytes: its key's number, big-endian. */
    static final ValueLayout.OfInt BIG_ENDIAN_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private TenBatchStore() {}

    /**
     * Writes the store into the empty directory {@code dir}.
     *
     * @return for each key of the space, whether a batch wrote it
     */
    static boolean[] write(Path dir, int valueBytes) throws IOException {
        SplittableRandom random = new SplittableRandom(6);
        byte[] key = new byte[KEY_BYTES];
        byte[] value = new byte[valueBytes];
        boolean[] written = new boolean[KEY_SPACE];
        try (TurboKV store = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (int b = 0; b < BATCHES; b++) {
                boolean[] taken = new boolean[KEY_SPACE];
                try (WriteBatch batch = store.writeBatch()) {
                    for (int count = 0; count < BATCH_ENTRIES;) {
                        int k = random.nextInt(KEY_SPACE);
                        if (taken[k]) {
                            continue;
                        }
                        taken[k] = true;
                        written[k] = true;
                        ByteBuffer.wrap(key).putLong(0, k).putLong(8, ~k);
                        ByteBuffer.wrap(value).putInt(0, k).putInt(valueBytes - 4, b);
                        batch.put(0, key, value);
                        count++;
                    }
                    batch.commit();
                }
            }
        }
        return written;
    }

    /** Writes key {@code k} into {@code key} (at least {@value #KEY_BYTES} bytes, from offset 0). */
    static void key(long k, MemorySegment key) {
        key.set(BIG_ENDIAN_LONG, 0, k);
        key.set(BIG_ENDIAN_LONG, 8, ~k);
    }

    /** The live SSTs' entries and bytes, as the store's meta files list them. */
    static long[] sstEntriesAndBytes(TurboKV store) {
        long entries = 0;
        long bytes = 0;
        for (MetaFileInfo meta : store.metaInfo()) {
            for (SstInfo sst : meta.ssts()) {
                entries += sst.entryCount();
                bytes += sst.sizeBytes();
            }
        }
        return new long[] {entries, bytes};
    }

    /** Copies the files of {@code from} (no subdirectories) into the new directory {@code to}. */
    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    /** Deletes {@code dir} and everything in it. */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
