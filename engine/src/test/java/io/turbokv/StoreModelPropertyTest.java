package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.ModelCoverage.Event;
import io.turbokv.ModelSteps.Step;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Random runs of write batches (puts, deletes and bulk writes, from one thread and from threads handed over to each
 * other, committed, abandoned or cut off by the store's close), compactions (also racing reads), reopens, read-only
 * instances and read scopes, checked against an in-memory model in every read form after every step; read-only
 * instances and scopes against the state they were opened on, after whatever the writer did since
 * ({@link ModelRun}, {@link ModelSteps}).
 *
 * <p>Two kinds of runs: {@linkplain ModelSteps#ordinaryRuns ordinary} ones, short and many, cross key blocks, stripe
 * moves and every value class up to 1 MiB; {@linkplain ModelSteps#runsAcrossThresholds the others} have batches
 * planted in them that spill by entries, by bytes and by multi-valued deletes, write 64 MiB values and blobs, or
 * hold enough for a compaction to cut its output, each followed by a compaction. The default runs use fixed seeds,
 * so that the coverage they require (printed after each property) is met every time; the {@code stress} runs
 * ({@code -Pstress}) use fresh seeds, which jqwik prints with any failure.
 */
class StoreModelPropertyTest {
    /** Small block caches, so that reads evict blocks all the time. */
    private static final DbConfig CONFIG = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family("multi", FamilyKind.MULTI_VALUE)
            .keyBlockCacheBytes(256 << 10)
            .valueBlockCacheBytes(256 << 10)
            .build();

    private final ModelCoverage coverage = new ModelCoverage();
    /** What the property running in this instance requires of the coverage, at least. */
    private Map<Event, Long> required = Map.of();
    /** Runs started by the property running in this instance. */
    private int started;

    @Provide
    Arbitrary<List<Step>> ordinaryRuns() {
        return ModelSteps.ordinaryRuns(30);
    }

    @Provide
    Arbitrary<List<Step>> runsAcrossEveryThreshold() {
        return ModelSteps.runsAcrossThresholds(8);
    }

    /** 50 ordinary runs of up to 30 steps (about 15 s on 2 loaded cores). */
    @Property(tries = 50, seed = "15")
    void storeAgreesWithModel(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        required = Map.of(Event.REOPENS, 50L, Event.KEY_BLOCK_GROUPS, 10L, Event.KEY_BLOCK_RUNS, 5L,
                Event.STRIPE_MOVES, 4L, Event.LATER_WRITE_FROM_OTHER_THREAD, 20L, Event.MOVES, 5L,
                Event.READ_ONLY_CHECKED_AFTER_COMPACTION, 30L, Event.SCOPES_CHECKED_AFTER_COMPACTION, 5L,
                Event.COMPACTIONS_WHILE_READING, 15L, Event.BATCHES_OPEN_AT_STORE_CLOSE, 15L);
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /**
     * The SST options a store may set ({@link DbConfig.Builder#keyBlockBytes} and the rest), each at its ends and
     * between: key blocks from the smallest budget (more key blocks and key block runs per batch than the default)
     * to the largest, small value blocks likewise, no compression, 16-bit filters; with caches small enough for
     * blocks to bypass them or large enough to hold the largest blocks.
     */
    @Provide
    Arbitrary<DbConfig> sstOptions() {
        return Combinators.combine(Arbitraries.of(8 << 10, 12 << 10, 64 << 10, 256 << 10),
                Arbitraries.of(4 << 10, 64 << 10, 1 << 20), Arbitraries.of(Compression.values()),
                Arbitraries.of(8, 16), Arbitraries.of(256L << 10, 64L << 20))
                .as((keyBlock, valueBlock, compression, filterBits, cacheBytes) -> DbConfig.builder()
                        .family("single", FamilyKind.SINGLE_VALUE)
                        .family("multi", FamilyKind.MULTI_VALUE)
                        .keyBlockCacheBytes(cacheBytes)
                        .valueBlockCacheBytes(cacheBytes)
                        .keyBlockBytes(keyBlock)
                        .valueBlockBytes(valueBlock)
                        .compression(compression)
                        .filterFingerprintBits(filterBits)
                        .build());
    }

    /** 12 ordinary runs, each on a store with other SST options (about 4 s on 2 loaded cores). */
    @Property(tries = 12, seed = "15")
    void storeWithOtherSstOptionsAgreesWithModel(@ForAll("ordinaryRuns") List<Step> steps,
                                                 @ForAll("sstOptions") DbConfig config)
            throws Exception {
        required = Map.of(Event.REOPENS, 10L, Event.KEY_BLOCK_GROUPS, 2L);
        started++;
        ModelRun.run(steps, config, coverage);
    }

    /**
     * The smallest spill thresholds ({@link DbConfig.Builder#spillBytes}, {@link DbConfig.Builder#spillEntries}):
     * ordinary batches then spill several SSTs by entries and by bytes (a few 1 MiB values, or a bulk write of
     * thousands), so later writes of a key land in later spills of one batch.
     */
    private static final DbConfig SMALL_SPILLS = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family("multi", FamilyKind.MULTI_VALUE)
            .keyBlockCacheBytes(256 << 10)
            .valueBlockCacheBytes(256 << 10)
            .spillBytes(DbConfig.MIN_SPILL_BYTES)
            .spillEntries(DbConfig.MIN_SPILL_ENTRIES)
            .build();

    /** 12 ordinary runs on a store with the smallest spill thresholds (about 60 s on 2 cores at load 15). */
    @Property(tries = 12, seed = "15")
    void storeWithSmallSpillThresholdsAgreesWithModel(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        required = Map.of(Event.SPILLED_BATCHES, 5L, Event.SPILLS_BY_ENTRIES, 2L, Event.SPILLS_BY_BYTES, 4L,
                Event.LATER_WRITE_ACROSS_SPILL, 1L, Event.REOPENS, 10L);
        started++;
        ModelRun.run(steps, SMALL_SPILLS, coverage);
    }

    /** 4 runs of up to 8 ordinary steps with every threshold planted (about 20 s on 2 loaded cores). */
    @Property(tries = 4, seed = "15")
    void storeAgreesWithModelAcrossEveryThreshold(@ForAll("runsAcrossEveryThreshold") List<Step> steps)
            throws Exception {
        required = Map.ofEntries(Map.entry(Event.SPILLS_BY_ENTRIES, 2L), Map.entry(Event.SPILLS_BY_BYTES, 4L),
                Map.entry(Event.TOMBSTONE_SPILLS, 2L), Map.entry(Event.LARGE_BATCHES_ROLLED_BACK, 2L),
                Map.entry(Event.MEDIUM_VALUES_64_MIB, 1L), Map.entry(Event.BLOBS, 2L),
                Map.entry(Event.LATER_WRITE_ACROSS_SPILL, 10L), Map.entry(Event.COMPACTION_OUTPUT_CUTS, 2L),
                Map.entry(Event.READ_ONLY_CHECKED_AFTER_COMPACTION, 10L),
                Map.entry(Event.SCOPES_CHECKED_AFTER_COMPACTION, 10L));
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /** The long run of {@link #storeAgreesWithModel}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 500)
    @Tag("stress")
    void storeAgreesWithModelOverManyRuns(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /** The long run of {@link #storeAgreesWithModelAcrossEveryThreshold}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 100)
    @Tag("stress")
    void storeAgreesWithModelAcrossEveryThresholdOverManyRuns(@ForAll("runsAcrossEveryThreshold") List<Step> steps)
            throws Exception {
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /**
     * Prints what the runs went through and, when every run passed (a failed one is the report), checks the
     * coverage the property requires.
     */
    @AfterProperty
    void reportCoverage() {
        System.out.println("StoreModelPropertyTest: " + coverage);
        if (coverage.runs() == started) {
            required.forEach((event, least) -> assertTrue(coverage.get(event) >= least,
                    "coverage: " + coverage.get(event) + " " + event + ", expected at least " + least));
        }
    }
}
