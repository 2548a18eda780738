package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteBufferReserve}: stores opened and closed one after another pass their write buffers on, dirty, and
 * every store must still read back exactly its own entries, under every spill threshold, chunk size and filter
 * size; the reserve's bytes are reported, bounded, and freed when it closes, even while a store uses it.
 */
class WriteBufferReserveStoreTest {
    private static final long CAPACITY = 96L << 20;

    @TempDir
    Path dir;

    private static byte[] key(int store, int key) {
        return ByteBuffer.allocate(16).putInt(store).putInt(key).putLong((long) key * 0x9E3779B97F4A7C15L).array();
    }

    /** A value that names its store and key throughout, so bytes of another store's batch show. */
    private static byte[] value(int store, int key, int length) {
        byte[] value = new byte[length];
        Arrays.fill(value, (byte) (store * 31 + key));
        ByteBuffer.wrap(value).putInt(store).putInt(key);
        return value;
    }

    /**
     * Batch sizes across the write path's thresholds: one entry (a stripe's first 64 KiB chunk), below and above
     * the 4,096 entries from which a spill's filter is built on the pool, several grown chunks (up to 1 MiB), the
     * smallest spill thresholds (2,048 entries, 1 MiB) cut many times, and a last buffer of 64 Ki entries or more
     * (sorted and split across two threads); both filter widths; 100-byte and 2 KiB values.
     */
    private static final int[][] ROUNDS = {
            // entries, value bytes, smallest spill thresholds (1) or defaults (0), fingerprint bits
            {1, 100, 0, 8}, {4_095, 100, 0, 16}, {4_097, 100, 0, 8}, {30_000, 100, 1, 16}, {70_000, 100, 0, 8},
            {3_000, 2_048, 1, 8}, {20_000, 2_048, 0, 16}, {70_000, 100, 1, 16}, {100, 100, 0, 8}, {40_000, 100, 0, 8},
    };

    @Test
    void storesOpenedAndClosedInALoopReadBackOnlyTheirOwnEntriesFromReusedBuffers() throws Exception {
        try (WriteBufferReserve reserve = WriteBufferReserve.create(CAPACITY)) {
            for (int store = 0; store < ROUNDS.length; store++) {
                int[] round = ROUNDS[store];
                DbConfig config = config(reserve, round);
                try (TurboKV db = TurboKV.open(dir.resolve("s" + store), config)) {
                    long reserveBefore = reserve.heldBytes();
                    assertEquals(reserveBefore, db.statistics().writeBufferReserveBytes());
                    load(db, store, round[0], round[1]);
                    assertTrue(db.statistics().writeBufferPoolBytes() > 0, "the store kept no buffer");
                    assertTrue(reserve.heldBytes() <= reserveBefore, "an open store handed memory to the reserve");
                    verify(db, store, round[0], round[1]);
                }
                assertTrue(reserve.heldBytes() > 0, "a closed store passed nothing on");
                assertTrue(reserve.heldBytes() <= CAPACITY, "the reserve holds " + reserve.heldBytes());
            }
        }
        for (int store = 0; store < ROUNDS.length; store++) { // again from disk, without the reserve
            try (TurboKV db = TurboKV.open(dir.resolve("s" + store), config(null, ROUNDS[store]))) {
                verify(db, store, ROUNDS[store][0], ROUNDS[store][1]);
            }
        }
    }

    @Test
    void theReserveClosedWhileAStoreUsesItFreesItsMemoryAndTheStoreGoesOn() throws Exception {
        WriteBufferReserve reserve = WriteBufferReserve.create(CAPACITY);
        try (TurboKV first = TurboKV.open(dir.resolve("first"), config(reserve, ROUNDS[3]))) {
            load(first, 0, 30_000, 100);
        }
        assertTrue(reserve.heldBytes() > 0);
        try (TurboKV db = TurboKV.open(dir.resolve("second"), config(reserve, ROUNDS[3]))) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int key = 0; key < 15_000; key++) {
                    batch.put(0, key(1, key), value(1, key, 100));
                }
                reserve.close(); // mid-batch: what the batch took from it stays the batch's
                assertEquals(0, reserve.heldBytes());
                for (int key = 15_000; key < 30_000; key++) {
                    batch.put(0, key(1, key), value(1, key, 100));
                }
                batch.commit();
            }
            load(db, 2, 30_000, 100);
            verify(db, 1, 30_000, 100, 60_000);
            verify(db, 2, 30_000, 100, 60_000);
        }
        assertEquals(0, reserve.heldBytes(), "a closed reserve kept a closing store's buffers");
        assertTrue(reserve.isClosed());
        assertThrows(IllegalArgumentException.class, () -> WriteBufferReserve.create(-1));
    }

    @Test
    void theMXBeanReportsTheStoresPoolAndTheReserve() throws Exception {
        try (WriteBufferReserve reserve = WriteBufferReserve.create(CAPACITY)) {
            try (TurboKV db = TurboKV.open(dir.resolve("a"), config(reserve, ROUNDS[3]))) {
                load(db, 0, 10_000, 100);
            }
            DbConfig config = config(reserve, ROUNDS[3]).toBuilder().jmx(true).build();
            Path second = dir.resolve("b");
            try (TurboKV db = TurboKV.open(second, config)) {
                ObjectName name = ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName(
                        "io.turbokv:type=Store,directory=" + ObjectName.quote(second.toString()) + ",*"), null)
                        .iterator().next();
                StoreMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name,
                        StoreMXBean.class);
                assertEquals(reserve.heldBytes(), bean.getWriteBufferReserveBytes());
                assertTrue(bean.getWriteBufferReserveBytes() > 0);
                assertEquals(0, bean.getWriteBufferPoolBytes());
                load(db, 1, 10_000, 100);
                assertEquals(db.statistics().writeBufferPoolBytes(), bean.getWriteBufferPoolBytes());
                assertTrue(bean.getWriteBufferPoolBytes() > 0);
            }
        }
    }

    private static DbConfig config(WriteBufferReserve reserve, int[] round) {
        DbConfig.Builder builder = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .filterFingerprintBits(round[3]).writeBufferReserve(reserve);
        if (round[2] == 1) {
            builder.spillBytes(DbConfig.MIN_SPILL_BYTES).spillEntries(DbConfig.MIN_SPILL_ENTRIES);
        }
        return builder.build();
    }

    /** One batch of {@code entries} from two filler threads, committed. */
    private static void load(TurboKV db, int store, int entries, int valueBytes) throws Exception {
        try (WriteBatch batch = db.writeBatch()) {
            Thread[] fillers = new Thread[2];
            AtomicInteger failures = new AtomicInteger();
            for (int t = 0; t < fillers.length; t++) {
                int part = t;
                fillers[t] = new Thread(() -> {
                    try {
                        for (int key = part; key < entries; key += 2) {
                            batch.put(0, key(store, key), value(store, key, valueBytes));
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        throw new IllegalStateException(e);
                    }
                }, "filler-" + t);
                fillers[t].start();
            }
            for (Thread filler : fillers) {
                filler.join();
            }
            assertEquals(0, failures.get());
            batch.commit();
        }
    }

    private static void verify(TurboKV db, int store, int entries, int valueBytes) throws Exception {
        verify(db, store, entries, valueBytes, entries);
    }

    /** Checks {@code store}'s entries, and that the database holds {@code total} entries in all. */
    private static void verify(TurboKV db, int store, int entries, int valueBytes, int total) throws Exception {
        AtomicInteger count = new AtomicInteger();
        db.forEach(0, (key, value) -> count.incrementAndGet());
        for (int key = 0; key < entries; key++) {
            assertArrayEquals(value(store, key, valueBytes), db.get(0, key(store, key)).orElseThrow(),
                    "store " + store + " key " + key);
        }
        assertEquals(total, count.get(), "store " + store + " holds entries of another batch");
    }
}
