package io.turbokv;

import static io.turbokv.StoreModel.MULTI;
import static io.turbokv.StoreModel.SINGLE;

import io.turbokv.ModelData.FillerStyle;
import io.turbokv.ModelData.Value;
import io.turbokv.sst.SstLimits;
import io.turbokv.write.SpillRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * The steps of a model run (records, so that jqwik prints and shrinks them) and their generators.
 *
 * <p>A run is a list of {@link Step}s: write batches, compactions, reopens, and the opening, checking and closing of
 * read-only instances and read scopes. A {@link Batch} is a list of {@link Write}s, each made on one of three threads
 * ({@link Lane}); consecutive writes on different lanes are handed over (the next starts after the previous
 * returned), so every write of a key is ordered by happens-before and the same-key rule applies. A two-thread
 * {@link Bulk} instead fills two halves of its range at once, on keys no other write of it touches.
 *
 * <p>Sizes sit on every boundary the store has: value classes (inline up to 8 bytes, small up to
 * 4,096, medium up to 64 MiB, blobs beyond), key blocks (819 entries, or 16 KiB of keys and overhead; a
 * multi-valued key's values stay in one block however many), the collector stripes (a first chunk of 64 KiB, later ones of up to 16,384 entries), a batch's
 * spill to its own SST (2^18 entries or 64 MiB of keys and values per family, both in reach of one bulk write), and
 * a compaction's cut of its output SSTs (256 MiB, reached by four bulk writes of 1 MiB values).
 */
final class ModelSteps {
    /** Entries of one family that make a batch spill an SST (if the collector stripes have moved them). */
    static final int SPILL_ENTRIES = SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE;
    /** Key and value bytes of one family that make a batch spill an SST. */
    static final long SPILL_BYTES = SpillRunner.DATA_THRESHOLD_PER_INITIAL_FILE;
    /** The size of the values of a bulk write meant to cross {@link #SPILL_BYTES} with few entries. */
    static final int BULK_MEDIUM_SIZE = 1 << 20;
    /** Value sizes of every class boundary, up to 1 MiB. */
    static final int[] VALUE_SIZES = {0, 1, 7, 8, 9, 15, 16, 17, 100, 127, 128, 129, 4095, 4096, 4097, 20_000,
            65_536, 65_537, BULK_MEDIUM_SIZE};
    private static final int[] SMALL_VALUE_SIZES = {0, 1, 8, 9, 100, 128, 129, 4096, 4097};
    private static final int[] TINY_VALUE_SIZES = {0, 1, 8, 9, 16};

    private ModelSteps() {}

    /** A {@code which} of the instance or scope opened last. */
    static final int NEWEST = -1;

    /** Which thread makes a write. */
    enum Lane {
        CALLER, FIRST_HELPER, SECOND_HELPER
    }

    /** One step of a run. */
    sealed interface Step permits Batch, Compact, CompactWhileReading, Reopen, OpenReadOnly, CheckReadOnly,
            CloseReadOnly, OpenScope, CheckScope, CloseScope {}

    /** One write (or read) inside a batch. */
    sealed interface Write permits Put, Delete, Bulk, ManyValues, Peek {}

    /** How a batch ends. */
    enum BatchEnd {
        /** Committed. */
        COMMIT,
        /** Closed without a commit: rolled back. */
        ABANDON,
        /** Left open while the store closes (which rolls it back), then the store is opened again. */
        CLOSE_STORE
    }

    /** A write batch. */
    record Batch(List<Write> writes, BatchEnd end) implements Step {}

    /** Puts {@code value} under tracked key {@code key}. */
    record Put(Lane lane, int family, int key, Value value) implements Write {}

    /** Deletes tracked key {@code key}. */
    record Delete(Lane lane, int family, int key) implements Write {}

    /**
     * Puts (or deletes) fillers {@code [start, start + count)} of {@code style}, with values of {@code size} bytes,
     * on {@code lane} or, when {@code twoThreads}, on both helpers at once (one half each).
     */
    record Bulk(Lane lane, int family, FillerStyle style, int start, int count, boolean delete, int size,
                boolean twoThreads)
            implements
                Write {}

    /** Adds {@code count} values of {@code size} bytes to tracked key {@code key} of the multi-valued family. */
    record ManyValues(Lane lane, int key, int count, int size, long seed) implements Write {}

    /** What a batch does between its writes with the committed state, which must not show the batch. */
    enum PeekKind {
        CHECK, OPEN_READ_ONLY, OPEN_SCOPE
    }

    /** A read while the batch is open, on the calling thread. */
    record Peek(PeekKind kind) implements Write {}

    /** How to compact. */
    sealed interface Compaction permits Partial, Full {}

    /** {@link TurboKV#compact(CompactConfig)}. */
    record Partial(CompactConfig config) implements Compaction {}

    /** {@link TurboKV#fullCompact()}. */
    record Full() implements Compaction {}

    /** Compacts. */
    record Compact(Compaction how) implements Step {}

    /** Compacts on a helper thread while the calling thread reads, through the store and its scopes, and opens a
     * read-only instance. */
    record CompactWhileReading(Compaction how) implements Step {}

    /** Closes the store and opens it again. */
    record Reopen() implements Step {}

    /** Opens a read-only instance, to be checked later against the committed state of now. */
    record OpenReadOnly() implements Step {}

    /**
     * Checks read-only instance {@code which} (modulo those open, in the order they opened: {@link #NEWEST} is the
     * last) against the state it was opened on.
     */
    record CheckReadOnly(int which) implements Step {}

    /** Checks, then closes read-only instance {@code which}. */
    record CloseReadOnly(int which) implements Step {}

    /** Opens a read scope, to be checked later against the committed state of now. */
    record OpenScope() implements Step {}

    /**
     * Checks read scope {@code which} (modulo those open, as {@link CheckReadOnly}) and the views it handed out when
     * it opened.
     */
    record CheckScope(int which) implements Step {}

    /** Closes read scope {@code which}: its views must become inaccessible. */
    record CloseScope(int which) implements Step {}

    /** A threshold a planted batch crosses (see {@link #runsAcrossThresholds}). */
    enum Threshold {
        /** 2^18 entries of one family: the batch spills an SST. */
        SPILL_BY_ENTRIES,
        /** 64 MiB of keys and values of one family, in 1 MiB values: the batch spills an SST. */
        SPILL_BY_BYTES,
        /** 2^18 deletes of the multi-valued family, which have a collector of their own. */
        MULTI_VALUED_DELETES_SPILL,
        /** A value of exactly 64 MiB, the largest an SST holds (and a spill by itself). */
        MEDIUM_64_MIB,
        /** A value of 64 MiB + 1 byte: a blob file. */
        BLOB,
        /** More than 256 MiB of one family in 1 MiB values: five spilled SSTs, which compaction merges into two. */
        COMPACTION_CUT
    }

    /**
     * Ordinary runs of at most {@code maxSteps} steps: every kind of step, with writes up to key blocks, stripe moves
     * and 1 MiB values.
     */
    static Arbitrary<List<Step>> ordinaryRuns(int maxSteps) {
        return steps().list().ofMinSize(maxSteps / 4).ofMaxSize(maxSteps)
                .withSizeDistribution(RandomDistribution.uniform());
    }

    /**
     * Ordinary runs of at most {@code maxSteps} steps with a batch planted at a random place for every
     * {@link Threshold}, each followed, a few steps later, by a compaction. A planted batch writes a tracked key of
     * the family it fills before its large write and again after it (puts or deletes, each on a random thread), so
     * that the same-key rule is tested across the spill, then a few ordinary writes; it commits, or is rolled back.
     */
    static Arbitrary<List<Step>> runsAcrossThresholds(int maxSteps) {
        List<Arbitrary<Planted>> plants = new ArrayList<>();
        for (Threshold threshold : Threshold.values()) {
            plants.add(Combinators.combine(Arbitraries.of(true, false), crossingBatch(threshold), compaction(),
                    Arbitraries.of(true, false), Arbitraries.integers().between(0, maxSteps),
                    Arbitraries.integers().between(1, 4))
                    .as((scope, batch, how, whileReading, position, gap) -> new Planted(
                            scope ? new OpenScope() : new OpenReadOnly(), batch,
                            whileReading ? new CompactWhileReading(how) : new Compact(how),
                            scope ? new CheckScope(NEWEST) : new CheckReadOnly(NEWEST), position, gap)));
        }
        return Combinators.combine(ordinaryRuns(maxSteps), Combinators.combine(plants).as(List::copyOf))
                .as((steps, planted) -> {
                    List<Step> run = new ArrayList<>(steps);
                    for (Planted plant : planted) {
                        int at = plant.position() % (run.size() + 1);
                        run.add(at, plant.batch());
                        run.add(at, plant.open());
                        int compactAt = Math.min(at + 1 + plant.gap(), run.size());
                        run.add(compactAt, plant.compaction());
                        run.add(compactAt + 1, plant.check());
                    }
                    return List.copyOf(run);
                });
    }

    /**
     * A batch crossing a threshold, to go in at {@code position} (modulo the run's length), with a read scope or
     * read-only instance opened just before it and checked just after the compaction that follows it.
     */
    private record Planted(Step open, Batch batch, Step compaction, Step check, int position, int gap) {}

    private static Arbitrary<Step> steps() {
        Arbitrary<Step> batch = Combinators.combine(writes().list().ofMinSize(1).ofMaxSize(10)
                .withSizeDistribution(RandomDistribution.uniform()), ends()).as(Batch::new);
        Arbitrary<Integer> which = Arbitraries.integers().between(0, 7);
        return Arbitraries.frequencyOf(
                Tuple.of(14, batch),
                Tuple.of(3, compaction().map(Compact::new)),
                Tuple.of(1, compaction().map(CompactWhileReading::new)),
                Tuple.of(1, Arbitraries.just(new Reopen())),
                Tuple.of(1, Arbitraries.just(new OpenReadOnly())),
                Tuple.of(2, which.map(CheckReadOnly::new)),
                Tuple.of(1, which.map(CloseReadOnly::new)),
                Tuple.of(2, Arbitraries.just(new OpenScope())),
                Tuple.of(3, which.map(CheckScope::new)),
                Tuple.of(1, which.map(CloseScope::new)));
    }

    private static Arbitrary<BatchEnd> ends() {
        return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(BatchEnd.COMMIT)),
                Tuple.of(1, Arbitraries.just(BatchEnd.ABANDON)),
                Tuple.of(1, Arbitraries.just(BatchEnd.CLOSE_STORE)));
    }

    private static Arbitrary<Compaction> compaction() {
        Arbitrary<Compaction> eager = Combinators.combine(Arbitraries.integers().between(2, 5),
                Arbitraries.integers().between(0, 3),
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(Long.MAX_VALUE)),
                        Tuple.of(1, Arbitraries.longs().between(2_000, 22_000))),
                Arbitraries.integers().between(1, 4))
                .as((optimal, extra, maxBytes, segments) -> new Partial(new CompactConfig(2, optimal, optimal + extra,
                        maxBytes, 0, 0, segments)));
        return Arbitraries.frequencyOf(Tuple.of(3, eager),
                Tuple.of(1, Arbitraries.just(new Partial(CompactConfig.defaults()))),
                Tuple.of(2, Arbitraries.just(new Full())));
    }

    private static Arbitrary<Integer> trackedKeys() {
        return Arbitraries.integers().between(0, ModelData.trackedKeyCount() - 1);
    }

    private static Arbitrary<Value> values() {
        return Combinators.combine(sizes(VALUE_SIZES), Arbitraries.longs()).as(Value::new);
    }

    private static Arbitrary<Write> writes() {
        Arbitrary<Lane> lane = Arbitraries.of(Lane.class);
        Arbitrary<Integer> family = Arbitraries.of(SINGLE, MULTI);
        Arbitrary<Write> put = Combinators.combine(lane, family, trackedKeys(), values()).as(Put::new);
        Arbitrary<Write> delete = Combinators.combine(lane, family, trackedKeys()).as(Delete::new);
        Arbitrary<Write> manyValues = Combinators.combine(lane, trackedKeys(),
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(2, 30)),
                        Tuple.of(2, Arbitraries.integers().between(SstLimits.DEFAULT_KEY_BLOCK_ENTRIES - 19,
                                SstLimits.DEFAULT_KEY_BLOCK_ENTRIES + 20)),
                        Tuple.of(1, Arbitraries.integers().between(2_000, 5_000)),
                        // a run of one hash continues in the next key block past 256 KiB, 12,483 entries of 1 byte
                        Tuple.of(1, Arbitraries.integers().between(12_400, 14_000))),
                sizes(TINY_VALUE_SIZES), Arbitraries.longs()).as(ManyValues::new);
        Arbitrary<Write> bulk = Arbitraries.frequencyOf(
                Tuple.of(6, bulk(family, Arbitraries.integers().between(1, 40), sizes(VALUE_SIZES), smallStarts(),
                        false)),
                Tuple.of(3, bulk(family, Arbitraries.integers().between(SstLimits.DEFAULT_KEY_BLOCK_ENTRIES - 19, 900),
                        sizes(SMALL_VALUE_SIZES), smallStarts(), false)),
                Tuple.of(2, bulk(family, Arbitraries.integers().between(2_000, 4_000), sizes(SMALL_VALUE_SIZES),
                        smallStarts(), false)),
                // stripes move their first chunks (64 KiB, some 2,500 tiny records each) to their family's buffer
                Tuple.of(1, bulk(family, Arbitraries.integers().between(16_000, 24_000), sizes(TINY_VALUE_SIZES),
                        smallStarts(), false)));
        return Arbitraries.frequencyOf(Tuple.of(10, put), Tuple.of(3, delete), Tuple.of(4, bulk),
                Tuple.of(1, manyValues), Tuple.of(1, Arbitraries.of(PeekKind.class).map(Peek::new)));
    }

    private static Arbitrary<Batch> crossingBatch(Threshold threshold) {
        return threshold == Threshold.MULTI_VALUED_DELETES_SPILL ? crossingBatch(threshold, MULTI)
                : Arbitraries.of(SINGLE, MULTI).flatMap(family -> crossingBatch(threshold, family));
    }

    private static Arbitrary<Batch> crossingBatch(Threshold threshold, int family) {
        Arbitrary<Lane> lane = Arbitraries.of(Lane.class);
        Arbitrary<Integer> familyOf = Arbitraries.just(family);
        Arbitrary<BatchEnd> ends = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(BatchEnd.COMMIT)),
                Tuple.of(1, Arbitraries.just(BatchEnd.ABANDON)), Tuple.of(1, Arbitraries.just(BatchEnd.CLOSE_STORE)));
        Arbitrary<Write> large = switch (threshold) {
            case SPILL_BY_ENTRIES -> bulk(familyOf, Arbitraries.integers().between(SPILL_ENTRIES,
                    SPILL_ENTRIES + 20_000), sizes(TINY_VALUE_SIZES), Arbitraries.just(0), false);
            // starts 70 apart, so that a few of them add up
            case SPILL_BY_BYTES -> bulk(familyOf, Arbitraries.integers().between(66, 72),
                    Arbitraries.just(BULK_MEDIUM_SIZE), Arbitraries.of(0, 70, 140, 210), false);
            case MULTI_VALUED_DELETES_SPILL -> bulk(familyOf, Arbitraries.integers().between(SPILL_ENTRIES,
                    SPILL_ENTRIES + 20_000), Arbitraries.just(0), Arbitraries.just(0), true);
            case MEDIUM_64_MIB -> Combinators.combine(lane, trackedKeys(), Arbitraries.longs())
                    .as((l, key, seed) -> new Put(l, family, key, new Value(ModelData.MAX_MEDIUM, seed)));
            case BLOB -> Combinators.combine(lane, trackedKeys(), Arbitraries.longs())
                    .as((l, key, seed) -> new Put(l, family, key, new Value(ModelData.SMALLEST_BLOB, seed)));
            case COMPACTION_CUT -> bulk(familyOf, Arbitraries.integers().between(257, 270),
                    Arbitraries.just(BULK_MEDIUM_SIZE), Arbitraries.just(0), false);
        };
        return trackedKeys().flatMap(key -> {
            Arbitrary<Write> put = Combinators.combine(lane, values()).as((l, value) -> new Put(l, family, key, value));
            Arbitrary<Write> putOrDelete = Arbitraries.frequencyOf(Tuple.of(3, put),
                    Tuple.of(1, lane.map(l -> new Delete(l, family, key))));
            return Combinators.combine(putOrDelete, large, putOrDelete.list().ofMinSize(1).ofMaxSize(2),
                    writes().list().ofMaxSize(3), ends).as((before, write, after, more, end) -> {
                        List<Write> writes = new ArrayList<>();
                        writes.add(before);
                        writes.add(write);
                        writes.addAll(after);
                        writes.addAll(more);
                        return new Batch(List.copyOf(writes), end);
                    });
        });
    }

    private static Arbitrary<Integer> smallStarts() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(0, 300)));
    }

    private static Arbitrary<Write> bulk(Arbitrary<Integer> family, Arbitrary<Integer> count, Arbitrary<Integer> size,
                                         Arbitrary<Integer> start, boolean alwaysDelete) {
        Arbitrary<Boolean> delete = alwaysDelete ? Arbitraries.just(true)
                : Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just(false)), Tuple.of(1, Arbitraries.just(true)));
        return Combinators.combine(Arbitraries.of(Lane.class), family, Arbitraries.of(FillerStyle.class), start, count,
                delete, size, Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(false)),
                        Tuple.of(1, Arbitraries.just(true))))
                .as(Bulk::new);
    }

    private static Arbitrary<Integer> sizes(int[] sizes) {
        return Arbitraries.of(Arrays.stream(sizes).boxed().toList());
    }
}
