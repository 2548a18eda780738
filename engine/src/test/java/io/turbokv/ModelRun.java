package io.turbokv;

import static io.turbokv.StoreModel.MULTI;
import static io.turbokv.StoreModel.SINGLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.turbokv.ModelCoverage.Event;
import io.turbokv.ModelData.Value;
import io.turbokv.ModelSteps.Batch;
import io.turbokv.ModelSteps.BatchEnd;
import io.turbokv.ModelSteps.Bulk;
import io.turbokv.ModelSteps.CheckReadOnly;
import io.turbokv.ModelSteps.CheckScope;
import io.turbokv.ModelSteps.CloseReadOnly;
import io.turbokv.ModelSteps.CloseScope;
import io.turbokv.ModelSteps.Compact;
import io.turbokv.ModelSteps.CompactWhileReading;
import io.turbokv.ModelSteps.Compaction;
import io.turbokv.ModelSteps.Delete;
import io.turbokv.ModelSteps.Full;
import io.turbokv.ModelSteps.Lane;
import io.turbokv.ModelSteps.ManyValues;
import io.turbokv.ModelSteps.OpenReadOnly;
import io.turbokv.ModelSteps.OpenScope;
import io.turbokv.ModelSteps.Partial;
import io.turbokv.ModelSteps.Peek;
import io.turbokv.ModelSteps.Put;
import io.turbokv.ModelSteps.Reopen;
import io.turbokv.ModelSteps.Step;
import io.turbokv.ModelSteps.Write;
import io.turbokv.StoreModel.Layer;
import io.turbokv.StoreModel.Snapshot;
import io.turbokv.compaction.Compactor;
import io.turbokv.sst.SstLimits;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Runs a list of {@link Step}s against a store in a fresh directory and the {@link StoreModel} side by side, and
 * checks the store in every read form after every step that writes, compacts or reopens ({@link ModelCheck}; a
 * store of hundreds of thousands of entries is scanned only after the large batch that made it so, compactions and
 * reopens, and read by samples after other batches); read-only instances and read scopes are checked, when a step
 * says so and when they close, against the committed state of when they were opened.
 * At the end every instance still open is checked and closed, and the store is reopened and checked once more.
 *
 * <p>Writes on a helper {@link Lane} are handed to that helper's thread and awaited, so the handover orders them
 * by happens-before. Everything else runs on the calling thread, which owns the read scopes.
 */
final class ModelRun implements AutoCloseable {
    /** Read-only instances open at once, at most (each maps every file of the store). */
    private static final int MAX_READ_ONLY = 4;
    /** Read scopes open at once, at most. */
    private static final int MAX_SCOPES = 4;
    /** A key to try a write or a read with where it must fail. */
    private static final byte[] ANY_KEY = ModelData.trackedKey(1);
    /**
     * Above this {@link Snapshot#scanWeight()}, an ordinary batch is followed by point reads only: a store this large
     * is scanned after the batches that made it so, after every compaction and reopen, and at the end.
     */
    private static final long SCAN_WEIGHT_OF_EVERY_STEP = 200_000;
    /** A batch with more entries than this is scanned after even in a large store. */
    private static final long LARGE_BATCH_ENTRIES = 100_000;
    /** A batch with more key and value bytes than this is scanned after even in a large store. */
    private static final long LARGE_BATCH_BYTES = 32 << 20;

    private final Path directory;
    private final DbConfig config;
    private final ModelCoverage coverage;
    private final StoreModel model = new StoreModel();
    private final ExecutorService[] helpers = {newHelper("model-helper-1"), newHelper("model-helper-2")};
    private final List<ReadOnly> readOnly = new ArrayList<>();
    private final List<Scope> scopes = new ArrayList<>();
    private TurboKV db;
    /** Commits and compactions of the writer so far. */
    private int changes;
    /** Reopens of the writer so far. */
    private int reopens;
    /** Compactions that changed the store so far. */
    private int compactions;
    /** The last bulk write's number: its values derive from it. */
    private long generation;
    private String when = "the start";

    /** A read-only instance and the committed state it was opened on. */
    private record ReadOnly(TurboKV db, Snapshot snapshot, int changes, int compactions, int reopens) {}

    /** A view a scope handed out, and the value it must keep showing until the scope closes. */
    private record View(MemorySegment segment, Value expected, int key) {}

    /** A read scope, the committed state it was opened on, and the views it handed out then. */
    private record Scope(ReadScope scope, Snapshot snapshot, int changes, int compactions, List<View> views,
                         List<ModelCursors.Held> cursors) {}

    private ModelRun(Path directory, DbConfig config, ModelCoverage coverage) throws IOException {
        this.directory = directory;
        this.config = config;
        this.coverage = coverage;
        this.db = TurboKV.open(directory, config);
    }

    /**
     * Runs {@code steps} on a new store of {@code config} (a single-valued family 0 and a multi-valued family 1),
     * counting into {@code coverage}; deletes the store afterwards.
     */
    static void run(List<Step> steps, DbConfig config, ModelCoverage coverage) throws Exception {
        Path directory = Files.createTempDirectory("turbokv-model");
        try {
            try (ModelRun run = new ModelRun(directory, config, coverage)) {
                for (int i = 0; i < steps.size(); i++) {
                    run.when = "step " + i + " " + describe(steps.get(i));
                    run.step(steps.get(i));
                    coverage.count(Event.STEPS);
                }
                run.finish();
            }
            coverage.countCompactions(directory);
            coverage.runEnded();
        } finally {
            deleteRecursively(directory);
        }
    }

    private static String describe(Step step) {
        return step instanceof Batch batch ? "(a batch of " + batch.writes().size() + " writes, " + batch.end() + ")"
                : "(" + step + ")";
    }

    private static ExecutorService newHelper(String name) {
        return Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    private void step(Step step) throws Exception {
        boolean scan = true;
        switch (step) {
            case Batch batch -> scan = batch(batch)
                    || model.committed().scanWeight() <= SCAN_WEIGHT_OF_EVERY_STEP;
            case Compact compact -> compact(compact.how());
            case CompactWhileReading compact -> compactWhileReading(compact.how());
            case Reopen reopen -> reopen();
            case OpenReadOnly open -> openReadOnly(null);
            case CheckReadOnly check -> {
                if (!readOnly.isEmpty()) {
                    checkReadOnly(readOnly.get(Math.floorMod(check.which(), readOnly.size())));
                }
            }
            case CloseReadOnly close -> {
                if (!readOnly.isEmpty()) {
                    closeReadOnly(readOnly.remove(Math.floorMod(close.which(), readOnly.size())));
                }
            }
            case OpenScope open -> openScope();
            case CheckScope check -> {
                if (!scopes.isEmpty()) {
                    checkScope(scopes.get(Math.floorMod(check.which(), scopes.size())));
                }
            }
            case CloseScope close -> {
                if (!scopes.isEmpty()) {
                    Scope scope = scopes.remove(Math.floorMod(close.which(), scopes.size()));
                    for (ModelCursors.Held held : scope.cursors()) {
                        held.finish(when);
                    }
                    closeScope(scope);
                }
            }
        }
        if (step instanceof Batch || step instanceof Compact || step instanceof CompactWhileReading
                || step instanceof Reopen) { // the others read, and reads change no answer
            if (scan) {
                ModelCheck.store(db, model.committed(), when);
            } else {
                ModelCheck.pointReads(db, model.committed(), when);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- batches

    /** What a batch has written so far, per family, for the coverage figures. */
    private static final class BatchFacts {
        /** The store's spill thresholds ({@link DbConfig#spillEntries()}, {@link DbConfig#spillBytes()}). */
        final int spillEntries;
        final long spillBytes;
        final long[] entries = new long[2];
        final long[] bytes = new long[2];
        final boolean[] values = new boolean[2];
        long multiValuedDeletes;
        /** Per (family, key): entries of the family and the lane at its last write. */
        final Map<Long, long[]> lastWrite = new HashMap<>();
        boolean largeMedium;
        boolean keyBlockGroup;
        boolean keyBlockRun;

        BatchFacts(DbConfig config) {
            this.spillEntries = config.spillEntries();
            this.spillBytes = config.spillBytes();
        }

        void tracked(ModelCoverage coverage, Lane lane, int family, int key, long valueBytes, boolean delete) {
            long[] last = lastWrite.get((long) family << 32 | key);
            if (last != null && (entries[family] - last[0] >= spillEntries
                    || bytes[family] - last[1] >= spillBytes)) {
                coverage.count(Event.LATER_WRITE_ACROSS_SPILL);
            }
            if (last != null && last[2] != lane.ordinal()) {
                coverage.count(Event.LATER_WRITE_FROM_OTHER_THREAD);
            }
            add(family, 1, ModelData.trackedKeyLength(key) + valueBytes, delete);
            lastWrite.put((long) family << 32 | key, new long[] {entries[family], bytes[family], lane.ordinal()});
        }

        void add(int family, long count, long keyAndValueBytes, boolean delete) {
            entries[family] += count;
            bytes[family] += keyAndValueBytes;
            if (delete && family == MULTI) {
                multiValuedDeletes += count;
            } else {
                values[family] = true;
            }
        }

        /** The SSTs the commit writes when nothing spilled: one per family, one more for multi-valued deletes. */
        int sstsWithoutSpill() {
            return (values[SINGLE] ? 1 : 0) + (values[MULTI] ? 1 : 0) + (multiValuedDeletes > 0 ? 1 : 0);
        }
    }

    /** Runs a batch; whether it was large (see {@link #LARGE_BATCH_ENTRIES}). */
    private boolean batch(Batch step) throws Exception {
        BatchFacts facts = new BatchFacts(config);
        WriteBatch batch = db.writeBatch();
        try {
            for (int i = 0; i < step.writes().size(); i++) {
                Write write = step.writes().get(i);
                String whenBefore = when;
                when = when + ", write " + i + " " + write;
                write(batch, write, facts);
                when = whenBefore;
                coverage.count(Event.WRITES);
            }
            switch (step.end()) {
                case COMMIT -> {
                    CommitStats stats = batch.commit();
                    model.commit();
                    changes++;
                    committed(facts, stats);
                }
                case ABANDON -> {
                    batch.close();
                    model.abandon();
                    coverage.count(Event.ABANDONED_BATCHES);
                }
                case CLOSE_STORE -> {
                    closeStore();
                    assertThrows(StoreClosedException.class, () -> batch.put(SINGLE, ANY_KEY, ANY_KEY),
                            "a batch of a closed store, " + when);
                    model.abandon();
                    coverage.count(Event.BATCHES_OPEN_AT_STORE_CLOSE);
                    openStore();
                }
            }
        } finally {
            batch.close(); // idempotent; rolls back what a failed step left open
        }
        boolean large = facts.entries[SINGLE] + facts.entries[MULTI] > LARGE_BATCH_ENTRIES
                || facts.bytes[SINGLE] + facts.bytes[MULTI] > LARGE_BATCH_BYTES;
        if (large && step.end() != BatchEnd.COMMIT) {
            coverage.count(Event.LARGE_BATCHES_ROLLED_BACK);
        }
        return large;
    }

    private void committed(BatchFacts facts, CommitStats stats) {
        coverage.count(Event.COMMITS);
        coverage.add(Event.BLOBS, stats.newBlobFiles());
        if (stats.newSstFiles() > facts.sstsWithoutSpill()) {
            coverage.count(Event.SPILLED_BATCHES);
            for (int family = 0; family < 2; family++) {
                if (facts.entries[family] - (family == MULTI ? facts.multiValuedDeletes : 0)
                        >= facts.spillEntries) {
                    coverage.count(Event.SPILLS_BY_ENTRIES);
                }
                if (facts.bytes[family] >= facts.spillBytes) {
                    coverage.count(Event.SPILLS_BY_BYTES);
                }
            }
            if (facts.multiValuedDeletes >= facts.spillEntries) {
                coverage.count(Event.TOMBSTONE_SPILLS);
            }
        }
        for (int family = 0; family < 2; family++) {
            if (facts.entries[family] > 8 * 2_048) {
                coverage.count(Event.STRIPE_MOVES);
            }
            if (facts.bytes[family] > Compactor.DATA_THRESHOLD_PER_COMPACTED_FILE) {
                coverage.count(Event.BATCHES_PAST_COMPACTION_CUT);
            }
        }
        if (facts.largeMedium) {
            coverage.count(Event.MEDIUM_VALUES_64_MIB);
        }
        if (facts.keyBlockGroup) {
            coverage.count(Event.KEY_BLOCK_GROUPS);
        }
        if (facts.keyBlockRun) {
            coverage.count(Event.KEY_BLOCK_RUNS);
        }
    }

    private void write(WriteBatch batch, Write write, BatchFacts facts) throws Exception {
        switch (write) {
            case Put put -> {
                byte[] key = ModelData.trackedKey(put.key());
                onLane(put.lane(), () -> {
                    ModelData.withBytes(put.value(), value -> batch.put(put.family(), MemorySegment.ofArray(key),
                            value));
                    return null;
                });
                model.put(put.family(), put.key(), put.value());
                facts.tracked(coverage, put.lane(), put.family(), put.key(), put.value().size(), false);
                facts.largeMedium |= put.value().size() == ModelData.MAX_MEDIUM;
            }
            case Delete delete -> {
                byte[] key = ModelData.trackedKey(delete.key());
                onLane(delete.lane(), () -> {
                    batch.delete(delete.family(), key);
                    return null;
                });
                model.delete(delete.family(), delete.key());
                facts.tracked(coverage, delete.lane(), delete.family(), delete.key(), 0, true);
            }
            case Bulk bulk -> bulk(batch, bulk, facts);
            case ManyValues many -> {
                byte[] key = ModelData.trackedKey(many.key());
                List<Value> values = new ArrayList<>();
                for (int i = 0; i < many.count(); i++) {
                    values.add(new Value(many.size(), ModelData.mix(many.seed() + i)));
                }
                onLane(many.lane(), () -> {
                    for (Value value : values) {
                        batch.put(MULTI, key, value.bytes());
                    }
                    return null;
                });
                for (Value value : values) {
                    model.put(MULTI, many.key(), value);
                }
                facts.tracked(coverage, many.lane(), MULTI, many.key(), many.size(), false);
                facts.add(MULTI, many.count() - 1, (long) (many.count() - 1) * (key.length + many.size()), false);
                long accounted = (long) many.count() * (key.length + SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD);
                // the store's own key block budget: the options property runs stores with others than the default
                int budget = config.keyBlockBytes();
                facts.keyBlockGroup |= many.count() > budget / SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD
                        || accounted > budget;
                facts.keyBlockRun |= accounted > (long) SstLimits.KEY_BLOCK_RUN_FACTOR * budget;
            }
            case Peek peek -> {
                switch (peek.kind()) {
                    case CHECK -> ModelCheck.store(db, model.committed(), when);
                    case OPEN_READ_ONLY -> {
                        if (openReadOnly(null)) {
                            coverage.count(Event.READ_ONLY_OPENED_MID_BATCH);
                        }
                    }
                    case OPEN_SCOPE -> openScope();
                }
            }
        }
    }

    private void bulk(WriteBatch batch, Bulk bulk, BatchFacts facts) throws Exception {
        long bulkGeneration = ++generation;
        Layer layer = new Layer(0, bulk.family(), bulk.style(), bulk.start(), bulk.count(), bulk.delete(), bulk.size(),
                bulkGeneration);
        if (bulk.twoThreads() && bulk.count() > 1) {
            int middle = bulk.start() + bulk.count() / 2;
            Future<Void> first = helpers[0].submit(() -> fill(batch, layer, bulk.start(), middle));
            Future<Void> second = helpers[1].submit(() -> fill(batch, layer, middle, layer.end()));
            await(first);
            await(second);
            coverage.count(Event.TWO_THREAD_BULKS);
        } else {
            onLane(bulk.lane(), () -> fill(batch, layer, bulk.start(), layer.end()));
        }
        model.fill(bulk.family(), bulk.style(), bulk.start(), bulk.count(), bulk.delete(), bulk.size(), bulkGeneration);
        facts.add(bulk.family(), bulk.count(),
                (long) bulk.count() * (bulk.style().keyLength() + (bulk.delete() ? 0 : bulk.size())), bulk.delete());
    }

    private static Void fill(WriteBatch batch, Layer layer, int from, int to) throws IOException {
        for (int index = from; index < to; index++) {
            byte[] key = layer.style().key(index);
            if (layer.delete()) {
                batch.delete(layer.family(), key);
            } else {
                batch.put(layer.family(), key, layer.value(index).bytes());
            }
        }
        return null;
    }

    private <T> T onLane(Lane lane, Callable<T> action) throws Exception {
        return switch (lane) {
            case CALLER -> action.call();
            case FIRST_HELPER -> await(helpers[0].submit(action));
            case SECOND_HELPER -> await(helpers[1].submit(action));
        };
    }

    private static <T> T await(Future<T> future) throws Exception {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }

    // ---------------------------------------------------------------------------------------- compaction

    private void compact(Compaction how) throws IOException {
        compacted(how, runCompaction(db, how));
    }

    /** Runs the compaction alone, touching nothing of this run: it may run on a helper thread. */
    private static boolean runCompaction(TurboKV db, Compaction how) throws IOException {
        if (how instanceof Partial partial) {
            return db.compact(partial.config());
        }
        db.fullCompact();
        return true;
    }

    private void compacted(Compaction how, boolean changed) throws IOException {
        if (changed) {
            changes++;
            compactions++;
            coverage.count(Event.COMPACTIONS);
        }
        if (how instanceof Full && model.committed().scanWeight() <= SCAN_WEIGHT_OF_EVERY_STEP) {
            CompactionTest.assertNoDuplicateKeysAndNoOverlap(db, directory); // reads every key as a hex string
        }
    }

    /**
     * Compacts on a helper thread while this thread reads the tracked keys through the store and every scope, over
     * and over until the compaction is done, and opens a read-only instance meanwhile.
     */
    private void compactWhileReading(Compaction how) throws Exception {
        Snapshot expected = model.committed();
        TurboKV store = db;
        Future<Boolean> compaction = helpers[0].submit(() -> runCompaction(store, how));
        boolean opened = false;
        do {
            ModelCheck.trackedKeys(db, expected, when + ", during the compaction");
            for (Scope scope : scopes) {
                ModelCheck.scope(scope.scope(), scope.snapshot(), when + ", during the compaction");
            }
            if (!opened) {
                opened = true;
                if (openReadOnly(expected)) {
                    coverage.count(Event.READ_ONLY_OPENED_DURING_COMPACTION);
                }
            }
        } while (!compaction.isDone());
        compacted(how, await(compaction));
        coverage.count(Event.COMPACTIONS_WHILE_READING);
    }

    // ------------------------------------------------------------------------------------ store lifetime

    private void reopen() throws IOException {
        closeStore();
        openStore();
    }

    private void openStore() throws IOException {
        db = TurboKV.open(directory, config);
        reopens++;
        coverage.count(Event.REOPENS);
    }

    /**
     * Closes the store. Its scopes must then refuse to read, but the views they handed out stay readable until
     * they close; read-only instances are not the writer's and stay open.
     */
    private void closeStore() throws IOException {
        db.close();
        for (Scope scope : scopes) {
            assertThrows(StoreClosedException.class, () -> scope.scope().get(SINGLE, ANY_KEY),
                    "a scope of a closed store, " + when);
            checkViews(scope, "after the store closed");
            for (ModelCursors.Held held : scope.cursors()) {
                assertThrows(StoreClosedException.class, () -> held.cursor().next(),
                        "a cursor of a closed store, " + when);
            }
            closeScope(scope);
            coverage.count(Event.SCOPES_OPEN_AT_STORE_CLOSE);
        }
        scopes.clear();
    }

    // ---------------------------------------------------------------------------- read-only instances

    /**
     * Opens a read-only instance on the committed state {@code expected} (by default the model's), unless enough
     * are open; whether it opened.
     */
    private boolean openReadOnly(Snapshot expected) throws IOException {
        if (readOnly.size() >= MAX_READ_ONLY) {
            return false;
        }
        Snapshot snapshot = expected == null ? model.committed() : expected;
        TurboKV instance = TurboKV.openReadOnly(directory, config);
        readOnly.add(new ReadOnly(instance, snapshot, changes, compactions, reopens));
        assertThrows(IllegalStateException.class, instance::writeBatch, "a read-only instance's write batch");
        coverage.count(Event.READ_ONLY_OPENED);
        return true;
    }

    private void checkReadOnly(ReadOnly instance) throws IOException {
        ModelCheck.store(instance.db(), instance.snapshot(), when + ", read-only instance opened at "
                + instance.snapshot());
        if (changes > instance.changes()) {
            coverage.count(Event.READ_ONLY_CHECKED_AFTER_WRITER_CHANGED);
        }
        if (compactions > instance.compactions()) {
            coverage.count(Event.READ_ONLY_CHECKED_AFTER_COMPACTION);
        }
        if (reopens > instance.reopens()) {
            coverage.count(Event.READ_ONLY_CHECKED_AFTER_WRITER_REOPEN);
        }
    }

    private void closeReadOnly(ReadOnly instance) throws IOException {
        checkReadOnly(instance);
        instance.db().close();
    }

    // ------------------------------------------------------------------------------------------ scopes

    /** Opens a scope, unless enough are open, and takes a view of every tracked single-valued key it finds. */
    private void openScope() throws IOException {
        if (scopes.size() >= MAX_SCOPES) {
            return;
        }
        ReadScope scope = db.readScope();
        Snapshot snapshot = model.committed();
        List<View> views = new ArrayList<>();
        for (int key = 0; key < ModelData.trackedKeyCount(); key++) {
            MemorySegment view = scope.get(SINGLE, ModelData.trackedKey(key));
            if (view != null) {
                views.add(new View(view, snapshot.single(key), key));
            }
        }
        List<ModelCursors.Held> held = new ArrayList<>();
        for (int family : new int[] {SINGLE, MULTI}) {
            if (config.family(family).keyOrdered()) {
                held.add(new ModelCursors.Held(scope, family, snapshot));
            }
        }
        scopes.add(new Scope(scope, snapshot, changes, compactions, views, held));
        coverage.count(Event.SCOPES_OPENED);
    }

    private void checkScope(Scope scope) throws IOException {
        ModelCheck.scope(scope.scope(), scope.snapshot(), when);
        if (scope.snapshot().scanWeight() <= SCAN_WEIGHT_OF_EVERY_STEP) { // a large one: walked when it closes
            ModelCheck.cursors(config, scope.scope(), scope.snapshot(), when + ", in a scope");
        }
        for (ModelCursors.Held held : scope.cursors()) {
            held.step(when);
        }
        checkViews(scope, "");
        if (changes > scope.changes()) {
            coverage.count(Event.SCOPES_CHECKED_AFTER_CHANGE);
        }
        if (compactions > scope.compactions()) {
            coverage.count(Event.SCOPES_CHECKED_AFTER_COMPACTION);
        }
    }

    private void checkViews(Scope scope, String how) {
        for (View view : scope.views()) {
            String what = "view of tracked key " + view.key() + " from a scope of " + scope.snapshot() + " " + how
                    + ", " + when;
            assertEquals(view.expected(), ModelData.decode(view.segment(), () -> what), what);
        }
    }

    /** Closes a scope: every view it handed out must become inaccessible. */
    private void closeScope(Scope scope) {
        scope.scope().close();
        for (ModelCursors.Held held : scope.cursors()) {
            assertThrows(IllegalStateException.class, () -> held.cursor().next(),
                    "a cursor of a closed scope, " + when);
        }
        for (View view : scope.views()) {
            if (view.segment().byteSize() > 0) {
                assertThrows(IllegalStateException.class, () -> view.segment().get(ValueLayout.JAVA_BYTE, 0),
                        "a view of a closed scope, " + when);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- end

    /** Checks and closes every read-only instance and scope, then reopens the store and checks it. */
    private void finish() throws IOException {
        when = "the end";
        for (Scope scope : scopes) {
            checkScope(scope);
            for (ModelCursors.Held held : scope.cursors()) {
                held.finish(when);
            }
            closeScope(scope);
        }
        scopes.clear();
        for (ReadOnly instance : readOnly) {
            closeReadOnly(instance);
        }
        readOnly.clear();
        reopen();
        when = "the end, after a reopen";
        ModelCheck.store(db, model.committed(), when);
    }

    /** Releases what a failed run left open. */
    @Override
    public void close() throws IOException {
        for (Scope scope : scopes) {
            scope.scope().close();
        }
        for (ReadOnly instance : readOnly) {
            instance.db().close();
        }
        for (ExecutorService helper : helpers) {
            helper.shutdownNow();
        }
        db.close();
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
