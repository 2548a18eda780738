package io.turbokv.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The per-thread logs of read keys give every distinct hash once per drain, within their bound. */
class AccessedKeysTest {
    @Test
    void aDrainGivesEveryHashRecordedByAnyThreadOnce() throws InterruptedException {
        AccessedKeys keys = new AccessedKeys();
        TreeSet<Long> expected = new TreeSet<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            long seed = t % 3; // pairs of threads record the same hashes
            threads.add(Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < 20_000; i++) {
                    keys.record(random.nextLong(5_000)); // repeats: the logs compact past their first size
                }
            }));
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 20_000; i++) {
                expected.add(random.nextLong(5_000));
            }
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), keys.drain());
        assertEquals(0, keys.drain().length, "a drain empties the logs");
        keys.record(42);
        assertArrayEquals(new long[] {42}, keys.drain());
    }

    @Test
    void aHotKeyTakesNoRoomFromTheOthers() {
        AccessedKeys keys = new AccessedKeys();
        for (int i = 0; i < 3 * AccessedKeys.CAPACITY; i++) {
            keys.record(7);
        }
        for (long hash = 100; hash < 100 + AccessedKeys.CAPACITY / 2; hash++) {
            keys.record(hash);
        }
        long[] drained = keys.drain();
        assertEquals(1 + AccessedKeys.CAPACITY / 2, drained.length);
        assertEquals(7, drained[0]);
    }

    @Test
    void oneThreadMayFillTheWholeCapacityAndNoMore() {
        AccessedKeys keys = new AccessedKeys();
        LongStream.range(0, 2L * AccessedKeys.CAPACITY).forEach(keys::record);
        long[] drained = keys.drain();
        assertTrue(drained.length >= AccessedKeys.CAPACITY * 3 / 4 && drained.length <= AccessedKeys.CAPACITY,
                "recorded " + drained.length);
        for (int i = 0; i < drained.length; i++) {
            assertEquals(i, drained[i], "the first hashes are the ones kept");
        }
        keys.record(-1);
        assertArrayEquals(new long[] {-1}, keys.drain(), "the drain frees the capacity");
    }

    @Test
    void recordingAfterADrainAllocatesNothingFromTheFirstHit() {
        AccessedKeys keys = new AccessedKeys();
        SplittableRandom random = new SplittableRandom(3);
        int hits = 300_000;
        for (int i = 0; i < hits; i++) {
            keys.record(random.nextLong()); // the reads before a commit grow this thread's log
        }
        assertEquals(hits, keys.drain().length);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        for (int commit = 0; commit < 3; commit++) {
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < hits; i++) {
                keys.record(random.nextLong());
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertTrue(allocated < 1024, "after commit " + commit + ": " + allocated + " bytes for " + hits + " hits");
            assertEquals(hits, keys.drain().length);
        }
    }

    @Test
    void aLogLittleUsedSinceTheLastDrainGivesItsCapacityBack() throws InterruptedException {
        AccessedKeys keys = new AccessedKeys();
        LongStream.range(0, 2L * AccessedKeys.CAPACITY).forEach(keys::record); // this thread takes all of it
        keys.drain();
        keys.record(1); // a quarter of it unused: given back at the next drain
        keys.drain();
        Thread other = Thread.ofPlatform().start(() -> LongStream.range(0, AccessedKeys.CAPACITY / 2)
                .forEach(keys::record));
        other.join();
        assertEquals(AccessedKeys.CAPACITY / 2, keys.drain().length, "another thread's hashes, all of them");
    }
}
