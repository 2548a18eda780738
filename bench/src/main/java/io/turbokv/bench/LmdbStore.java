package io.turbokv.bench;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.GetOp;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;
import org.openjdk.jmh.infra.Blackhole;

/**
 * LMDB (lmdbjava) with its defaults and the optimal {@code ByteBuffer} proxy: durable commits (no
 * {@code MDB_NOSYNC}, {@code MDB_NOMETASYNC} or {@code MDB_WRITEMAP}), a map size with room for the data twice
 * over (the file grows as needed), one named database. The benchmark forks set {@code lmdbjava.disable.checks},
 * as lmdbjava's own benchmarks do.
 *
 * <p>A load is one write transaction (LMDB has one writer: the second filler thread stays idle), with
 * {@code MDB_APPEND} when the keys arrive sorted ({@code int-seq}), committed with {@code fsync}. Each read runs
 * in its own snapshot, as TurboKV's and RocksDB's do: one read-only transaction per store, {@code renew()}ed
 * before and {@code reset()} after every operation (a batch is one snapshot). Values are zero-copy views of the
 * map.
 *
 * <p>Multi-valued variant: value {@code j} of key {@code k} is stored under {@code k || j} (one byte) and read with
 * a cursor ({@code MDB_SET_RANGE}, then {@code next} while the prefix matches). {@code MDB_DUPSORT}, LMDB's own
 * multiset, was not used: it caps values at the maximum key size (511 bytes), which excludes the 2 KiB values.
 */
public final class LmdbStore implements KvStore, OrderedReads {
    private static final PutFlags[] APPEND = {PutFlags.MDB_APPEND};
    private static final PutFlags[] NONE = {};

    private final KeyKind keys;
    private final boolean multi;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;
    private final ByteBuffer key;
    private final MemorySegment keySegment;
    private Txn<ByteBuffer> readTxn;
    private Cursor<ByteBuffer> cursor;

    private LmdbStore(Path dir, KeyKind keys, int entries, int valueBytes, boolean multi) throws Exception {
        this.keys = keys;
        this.multi = multi;
        Files.createDirectories(dir);
        long mapSize = (1L << 30) + 2L * entries * (valueBytes + keys.lengthBytes() + 4096L);
        this.env = Env.create().setMapSize(mapSize).setMaxDbs(1).setMaxReaders(126).open(dir.toFile());
        this.dbi = env.openDbi("kv", DbiFlags.MDB_CREATE);
        this.key = ByteBuffer.allocateDirect(keys.lengthBytes() + 1);
        this.keySegment = MemorySegment.ofBuffer(key);
    }

    /** Opens (creating when missing) the store in {@code dir}. */
    public static LmdbStore open(Path dir, KeyKind keys, int entries, int valueBytes, boolean multi)
            throws Exception {
        return new LmdbStore(dir, keys, entries, valueBytes, multi);
    }

    @Override
    public void load(Dataset data, ExecutorService fillers) throws Exception {
        int[] order = keys.writeOrder(data.entries());
        PutFlags[] flags = keys == KeyKind.INT_SEQ ? APPEND : NONE;
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            for (int i : order) {
                setKey(i, -1);
                dbi.put(txn, key, data.valueBuffer(i), flags);
            }
            txn.commit();
        }
    }

    @Override
    public void loadMulti(Dataset data, ExecutorService fillers) throws Exception {
        PutFlags[] flags = keys == KeyKind.INT_SEQ ? APPEND : NONE;
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            for (int kIndex = 0; kIndex < data.multiKeys(); kIndex++) {
                for (int j = 0; j < Dataset.VALUES_PER_KEY; j++) {
                    setKey(kIndex, j);
                    dbi.put(txn, key, data.valueBuffer((long) kIndex * Dataset.VALUES_PER_KEY + j), flags);
                }
            }
            txn.commit();
        }
    }

    /** Key {@code index} into {@link #key}, followed by {@code suffix} when it is not negative. */
    private void setKey(long index, int suffix) {
        keys.write(index, keySegment, 0);
        key.clear();
        if (suffix >= 0) {
            key.put(keys.lengthBytes(), (byte) suffix);
        } else {
            key.limit(keys.lengthBytes());
        }
    }

    private Txn<ByteBuffer> beginRead() {
        if (readTxn == null) {
            readTxn = env.txnRead();
        } else {
            readTxn.renew();
        }
        return readTxn;
    }

    @Override
    public boolean get(long index, Blackhole blackhole) {
        Txn<ByteBuffer> txn = beginRead();
        try {
            setKey(index, -1);
            ByteBuffer value = dbi.get(txn, key);
            if (value == null) {
                return false;
            }
            KvStore.consume(blackhole, value);
            return true;
        } finally {
            txn.reset();
        }
    }

    @Override
    public int batchGet(long[] indices, Blackhole blackhole) {
        Txn<ByteBuffer> txn = beginRead();
        try {
            int found = 0;
            for (long index : indices) {
                setKey(index, -1);
                ByteBuffer value = dbi.get(txn, key);
                if (value != null) {
                    KvStore.consume(blackhole, value);
                    found++;
                }
            }
            return found;
        } finally {
            txn.reset();
        }
    }

    @Override
    public int getMultiple(long index, Blackhole blackhole) {
        if (!multi) {
            throw new IllegalStateException("getMultiple needs a store opened multi-valued");
        }
        Txn<ByteBuffer> txn = beginRead();
        try {
            if (cursor == null) {
                cursor = dbi.openCursor(txn);
            } else {
                cursor.renew(txn);
            }
            setKey(index, 0);
            int count = 0;
            int prefix = keys.lengthBytes();
            for (boolean found = cursor.get(key, GetOp.MDB_SET_RANGE); found && samePrefix(cursor.key(), prefix);
                    found = cursor.next()) {
                KvStore.consume(blackhole, cursor.val());
                count++;
            }
            return count;
        } finally {
            txn.reset();
        }
    }

    /** A cursor from {@code first()} to the last entry (key order) in one read transaction. */
    @Override
    public long iterateAll(Blackhole blackhole) {
        Txn<ByteBuffer> txn = beginRead();
        try {
            if (cursor == null) {
                cursor = dbi.openCursor(txn);
            } else {
                cursor.renew(txn);
            }
            long count = 0;
            for (boolean found = cursor.first(); found; found = cursor.next()) {
                KvStore.consume(blackhole, cursor.val());
                count++;
            }
            return count;
        } finally {
            txn.reset();
        }
    }

    /** The store's read-only cursor, renewed: {@code MDB_SET_RANGE} at the key, then {@code next}. */
    @Override
    public int range(long index, int count, Blackhole blackhole) {
        Txn<ByteBuffer> txn = beginRead();
        try {
            if (cursor == null) {
                cursor = dbi.openCursor(txn);
            } else {
                cursor.renew(txn);
            }
            setKey(index, -1);
            int visited = 0;
            for (boolean found = cursor.get(key, GetOp.MDB_SET_RANGE); found && visited < count;
                    found = cursor.next()) {
                KvStore.consume(blackhole, cursor.val());
                visited++;
            }
            return visited;
        } finally {
            txn.reset();
        }
    }

    /** {@link #iterateAll}: LMDB's own order is the key order. */
    @Override
    public long scanInKeyOrder(Blackhole blackhole) {
        return iterateAll(blackhole);
    }

    private boolean samePrefix(ByteBuffer found, int prefix) {
        if (found.remaining() < prefix) {
            return false;
        }
        int at = found.position();
        for (int i = 0; i < prefix; i++) {
            if (found.get(at + i) != key.get(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (cursor != null) {
            cursor.close();
        }
        if (readTxn != null) {
            readTxn.close();
        }
        dbi.close();
        env.close();
    }
}
