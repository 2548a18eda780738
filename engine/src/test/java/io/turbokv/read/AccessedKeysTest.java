package io.turbokv.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
