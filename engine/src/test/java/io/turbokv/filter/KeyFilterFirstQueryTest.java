package io.turbokv.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The first queries of a filter copy, which verify its chunks: the property that feeds {@link KeyFilter#check}
 * arbitrary headers reaches them, and racing first queries never answer from a damaged chunk.
 */
class KeyFilterFirstQueryTest {
    private static final Path FILE = Path.of("00000042.meta");

    /**
     * The generator of {@code KeyFilterCheckTest.anyHeaderWithAnyLengthIsRejectedOrQueriesStayInBounds}, run over
     * every parameter it draws (a seed and body per input): some of its payloads must pass check, and some of those
     * answer queries, or the property tests only the rejections.
     */
    @Test
    void theAnyHeaderPropertyReachesAQueryForSomeInputs() {
        int passed = 0;
        int answered = 0;
        int tried = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int tagChoice = 0; tagChoice <= 3; tagChoice++) {
                for (int segmentLengthLog2 = 0; segmentLengthLog2 <= 12; segmentLengthLog2++) {
                    for (int segmentCount = 0; segmentCount <= 64; segmentCount += 7) {
                        for (int lengthError = -3; lengthError <= 3; lengthError++) {
                            MemorySegment payload = KeyFilterCheckTest.anyHeaderPayload(arena, tagChoice, tried,
                                    segmentLengthLog2, segmentCount, lengthError, tried, tried % 2 == 0);
                            tried++;
                            try {
                                KeyFilter.check(payload, FILE, 0);
                            } catch (CorruptionException e) {
                                continue; // rejected: no query runs for this input
                            }
                            passed++;
                            try {
                                KeyFilter.mayContain(payload, tried);
                                answered++;
                            } catch (CorruptionException e) {
                                // a chunk the generator left unsigned: reported, as it must be
                            }
                        }
                    }
                }
            }
        }
        assertTrue(passed > 0, "none of " + tried + " generated payloads passes check: the property queries nothing");
        assertTrue(answered > 0, "none of " + passed + " checked payloads answers a query");
    }

    /**
     * First queries that together read every chunk mark the copy all verified, whatever the chunk count: below,
     * at and past a whole byte of verified bits (8-bit filters of about 1, 7, 9 and 17 chunks, 16-bit ones of 2
     * and 16), and not before the last chunk was read.
     */
    @Test
    void queriesThatReadEveryChunkMarkTheFilterAllVerified() throws CorruptionException {
        int[][] cases = {{100, 8}, {22_000, 8}, {30_000, 8}, {60_000, 8}, {2_000, 16}, {28_000, 16}};
        for (int[] c : cases) {
            try (Arena arena = Arena.ofConfined()) {
                long[] keys = new SplittableRandom(c[0]).longs(c[0]).toArray();
                MemorySegment filter = KeyFilter.build(keys.clone(), keys.length, c[1], arena);
                KeyFilter.check(filter, FILE, 0);
                SplittableRandom probes = new SplittableRandom(5);
                int queries = 0;
                while (filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED) == 0 && queries < 1_000_000) {
                    KeyFilter.mayContain(filter, probes.nextLong());
                    queries++;
                }
                assertEquals(1, filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED),
                        c[0] + " keys, " + c[1] + " bits");
                // every chunk was verified: an intact filter passes a whole check, and members stay members
                KeyFilter.verifyAll(filter);
                for (long key : keys) {
                    assertTrue(KeyFilter.mayContain(filter, key));
                }
            }
        }
    }

    /**
     * Threads race the first queries of one filter copy whose chunk 1 was damaged after check: no thread may answer
     * from the damaged chunk, and "all verified" must never be set. Each answer is compared with the undamaged
     * filter's.
     */
    @Test
    void racingFirstQueriesNeverAnswerFromADamagedChunk() throws Exception {
        int threads = 4;
        for (int bits : new int[] {8, 16}) {
            for (int round = 0; round < 30; round++) {
                try (Arena arena = Arena.ofShared()) {
                    long[] keys = new SplittableRandom(round).longs(20_000).toArray();
                    MemorySegment good = KeyFilter.build(keys.clone(), keys.length, bits, arena);
                    MemorySegment filter = arena.allocate(good.byteSize());
                    MemorySegment.copy(good, 0, filter, 0, good.byteSize());
                    KeyFilter.check(filter, FILE, 0);
                    long damagedAt = filter.byteSize() - 5_000; // in the last or second-to-last chunk
                    filter.set(ValueLayout.JAVA_BYTE, damagedAt,
                            (byte) (filter.get(ValueLayout.JAVA_BYTE, damagedAt) ^ 0x5A));
                    long[] probes = new SplittableRandom(round + 1000).longs(4_000).toArray();
                    boolean[] expected = new boolean[probes.length];
                    for (int i = 0; i < probes.length; i++) {
                        expected[i] = KeyFilter.mayContain(good, probes[i]);
                    }
                    CountDownLatch start = new CountDownLatch(1);
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    AtomicInteger reported = new AtomicInteger();
                    List<Thread> workers = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        int offset = t;
                        workers.add(Thread.ofPlatform().start(() -> {
                            try {
                                start.await();
                                for (int n = 0; n < probes.length; n++) {
                                    int i = (n * 7 + offset * 977) % probes.length;
                                    try {
                                        boolean answer = KeyFilter.mayContain(filter, probes[i]);
                                        if (answer != expected[i]) {
                                            throw new AssertionError("probe " + i + " answered from damaged bytes");
                                        }
                                    } catch (CorruptionException e) {
                                        reported.incrementAndGet();
                                    }
                                }
                            } catch (Throwable e) {
                                failure.compareAndSet(null, e);
                            }
                        }));
                    }
                    start.countDown();
                    for (Thread worker : workers) {
                        worker.join();
                    }
                    if (failure.get() != null) {
                        throw new AssertionError("bits " + bits + " round " + round, failure.get());
                    }
                    assertTrue(reported.get() > 0);
                    assertEquals(0, filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED));
                }
            }
        }
    }
}
