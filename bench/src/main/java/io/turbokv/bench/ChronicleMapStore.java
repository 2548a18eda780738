package io.turbokv.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Chronicle Map (OpenHFT {@code chronicle-map}), configured as its tutorial recommends for a persisted map:
 * {@code ChronicleMap.of(byte[].class, byte[].class)}, {@code entries} declared as the number of entries the load
 * writes, the key size declared constant ({@code constantKeySizeBySample}) and the average value size declared,
 * {@code createPersistedTo(<dir>/map.dat)} (which also reopens an existing file with the configuration stored in
 * its header). Chronicle Map is a segmented off-heap hash table in one memory-mapped file: unordered and
 * hash-addressed, like TurboKV.
 *
 * <p>Durability: Chronicle Map has no commit, no write-ahead log and no fsync of its own; a put is visible to other
 * processes at once and reaches the disk when the kernel writes the mapped pages back (or at {@code close()}'s
 * unmap, still without a sync). A crash of the process loses nothing (the pages are in the page cache), a crash of
 * the machine loses what was not written back, and a map written to halfway must be opened with
 * {@code recoverPersistedTo}. So that a load ends durable, as the other stores' do, {@link #load} ends with one
 * {@code fsync} of the map file ({@code FileChannel.force}): on Linux that writes back the pages dirtied through
 * the mapping too. The load is not atomic: Chronicle Map has no batch.
 *
 * <p>A load puts from the two filler threads (Chronicle Map locks per segment). Reads use a query context and hand
 * the value to the blackhole in place (zero-copy, under the segment's read lock), as TurboKV's and LMDB's reads
 * do. Multi-valued variant: Chronicle Map has no multimap and no ordered scan, so the {@value Dataset#VALUES_PER_KEY}
 * values of a key are stored concatenated as one value, the usual way to keep a list in a hash map.
 *
 * <p>The JVM needs the {@code --add-opens}/{@code --add-exports} flags that Chronicle documents for Java 17+
 * ({@link Comparison#CHRONICLE_FLAGS}); the benchmark forks of this store get them, users of TurboKV never do.
 */
public final class ChronicleMapStore implements KvStore {
    private static final String FILE = "map.dat";

    private final KeyKind keys;
    private final int valueBytes;
    private final Path file;
    private final ChronicleMap<byte[], byte[]> map;
    private final byte[] key;
    private final MemorySegment keySegment;

    private ChronicleMapStore(Path dir, KeyKind keys, int entries, int valueBytes, boolean multi) throws IOException {
        this.keys = keys;
        this.valueBytes = valueBytes;
        Files.createDirectories(dir);
        this.file = dir.resolve(FILE);
        this.key = new byte[keys.lengthBytes()];
        this.keySegment = MemorySegment.ofArray(key);
        int mapEntries = multi ? entries / Dataset.VALUES_PER_KEY : entries;
        int mapValueBytes = multi ? valueBytes * Dataset.VALUES_PER_KEY : valueBytes;
        this.map = ChronicleMap.of(byte[].class, byte[].class)
                .name("turbokv-bench")
                .entries(mapEntries)
                .constantKeySizeBySample(new byte[keys.lengthBytes()])
                .averageValueSize(mapValueBytes)
                .createPersistedTo(file.toFile());
    }

    /** Opens (creating when missing) the map in {@code dir} for up to {@code entries} values. */
    public static ChronicleMapStore open(Path dir, KeyKind keys, int entries, int valueBytes, boolean multi)
            throws IOException {
        return new ChronicleMapStore(dir, keys, entries, valueBytes, multi);
    }

    @Override
    public void load(Dataset data, ExecutorService fillers) throws Exception {
        int[] order = keys.writeOrder(data.entries());
        fill(fillers, order.length, (from, to) -> {
            byte[] k = new byte[keys.lengthBytes()];
            MemorySegment kSegment = MemorySegment.ofArray(k);
            byte[] v = new byte[valueBytes];
            MemorySegment vSegment = MemorySegment.ofArray(v);
            for (int i = from; i < to; i++) {
                keys.write(order[i], kSegment, 0);
                MemorySegment.copy(data.pool(), data.valueOffset(order[i]), vSegment, 0, valueBytes);
                map.put(k, v);
            }
        });
        sync();
    }

    @Override
    public void loadMulti(Dataset data, ExecutorService fillers) throws Exception {
        int n = Dataset.VALUES_PER_KEY;
        fill(fillers, data.multiKeys(), (from, to) -> {
            byte[] k = new byte[keys.lengthBytes()];
            MemorySegment kSegment = MemorySegment.ofArray(k);
            byte[] v = new byte[valueBytes * n];
            MemorySegment vSegment = MemorySegment.ofArray(v);
            for (int kIndex = from; kIndex < to; kIndex++) {
                keys.write(kIndex, kSegment, 0);
                for (int j = 0; j < n; j++) {
                    MemorySegment.copy(data.pool(), data.valueOffset((long) kIndex * n + j), vSegment,
                            (long) j * valueBytes, valueBytes);
                }
                map.put(k, v);
            }
        });
        sync();
    }

    private interface Range {
        void fill(int from, int to) throws Exception;
    }

    /** Splits {@code [0, count)} in two halves, one per filler thread, and waits for both. */
    private static void fill(ExecutorService fillers, int count, Range range) throws Exception {
        List<Future<?>> parts = new ArrayList<>();
        int half = count / 2;
        parts.add(fillers.submit(() -> {
            range.fill(0, half);
            return null;
        }));
        parts.add(fillers.submit(() -> {
            range.fill(half, count);
            return null;
        }));
        for (Future<?> part : parts) {
            part.get();
        }
    }

    /** One fsync of the map file: writes back every page dirtied through the mapping (Linux). */
    private void sync() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    @Override
    public boolean get(long index, Blackhole blackhole) {
        keys.write(index, keySegment, 0);
        try (ExternalMapQueryContext<byte[], byte[], ?> context = map.queryContext(key)) {
            MapEntry<byte[], byte[]> entry = context.entry();
            if (entry == null) {
                return false;
            }
            Data<byte[]> value = entry.value();
            consume(blackhole, value.bytes(), value.offset(), value.size());
            return true;
        }
    }

    private static void consume(Blackhole blackhole, RandomDataInput bytes, long offset, long size) {
        blackhole.consume(size);
        blackhole.consume(bytes.readByte(offset));
        blackhole.consume(bytes.readByte(offset + size - 1));
    }

    @Override
    public int batchGet(long[] indices, Blackhole blackhole) {
        int found = 0;
        for (long index : indices) {
            if (get(index, blackhole)) {
                found++;
            }
        }
        return found;
    }

    @Override
    public int getMultiple(long index, Blackhole blackhole) {
        keys.write(index, keySegment, 0);
        try (ExternalMapQueryContext<byte[], byte[], ?> context = map.queryContext(key)) {
            MapEntry<byte[], byte[]> entry = context.entry();
            if (entry == null) {
                return 0;
            }
            Data<byte[]> value = entry.value();
            int count = (int) (value.size() / valueBytes);
            for (int j = 0; j < count; j++) {
                consume(blackhole, value.bytes(), value.offset() + (long) j * valueBytes, valueBytes);
            }
            return count;
        }
    }

    /**
     * {@code forEachEntry}, Chronicle Map's documented way to visit every entry (segment by segment under its read
     * lock, in hash order); values are read in place.
     */
    @Override
    public long iterateAll(Blackhole blackhole) {
        long[] count = {0};
        map.forEachEntry(entry -> {
            Data<byte[]> value = entry.value();
            consume(blackhole, value.bytes(), value.offset(), value.size());
            count[0]++;
        });
        return count[0];
    }

    @Override
    public void close() {
        map.close();
    }
}
