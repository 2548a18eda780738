package io.turbokv.bench;

import io.turbokv.Cursor;
import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.KeyValueConsumer;
import io.turbokv.MetaFileInfo;
import io.turbokv.ReadScope;
import io.turbokv.SstInfo;
import io.turbokv.TurboKV;
import io.turbokv.ValueConsumer;
import io.turbokv.WriteBatch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.openjdk.jmh.infra.Blackhole;

/**
 * TurboKV as configured by default: family 0 single-valued, family 1 multi-valued, key-block cache 400 MiB and
 * value-block cache 300 MiB ({@link DbConfig} defaults, as turbo-persistence). A load is one {@link WriteBatch}
 * filled by two threads, then {@link WriteBatch#commit()}, which syncs every file before it returns. Reads use
 * the zero-copy {@link TurboKV#get(int, MemorySegment, ValueConsumer)}; {@link #getCopy} and
 * {@link #getScoped} measure the two other read APIs.
 */
public final class TurboKvStore implements KvStore, OrderedReads {
    /** The single-valued family. */
    public static final int SINGLE = 0;
    /** The multi-valued family. */
    public static final int MULTI = 1;

    private final TurboKV db;
    private final KeyKind keys;
    /** Whether the families are key-ordered ({@link OrderedReads} needs it). */
    private final boolean ordered;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key;
    private final BlackholeConsumer consumer = new BlackholeConsumer();
    private final CountingConsumer scanConsumer = new CountingConsumer();
    private final byte[] heapKey;
    private final MemorySegment heapKeySegment;
    private byte[][] batchKeys = new byte[0][];
    private MemorySegment[] batchKeySegments = new MemorySegment[0];

    private TurboKvStore(TurboKV db, KeyKind keys, boolean ordered) {
        this.db = db;
        this.keys = keys;
        this.ordered = ordered;
        this.key = arena.allocate(keys.lengthBytes());
        this.heapKey = new byte[keys.lengthBytes()];
        this.heapKeySegment = MemorySegment.ofArray(heapKey);
    }

    /** The configuration every TurboKV benchmark store uses. */
    public static DbConfig config() {
        return DbConfig.builder().family("single", FamilyKind.SINGLE_VALUE).family("multi", FamilyKind.MULTI_VALUE)
                .build();
    }

    /**
     * As {@link #config()}, with both families key-ordered when {@code ordered}.
     *
     * @param ordered whether the families are key-ordered
     * @return the configuration
     */
    public static DbConfig config(boolean ordered) {
        if (!ordered) {
            return config();
        }
        return DbConfig.builder().family(FamilyConfig.ordered("single", FamilyKind.SINGLE_VALUE))
                .family(FamilyConfig.ordered("multi", FamilyKind.MULTI_VALUE)).build();
    }

    /** Opens (creating when missing) the store in {@code dir}. */
    public static TurboKvStore open(Path dir, KeyKind keys) throws Exception {
        return open(dir, keys, false);
    }

    /** Opens (creating when missing) the store in {@code dir}, its families key-ordered when {@code ordered}. */
    public static TurboKvStore open(Path dir, KeyKind keys, boolean ordered) throws Exception {
        return new TurboKvStore(TurboKV.open(dir, config(ordered)), keys, ordered);
    }

    /**
     * Opens (creating when missing) the store in {@code dir} with {@code config}, whose families must be those of
     * {@link #config()} (hash-ordered).
     */
    public static TurboKvStore open(Path dir, KeyKind keys, DbConfig config) throws Exception {
        return new TurboKvStore(TurboKV.open(dir, config), keys, false);
    }

    /** {@return the sizes of the store's SST and meta files, in bytes} */
    public long fileBytes() {
        long bytes = 0;
        for (MetaFileInfo meta : db.metaInfo()) {
            for (SstInfo sst : meta.ssts()) {
                bytes += sst.sizeBytes() + sst.filterBytes();
            }
        }
        return bytes;
    }

    /** A cursor of a scope opened for the call, from key {@code index}: the scope and cursor API's cost. */
    @Override
    public int range(long index, int count, Blackhole blackhole) throws Exception {
        checkOrdered();
        keys.write(index, key, 0);
        int visited = 0;
        try (ReadScope scope = db.readScope(); Cursor cursor = scope.range(SINGLE, key, true, null, true)) {
            while (visited < count && cursor.next()) {
                KvStore.consume(blackhole, cursor.value());
                visited++;
            }
        }
        return visited;
    }

    /** A cursor over the whole single-valued family. */
    @Override
    public long scanInKeyOrder(Blackhole blackhole) throws Exception {
        checkOrdered();
        long visited = 0;
        try (ReadScope scope = db.readScope();
             Cursor cursor = scope.range(SINGLE, (MemorySegment) null, true, null, true)) {
            while (cursor.next()) {
                KvStore.consume(blackhole, cursor.value());
                visited++;
            }
        }
        return visited;
    }

    private void checkOrdered() {
        if (!ordered) {
            throw new IllegalStateException("a hash-ordered TurboKV store has no key order: use "
                    + Stores.TURBOKV_ORDERED);
        }
    }

    @Override
    public void load(Dataset data, ExecutorService fillers) throws Exception {
        try (WriteBatch batch = db.writeBatch()) {
            int[] order = keys.writeOrder(data.entries());
            List<Future<Void>> parts = new ArrayList<>();
            for (int part = 0; part < 2; part++) {
                int first = part;
                parts.add(fillers.submit(() -> {
                    try (Arena local = Arena.ofConfined()) {
                        MemorySegment k = local.allocate(keys.lengthBytes());
                        for (int j = first; j < order.length; j += 2) {
                            keys.write(order[j], k, 0);
                            batch.put(SINGLE, k, data.value(order[j]));
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> part : parts) {
                part.get();
            }
            batch.commit();
        }
    }

    /** Compacts the store fully: one SST per part of the hash range, no key stored twice. */
    public void fullCompact() throws Exception {
        db.fullCompact();
    }

    @Override
    public void loadMulti(Dataset data, ExecutorService fillers) throws Exception {
        try (WriteBatch batch = db.writeBatch()) {
            int multiKeys = data.multiKeys();
            List<Future<Void>> parts = new ArrayList<>();
            for (int part = 0; part < 2; part++) {
                int first = part;
                parts.add(fillers.submit(() -> {
                    try (Arena local = Arena.ofConfined()) {
                        MemorySegment k = local.allocate(keys.lengthBytes());
                        for (int kIndex = first; kIndex < multiKeys; kIndex += 2) {
                            keys.write(kIndex, k, 0);
                            for (int j = 0; j < Dataset.VALUES_PER_KEY; j++) {
                                batch.put(MULTI, k, data.value((long) kIndex * Dataset.VALUES_PER_KEY + j));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> part : parts) {
                part.get();
            }
            batch.commit();
        }
    }

    @Override
    public boolean get(long index, Blackhole blackhole) throws Exception {
        keys.write(index, key, 0);
        consumer.blackhole = blackhole;
        return db.get(SINGLE, key, consumer);
    }

    /** Reads key {@code index} through {@link TurboKV#get(int, byte[])}, which copies the value to the heap. */
    public boolean getCopy(long index, Blackhole blackhole) throws Exception {
        keys.write(index, heapKeySegment, 0);
        Optional<byte[]> value = db.get(SINGLE, heapKey);
        if (value.isEmpty()) {
            return false;
        }
        byte[] bytes = value.get();
        KvStore.consume(blackhole, bytes, bytes.length);
        return true;
    }

    /** Reads key {@code index} in a {@link ReadScope} of its own, opened and closed around the read. */
    public boolean getScoped(long index, Blackhole blackhole) throws Exception {
        keys.write(index, key, 0);
        try (ReadScope scope = db.readScope()) {
            MemorySegment value = scope.get(SINGLE, key);
            if (value == null) {
                return false;
            }
            KvStore.consume(blackhole, value);
            return true;
        }
    }

    @Override
    public int batchGet(long[] indices, Blackhole blackhole) throws Exception {
        if (batchKeys.length != indices.length) {
            batchKeys = new byte[indices.length][keys.lengthBytes()];
            batchKeySegments = new MemorySegment[indices.length];
            for (int i = 0; i < indices.length; i++) {
                batchKeySegments[i] = MemorySegment.ofArray(batchKeys[i]);
            }
        }
        for (int i = 0; i < indices.length; i++) {
            keys.write(indices[i], batchKeySegments[i], 0);
        }
        byte[][] values = db.batchGet(SINGLE, batchKeys);
        int found = 0;
        for (byte[] value : values) {
            if (value != null) {
                KvStore.consume(blackhole, value, value.length);
                found++;
            }
        }
        return found;
    }

    @Override
    public int getMultiple(long index, Blackhole blackhole) throws Exception {
        keys.write(index, key, 0);
        consumer.blackhole = blackhole;
        return db.getMultiple(MULTI, key, consumer);
    }

    /** {@link TurboKV#forEach} over the single-valued family: hash order, not key order. */
    @Override
    public long iterateAll(Blackhole blackhole) throws Exception {
        scanConsumer.blackhole = blackhole;
        scanConsumer.count = 0;
        db.forEach(SINGLE, scanConsumer);
        return scanConsumer.count;
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            db.close();
        } finally {
            arena.close();
        }
    }

    /** Hands each value to the current blackhole (set before each read: no capturing lambda per call). */
    private static final class BlackholeConsumer implements ValueConsumer {
        Blackhole blackhole;

        @Override
        public void accept(MemorySegment value) {
            KvStore.consume(blackhole, value);
        }
    }

    /** Hands each value of a scan to the current blackhole and counts the entries. */
    private static final class CountingConsumer implements KeyValueConsumer {
        Blackhole blackhole;
        long count;

        @Override
        public void accept(MemorySegment key, MemorySegment value) {
            KvStore.consume(blackhole, value);
            count++;
        }
    }
}
