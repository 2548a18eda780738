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
    void aLogThatCannotGrowRecordsUntilItsFreeRoomIsFull() {
        AccessedKeys keys = new AccessedKeys();
        int capacity = AccessedKeys.CAPACITY;
        LongStream.range(0, capacity).forEach(keys::record); // this thread's log takes the whole capacity
        keys.drain(); // and keeps it: it was full
        int distinct = capacity - capacity / 8; // over three quarters: the sort that finds it full saturates it
        for (int i = 0; i < capacity; i++) {
            keys.record(i % distinct);
        }
        keys.record(-1); // finds the log full: sorted down to 7/8, it has room for this one and 1/8 more
        for (long hash = capacity; hash < capacity + capacity / 8 - 1; hash++) {
            keys.record(hash);
        }
        keys.record(-2); // no room left
        long[] expected = LongStream.concat(LongStream.of(-1),
                LongStream.concat(LongStream.range(0, distinct),
                        LongStream.range(capacity, capacity + capacity / 8 - 1)))
                .toArray();
        assertArrayEquals(expected, keys.drain());
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
    void theInPlaceSortOrdersEveryShapeOfLogAtEverySize() {
        SplittableRandom random = new SplittableRandom(11);
        // every size from 0 to 600, across INSERTION_SORT = 32, is in AccessedKeysReviewTest; these add the shapes
        int[] sizes = {0, 1, 2, 3, 100, 1_000, 4_097, 50_000};
        for (int size : sizes) {
            for (int shape = 0; shape < 8; shape++) {
                long[] hashes = new long[size];
                int sortedPrefix = size * 3 / 5;
                for (int i = 0; i < size; i++) {
                    hashes[i] = switch (shape) {
                        case 0 -> random.nextLong(); // a log of distinct random hashes, negative ones included
                        case 1 -> random.nextLong(5); // a few hot keys
                        case 2 -> i; // ascending
                        case 3 -> size - i; // descending
                        case 4 -> i < sortedPrefix ? 2L * i : random.nextLong(2L * size + 1); // what a full log holds
                        case 5 -> -random.nextLong(1_000); // small negatives: every byte level but the last is one bucket
                        case 6 -> random.nextLong() & 0xFF00FF00FF00FF00L; // every other byte level one bucket
                        default -> i % 2 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE; // the extremes, alternating
                    };
                }
                long[] expected = hashes.clone();
                java.util.Arrays.sort(expected);
                long[] sorted = hashes.clone();
                AccessedKeys.sort(sorted, 0, size, new int[AccessedKeys.SORT_SCRATCH]);
                assertArrayEquals(expected, sorted, "size " + size + ", shape " + shape);
                long[] distinct = LongStream.of(expected).distinct().toArray();
                long[] deduplicated = hashes.clone();
                int count = AccessedKeys.distinctTail(deduplicated, 0, size, new int[AccessedKeys.SORT_SCRATCH]);
                assertArrayEquals(distinct, java.util.Arrays.copyOf(deduplicated, count),
                        "size " + size + ", shape " + shape);
            }
        }
        long[] window = {9, 8, 7, 6, 5, 4, 3, 2, 1};
        AccessedKeys.sort(window, 2, 7, new int[AccessedKeys.SORT_SCRATCH]);
        assertArrayEquals(new long[] {9, 8, 3, 4, 5, 6, 7, 2, 1}, window, "only the range moves");
    }

    @Test
    void aFullLogsTailIsKeptOnceAndOnlyIfItsPrefixLacksIt() {
        SplittableRandom random = new SplittableRandom(13);
        for (int sorted : new int[] {0, 1, 30, 200}) {
            for (int tail : new int[] {0, 1, 25, 300}) {
                long[] prefix = random.longs(sorted, 0, 400).sorted().distinct().toArray();
                long[] log = new long[prefix.length + tail];
                System.arraycopy(prefix, 0, log, 0, prefix.length);
                for (int i = prefix.length; i < log.length; i++) {
                    log[i] = random.nextLong(400);
                }
                TreeSet<Long> expected = new TreeSet<>();
                for (int i = prefix.length; i < log.length; i++) {
                    expected.add(log[i]);
                }
                LongStream.of(prefix).forEach(expected::remove);
                int end = AccessedKeys.distinctTail(log, prefix.length, log.length, new int[AccessedKeys.SORT_SCRATCH]);
                assertArrayEquals(prefix, java.util.Arrays.copyOf(log, prefix.length), "the prefix stays");
                assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(),
                        java.util.Arrays.copyOfRange(log, prefix.length, end), sorted + " + " + tail);
            }
        }
    }

    @Test
    void sortingAFullLogAllocatesNothing() {
        AccessedKeys keys = new AccessedKeys();
        SplittableRandom random = new SplittableRandom(5);
        int distinct = 200_000; // the log grows to 512 Ki hashes and then stays that size, sorted when full
        for (int i = 0; i < 2 * AccessedKeys.CAPACITY; i++) {
            keys.record(random.nextLong(distinct));
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 4 * AccessedKeys.CAPACITY; i++) { // a dozen sorts of a half-sorted log
            keys.record(random.nextLong(distinct));
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertEquals(0, allocated, "bytes allocated by " + 4 * AccessedKeys.CAPACITY + " hits");
        assertEquals(distinct, keys.drain().length);
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
