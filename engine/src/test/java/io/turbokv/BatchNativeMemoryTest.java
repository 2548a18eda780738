package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native memory a write batch holds is reported, bounded whatever the batch's size (the spills in flight and
 * their sort's scratch, the buffer each family fills and one chunk per stripe), and all of it goes back when the batch ends.
 */
class BatchNativeMemoryTest {
    private static final int KEY_BYTES = 8;
    private static final int VALUE_BYTES = 1;
    /** The record of one entry in a chunk: 17 header bytes, the key and the value. */
    private static final long RECORD_BYTES = 17 + KEY_BYTES + VALUE_BYTES;
    private static final long MAX_CHUNK_BYTES = 1 << 20;
    private static final long ENTRIES_PER_SPILL = 256 * 1024;
    /** The spill's sort: a (hash, ref) pair per entry and as much again for the sort's other side. */
    private static final long SORT_BYTES = 32;

    @TempDir
    Path dir;

    @Test
    void aBatchLargerThanItsBoundHoldsAtMostTheBoundAndReturnsEverything() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int stripes = Integer.highestOneBit(Math.max(1, cores) * 4 - 1) * 2;
        // cut after the chunk that reached it; sorted with 32 bytes of scratch per entry
        long perSpill = ENTRIES_PER_SPILL * RECORD_BYTES + MAX_CHUNK_BYTES + ENTRIES_PER_SPILL * SORT_BYTES;
        long bound = (cores + 2) * perSpill + stripes * MAX_CHUNK_BYTES; // spilling, one filling, stripes' chunks
        long entries = 5 * bound / 2 / RECORD_BYTES; // the batch is 2.5 times the bound
        long batchBytes = entries * RECORD_BYTES;
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily()); WriteBatch batch = db.writeBatch()) {
            assertEquals(0, batch.nativeMemoryBytes());
            Thread[] fillers = new Thread[2];
            Throwable[] failure = new Throwable[1];
            for (int t = 0; t < fillers.length; t++) {
                int first = t;
                fillers[t] = new Thread(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment key = arena.allocate(KEY_BYTES);
                        MemorySegment value = arena.allocate(VALUE_BYTES);
                        for (long i = first; i < entries; i += 2) {
                            key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                            value.set(ValueLayout.JAVA_BYTE, 0, (byte) i);
                            batch.put(0, key, value);
                        }
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                fillers[t].start();
            }
            for (Thread filler : fillers) {
                filler.join();
            }
            if (failure[0] != null) {
                throw new AssertionError(failure[0]);
            }
            assertTrue(batch.nativeMemoryBytes() > 0, "entries not yet spilled are held");
            batch.commit();
            assertEquals(0, batch.nativeMemoryBytes(), "every chunk goes back when the batch ends");
            long peak = batch.peakNativeMemoryBytes();
            assertTrue(peak > 0 && peak <= bound, "peak " + peak + " bytes, bound " + bound + " bytes, batch "
                    + batchBytes + " bytes");
            assertEquals(entries, countEntries(db));
        }
    }

    @Test
    void aBatchClosedWithoutCommitReturnsItsMemory() throws Exception {
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            WriteBatch batch = db.writeBatch();
            for (int i = 0; i < 10_000; i++) {
                batch.put(0, ("key-" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[100]);
            }
            assertTrue(batch.nativeMemoryBytes() >= 10_000 * (17 + 100));
            batch.close();
            assertEquals(0, batch.nativeMemoryBytes());
        }
    }

    private static long countEntries(TurboKV db) throws Exception {
        long[] count = new long[1];
        db.forEach(0, (key, value) -> count[0]++);
        return count[0];
    }
}
