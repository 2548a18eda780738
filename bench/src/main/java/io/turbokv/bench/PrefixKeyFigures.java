package io.turbokv.bench;

import io.turbokv.Cursor;
import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.MetaFileInfo;
import io.turbokv.ReadScope;
import io.turbokv.SstInfo;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The figures of {@code docs/ordered-keys-with-long-prefixes.md}: a key-ordered family of {@code entries} keys that
 * share a prefix of 0, 64 and 256 bytes (then a big-endian counter, written in random order, 100 random bytes of
 * value each),
 * loaded in one batch and fully compacted; per prefix length, the SSTs' bytes per entry, key blocks, the key index's
 * bytes (the last block, read from each file's offset table) per key block, and the median of a point get and of
 * a 10-entry range from a random key, timed one by one after a warm-up. A measurement tool, not a JMH benchmark:
 * the layout figures are exact, the timings indicative.
 *
 * <pre>{@code
 * java @jdk-flags.txt -cp bench/target/turbokv-bench.jar io.turbokv.bench.PrefixKeyFigures 1000000
 * }</pre>
 */
public final class PrefixKeyFigures {
    private static final int[] PREFIXES = {0, 64, 256};
    private static final int SAMPLES = 200_000;

    private PrefixKeyFigures() {}

    /**
     * Prints one table row per prefix length.
     *
     * @param args the entry count (default 1,000,000)
     * @throws IOException when a store fails
     */
    public static void main(String[] args) throws IOException {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf(Locale.ROOT, "%d entries, 100-byte values, keys = prefix + 4-byte counter%n", entries);
        System.out.println("| prefix | SST bytes/entry | key blocks | index bytes/key block | get p50 (ns) |"
                + " range10 p50 (us) |");
        System.out.println("|---|---|---|---|---|---|");
        for (int prefix : PREFIXES) {
            row(entries, prefix);
        }
    }

    private static void row(int entries, int prefix) throws IOException {
        Path dir = Files.createTempDirectory("turbokv-prefix-figures");
        DbConfig config = DbConfig.builder().family(FamilyConfig.ordered("single", FamilyKind.SINGLE_VALUE))
                .build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            int[] order = shuffled(entries);
            byte[] value = new byte[100];
            Random values = new Random(7);
            try (WriteBatch batch = db.writeBatch()) {
                for (int i : order) {
                    values.nextBytes(value); // incompressible values: the SST bytes show what the keys cost
                    batch.put(0, key(prefix, i), value);
                }
                batch.commit();
            }
            db.fullCompact();
            long bytes = 0;
            long keyBlocks = 0;
            long indexBytes = 0;
            for (MetaFileInfo meta : db.metaInfo()) {
                for (SstInfo sst : meta.ssts()) {
                    bytes += sst.sizeBytes();
                    Path file = dir.resolve(String.format(Locale.ROOT, "%08d.sst", sst.sequenceNumber()));
                    long[] index = indexBlock(file, sst.blockCount());
                    indexBytes += index[0];
                    keyBlocks += index[1];
                }
            }
            long getMedian = median(db, prefix, entries, false);
            long rangeMedian = median(db, prefix, entries, true);
            System.out.printf(Locale.ROOT, "| %d | %.1f | %d | %.1f | %d | %.1f |%n", prefix,
                    (double) bytes / entries, keyBlocks, (double) indexBytes / keyBlocks, getMedian,
                    rangeMedian / 1000.0);
        } finally {
            Stores.deleteTree(dir);
        }
    }

    /** The median time of a get (or a 10-entry range) from a random key, in nanoseconds, after a warm-up. */
    private static long median(TurboKV db, int prefix, int entries, boolean range) throws IOException {
        Random random = new Random(3);
        long[] times = new long[SAMPLES];
        long sink = 0;
        for (int round = 0; round < 2; round++) {
            for (int s = 0; s < SAMPLES; s++) {
                byte[] key = key(prefix, random.nextInt(entries));
                long start = System.nanoTime();
                if (range) {
                    try (ReadScope scope = db.readScope(); Cursor cursor = scope.range(0, key, true, null, true)) {
                        for (int i = 0; i < 10 && cursor.next(); i++) {
                            sink += cursor.value().get(ValueLayout.JAVA_BYTE, 0);
                        }
                    }
                } else {
                    sink += db.get(0, MemorySegment.ofArray(key), v -> {}) ? 1 : 0;
                }
                times[s] = System.nanoTime() - start;
            }
        }
        if (sink == Long.MIN_VALUE) {
            throw new IllegalStateException("unreachable: keeps the reads alive");
        }
        Arrays.sort(times);
        return times[SAMPLES / 2];
    }

    /** Bytes and key blocks of an SST's index: the last block, found through the offset table. */
    private static long[] indexBlock(Path file, int blockCount) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer table = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
            channel.read(table, size - 4L * blockCount + 4L * (blockCount - 2));
            long start = Integer.toUnsignedLong(table.getInt(0));
            long end = Integer.toUnsignedLong(table.getInt(4));
            ByteBuffer header = ByteBuffer.allocate(3).order(ByteOrder.BIG_ENDIAN);
            channel.read(header, start + 8); // after the block framing: type, then the key block count
            return new long[] {end - start, Short.toUnsignedInt(header.getShort(1))};
        }
    }

    private static byte[] key(int prefix, int index) {
        byte[] key = new byte[prefix + 4];
        Arrays.fill(key, 0, prefix, (byte) 'k');
        ByteBuffer.wrap(key).putInt(prefix, index);
        return key;
    }

    private static int[] shuffled(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(11);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
