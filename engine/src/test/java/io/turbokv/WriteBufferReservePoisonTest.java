package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.ModelCoverage.Event;
import io.turbokv.ModelSteps.Step;
import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * The model runs of {@link StoreModelPropertyTest} on stores that share one {@link WriteBufferReserve} whose memory
 * is poisoned (0xFF or random bytes, in every size class from 16 KiB to 16 MiB) before each run: every store's first
 * batch, and every batch after each of the model's reopens, writes into dirty memory of another store. Any byte of
 * a write buffer read before it was written shows as a wrong answer, a CRC failure or an exception.
 */
class WriteBufferReservePoisonTest {
    private static final WriteBufferReserve RESERVE = WriteBufferReserve.create(160L << 20);
    private static long seed = 1;

    private final ModelCoverage coverage = new ModelCoverage();
    private Map<Event, Long> required = Map.of();
    private int started;

    /**
     * Fills the reserve with poisoned memory: several buffers of each size class up to 1 MiB (a stripe's chunks, a
     * spill's scratch, an SST writer's compression buffer) and two of each class up to 16 MiB.
     */
    static void poison(WriteBufferReserve reserve, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        // A pool that keeps nothing: each release goes straight to the reserve, after its view is closed.
        try (WriteBufferPool pool = new WriteBufferPool(0, reserve.reserve())) {
            List<WriteBufferPool.Buffer> held = new ArrayList<>();
            for (long size = WriteBufferPool.MIN_BUFFER_BYTES; size <= 16L << 20; size <<= 1) {
                int count = size <= 1L << 20 ? 12 : 2;
                for (int i = 0; i < count; i++) {
                    WriteBufferPool.Buffer buffer = pool.borrow(size);
                    MemorySegment segment = buffer.segment();
                    if (i % 2 == 0) {
                        segment.fill((byte) 0xFF);
                    } else {
                        for (long at = 0; at + 8 <= segment.byteSize(); at += 8) {
                            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
                        }
                    }
                    held.add(buffer);
                }
            }
            held.forEach(pool::release);
        }
        assertTrue(reserve.heldBytes() > 64L << 20, "the reserve was not filled: " + reserve.heldBytes());
    }

    @BeforeTry
    void poisonTheReserve() {
        poison(RESERVE, seed++);
    }

    @AfterContainer
    static void closeTheReserve() {
        RESERVE.close();
        assertEquals(0, RESERVE.heldBytes());
    }

    private static DbConfig.Builder families() {
        return DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE)
                .keyBlockCacheBytes(256 << 10)
                .valueBlockCacheBytes(256 << 10)
                .writeBufferReserve(RESERVE);
    }

    @Provide
    Arbitrary<List<Step>> ordinaryRuns() {
        return ModelSteps.ordinaryRuns(30);
    }

    @Provide
    Arbitrary<List<Step>> runsAcrossEveryThreshold() {
        return ModelSteps.runsAcrossThresholds(8);
    }

    @Provide
    Arbitrary<DbConfig> sstOptions() {
        return Combinators.combine(Arbitraries.of(8 << 10, 12 << 10, 64 << 10, 256 << 10),
                Arbitraries.of(4 << 10, 64 << 10, 1 << 20), Arbitraries.of(Compression.values()),
                Arbitraries.of(8, 16))
                .as((keyBlock, valueBlock, compression, filterBits) -> families()
                        .keyBlockBytes(keyBlock)
                        .valueBlockBytes(valueBlock)
                        .compression(compression)
                        .filterFingerprintBits(filterBits)
                        .build());
    }

    /* The default suite's short runs (some 25 s at load 14); the reviewer's full runs are the stress versions below. */

    @Property(tries = 2, seed = "15")
    void ordinaryRunsOnPoisonedReserveMemory(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        ordinary(steps, Map.of(), 1);
    }

    @Property(tries = 1, seed = "16")
    void otherSstOptionsOnPoisonedReserveMemory(@ForAll("ordinaryRuns") List<Step> steps,
                                                @ForAll("sstOptions") DbConfig config)
            throws Exception {
        otherOptions(steps, config, 0);
    }

    @Property(tries = 2, seed = "17")
    void smallestSpillThresholdsOnPoisonedReserveMemory(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        smallestSpills(steps, 1);
    }

    /** The long run of {@link #ordinaryRunsOnPoisonedReserveMemory}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 20)
    @Tag("stress")
    void ordinaryRunsOnPoisonedReserveMemoryLong(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        ordinary(steps, Map.of(Event.KEY_BLOCK_GROUPS, 3L, Event.STRIPE_MOVES, 1L,
                Event.BATCHES_OPEN_AT_STORE_CLOSE, 3L), 15);
    }

    /** The long run of {@link #otherSstOptionsOnPoisonedReserveMemory}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 10)
    @Tag("stress")
    void otherSstOptionsOnPoisonedReserveMemoryLong(@ForAll("ordinaryRuns") List<Step> steps,
                                                    @ForAll("sstOptions") DbConfig config)
            throws Exception {
        otherOptions(steps, config, 5);
    }

    /** The long run of {@link #smallestSpillThresholdsOnPoisonedReserveMemory}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 8)
    @Tag("stress")
    void smallestSpillThresholdsOnPoisonedReserveMemoryLong(@ForAll("ordinaryRuns") List<Step> steps)
            throws Exception {
        smallestSpills(steps, 5);
    }

    /** 64 MiB values and batches over 256 MiB: minutes per try, so only with {@code -Pstress}. */
    @Property(tries = 2)
    @Tag("stress")
    void everyThresholdOnPoisonedReserveMemory(@ForAll("runsAcrossEveryThreshold") List<Step> steps)
            throws Exception {
        required = Map.of(Event.SPILLS_BY_ENTRIES, 1L, Event.SPILLS_BY_BYTES, 1L);
        started++;
        ModelRun.run(steps, families().build(), coverage);
    }

    private void ordinary(List<Step> steps, Map<Event, Long> least, long reopens) throws Exception {
        required = withReopens(least, reopens);
        started++;
        ModelRun.run(steps, families().build(), coverage);
    }

    private void otherOptions(List<Step> steps, DbConfig config, long reopens) throws Exception {
        required = withReopens(Map.of(), reopens);
        started++;
        ModelRun.run(steps, config, coverage);
    }

    private void smallestSpills(List<Step> steps, long reopens) throws Exception {
        required = withReopens(Map.of(Event.SPILLED_BATCHES, 1L), reopens);
        started++;
        ModelRun.run(steps, families().spillBytes(DbConfig.MIN_SPILL_BYTES)
                .spillEntries(DbConfig.MIN_SPILL_ENTRIES).build(), coverage);
    }

    /** {@code required} and at least {@code reopens} reopens: each reopen borrows another instance's memory. */
    private static Map<Event, Long> withReopens(Map<Event, Long> required, long reopens) {
        Map<Event, Long> all = new java.util.EnumMap<>(Event.class);
        all.putAll(required);
        all.put(Event.REOPENS, reopens);
        return all;
    }

    @AfterProperty
    void reportCoverage() {
        System.out.println("WriteBufferReservePoisonTest: " + coverage);
        if (coverage.runs() == started) {
            required.forEach((event, least) -> assertTrue(coverage.get(event) >= least,
                    "coverage: " + coverage.get(event) + " " + event + ", expected at least " + least));
        }
    }
}
