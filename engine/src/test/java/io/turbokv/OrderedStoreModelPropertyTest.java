package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.ModelCoverage.Event;
import io.turbokv.ModelSteps.Step;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * {@link StoreModelPropertyTest}'s runs on a store whose two families are key-ordered: every read form, plus, after
 * every step that writes, compacts or reopens, cursors over whole families, ranges (bounds found and absent,
 * inclusive, exclusive and open; empty and reversed ranges) and prefixes, checked against the model
 * ({@link ModelCursors}); and cursors held by read scopes across later commits, compactions and the store's close.
 * The runs across thresholds spill by entries and bytes, write 64 MiB values and blobs, cut compaction outputs,
 * and hold tracked keys of up to 70,000 bytes and fillers that share a 252-byte prefix.
 */
class OrderedStoreModelPropertyTest {
    /** Small block caches, so that reads evict blocks all the time. */
    private static final DbConfig CONFIG = DbConfig.builder()
            .family(FamilyConfig.ordered("single", FamilyKind.SINGLE_VALUE))
            .family(FamilyConfig.ordered("multi", FamilyKind.MULTI_VALUE))
            .keyBlockCacheBytes(256 << 10)
            .valueBlockCacheBytes(256 << 10)
            .build();

    private final ModelCoverage coverage = new ModelCoverage();
    private Map<Event, Long> required = Map.of();
    private int started;

    @Provide
    Arbitrary<List<Step>> ordinaryRuns() {
        return ModelSteps.ordinaryRuns(30);
    }

    @Provide
    Arbitrary<List<Step>> runsAcrossEveryThreshold() {
        return ModelSteps.runsAcrossThresholds(8);
    }

    /** 20 ordinary runs of up to 30 steps. */
    @Property(tries = 20, seed = "19")
    void orderedStoreAgreesWithModel(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        required = Map.of(Event.REOPENS, 20L, Event.KEY_BLOCK_GROUPS, 5L, Event.MOVES, 2L,
                Event.SCOPES_CHECKED_AFTER_COMPACTION, 3L, Event.COMPACTIONS_WHILE_READING, 8L,
                Event.SCOPES_OPEN_AT_STORE_CLOSE, 2L);
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /**
     * 2 runs of up to 8 ordinary steps with every threshold planted in each. The write, spill and compaction paths
     * these runs cross are the hash-ordered families' too, which {@link StoreModelPropertyTest} runs across every
     * threshold 4 times; 2 runs here keep the default suite within its time (the long run is
     * {@link #orderedStoreAgreesWithModelAcrossEveryThresholdOverManyRuns}).
     */
    @Property(tries = 2, seed = "19")
    void orderedStoreAgreesWithModelAcrossEveryThreshold(@ForAll("runsAcrossEveryThreshold") List<Step> steps)
            throws Exception {
        required = Map.ofEntries(Map.entry(Event.SPILLS_BY_ENTRIES, 1L), Map.entry(Event.SPILLS_BY_BYTES, 2L),
                Map.entry(Event.TOMBSTONE_SPILLS, 1L), Map.entry(Event.MEDIUM_VALUES_64_MIB, 1L),
                Map.entry(Event.BLOBS, 1L), Map.entry(Event.COMPACTION_OUTPUT_CUTS, 1L),
                Map.entry(Event.SCOPES_CHECKED_AFTER_COMPACTION, 2L));
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /** The long run of {@link #orderedStoreAgreesWithModel}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 300)
    @Tag("stress")
    void orderedStoreAgreesWithModelOverManyRuns(@ForAll("ordinaryRuns") List<Step> steps) throws Exception {
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /** The long run of {@link #orderedStoreAgreesWithModelAcrossEveryThreshold}, with fresh seeds ({@code -Pstress}). */
    @Property(tries = 40)
    @Tag("stress")
    void orderedStoreAgreesWithModelAcrossEveryThresholdOverManyRuns(
                                                                     @ForAll("runsAcrossEveryThreshold") List<Step> steps)
            throws Exception {
        started++;
        ModelRun.run(steps, CONFIG, coverage);
    }

    /** Prints what the runs went through and, when every run passed, checks the coverage the property requires. */
    @AfterProperty
    void reportCoverage() {
        System.out.println("OrderedStoreModelPropertyTest: " + coverage);
        if (coverage.runs() == started) {
            required.forEach((event, least) -> assertTrue(coverage.get(event) >= least,
                    "coverage: " + coverage.get(event) + " " + event + ", expected at least " + least));
        }
    }
}
