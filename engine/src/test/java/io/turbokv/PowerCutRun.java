package io.turbokv;

import io.turbokv.PowerCutFileLayer.Call;
import io.turbokv.PowerCutModel.Batch;
import io.turbokv.io.CurrentFile;
import io.turbokv.io.FileLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * One store driven through a plan of batches, abandoned batches, compactions and reopens, with the power cut
 * ({@link PowerCutFileLayer}) at chosen file calls, and checked after each cut against {@link PowerCutModel}.
 *
 * <p>A run is a sequence of power sessions, each with a fresh layer: open the store, check it, then carry out the
 * plan from where the last session stopped until the power is cut before the session's chosen call (or, when the
 * plan ends first, at rest). The step the cut interrupted is not retried. After the last session the store is
 * opened once more through the standard layer and checked. Each check requires:
 * <ul>
 *   <li>the store opens without error, and every key reads back through every read path ({@link
 *       PowerCutModel.Observed});</li>
 *   <li>every batch whose {@code commit()} returned is visible; a batch whose {@code commit()} was under way at the
 *       cut is either wholly visible or wholly absent; nothing else is (no abandoned batch, no batch cut before its
 *       commit, no deleted value back);</li>
 *   <li>after the writable open, no orphan: no numbered file above {@code CURRENT} and no {@code .blob} (the plans
 *       write none); with strict orphans also no {@code .sst} that no live meta entry lists and no {@code .meta} the
 *       store did not load (else these are counted as leaked).</li>
 * </ul>
 * Once a large batch was written, only the final check reads every big key and scans both families; the others
 * read every 13th big key, which is enough to tell whether a large batch is there.
 * A broken rule fails with an {@link AssertionError} naming the seed, the plan, each session's cut with what it
 * kept and undid, and the differences found.
 */
final class PowerCutRun {
    /** A step of a plan. */
    sealed interface Step permits Commit, Abandon, Compact, FullCompact, Reopen {}

    /** Writes and commits a batch. */
    record Commit(Batch batch) implements Step {
        @Override
        public String toString() {
            return "commit " + batch;
        }
    }

    /** Writes a batch, then closes it without committing (it rolls back). */
    record Abandon(Batch batch) implements Step {
        @Override
        public String toString() {
            return "abandon " + batch;
        }
    }

    /** {@link TurboKV#compact} with {@code config}. */
    record Compact(CompactConfig config) implements Step {
        @Override
        public String toString() {
            return config.equals(CompactConfig.defaults()) ? "compact(defaults)" : "compact(" + config + ")";
        }
    }

    /** {@link TurboKV#fullCompact}. */
    record FullCompact() implements Step {
        @Override
        public String toString() {
            return "fullCompact";
        }
    }

    /** Closes the store and opens it again, in the same power session. */
    record Reopen() implements Step {
        @Override
        public String toString() {
            return "reopen";
        }
    }

    /** What a run did. */
    static final class Figures {
        int sessions;
        int cutsDuringCalls;
        int cutsAtRest;
        int inDoubtApplied;
        int inDoubtAbsent;
        int inDoubtEither;
        /** Files below {@code CURRENT} that nothing lists, found after writable opens (see strict orphans). */
        int leakedFiles;
        long calls;
        final Map<Call, Integer> cutsBefore = new EnumMap<>(Call.class);

        void add(Figures other) {
            sessions += other.sessions;
            cutsDuringCalls += other.cutsDuringCalls;
            cutsAtRest += other.cutsAtRest;
            inDoubtApplied += other.inDoubtApplied;
            inDoubtAbsent += other.inDoubtAbsent;
            inDoubtEither += other.inDoubtEither;
            leakedFiles += other.leakedFiles;
            calls += other.calls;
            other.cutsBefore.forEach((call, count) -> cutsBefore.merge(call, count, Integer::sum));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d power sessions, %d cuts during a file call %s and %d at rest,"
                    + " %d file calls; batches in doubt at a cut: %d applied, %d absent, %d either; %d leaked files",
                    sessions, cutsDuringCalls, cutsBefore, cutsAtRest, calls, inDoubtApplied, inDoubtAbsent,
                    inDoubtEither, leakedFiles);
        }
    }

    /** The calls among which a cut point is counted. */
    enum Scale {
        /** Every call. */
        ALL(call -> true),
        /** Every call but writes, so that syncs, renames and deletes are hit as often as large batches' writes. */
        NO_WRITES(call -> call != Call.WRITE),
        /** Renames and directory syncs: where a commit becomes visible and then durable. */
        COMMIT_POINTS(call -> call == Call.RENAME || call == Call.SYNC_DIRECTORY);

        private final Predicate<Call> counts;

        Scale(Predicate<Call> counts) {
            this.counts = counts;
        }
    }

    /**
     * Counted calls at the start of each step of a plan, per {@link Scale}: {@code atStep.get(scale)[i]} before step
     * {@code i}, at index {@code plan.size()} at its end.
     */
    record CallCounts(Map<Scale, long[]> atStep) {}

    private final Path directory;
    private final long seed;
    private final List<Step> plan;
    private final UnaryOperator<FileLayer> wrap;
    private final boolean strictOrphans;
    private final Random random;
    private final StringBuilder history = new StringBuilder();
    private final Figures figures = new Figures();
    private PowerCutModel committed = new PowerCutModel();
    /** Every committed state so far, oldest first, with the batch that made it: to name the batches a cut lost. */
    private final List<Map.Entry<String, PowerCutModel>> committedStates = new ArrayList<>(
            List.of(Map.entry("no batch", committed)));
    /** The batch whose commit the last cut interrupted, until a check decides whether it is there. */
    private Batch inDoubt;
    private boolean bigKeysWritten;
    /** Whether the current session's first open has returned. */
    private boolean opened;
    private int next;

    /**
     * @param directory     where the store goes (created; it and its sibling {@code <name>.powercut} must not
     *                      exist)
     * @param seed          printed with every failure; chooses the cuts and what they keep
     * @param wrap          what the store gets instead of the power-cut layer (identity, or a layer that skips a
     *                      sync)
     * @param strictOrphans whether an {@code .sst} no live meta entry lists, or a {@code .meta} not loaded, fails
     *                      the run; else such files are only counted ({@link Figures#leakedFiles}), and only files
     *                      above {@code CURRENT} fail it
     */
    PowerCutRun(Path directory, long seed, List<Step> plan, UnaryOperator<FileLayer> wrap, boolean strictOrphans) {
        this.directory = directory;
        this.seed = seed;
        this.plan = List.copyOf(plan);
        this.wrap = wrap;
        this.strictOrphans = strictOrphans;
        this.random = new Random(seed * 31 + 7);
    }

    /**
     * A random plan of {@code length} steps: mostly small batches, some abandoned batches, compactions (defaults,
     * small random bounds, full) unless {@code compactions} is false, and reopens; plus {@code bigBatches} batches
     * of 262,145 to 322,144 entries, which spill to two SSTs or more (an SST takes at most 262,144).
     */
    static List<Step> plan(long seed, int length, int bigBatches, boolean compactions) {
        Random random = new Random(seed);
        List<Step> steps = new ArrayList<>();
        List<Integer> bigAt = new ArrayList<>();
        for (int i = 0; i < bigBatches; i++) {
            bigAt.add(random.nextInt(length));
        }
        int number = 0;
        for (int i = 0; i < length; i++) {
            for (int big : bigAt) {
                if (big == i) {
                    steps.add(new Commit(new Batch(++number, random.nextLong(), 262_145 + random.nextInt(60_000))));
                }
            }
            int kind = random.nextInt(20);
            if (kind < 11 || (!compactions && kind >= 12 && kind < 17)) {
                steps.add(new Commit(new Batch(++number, random.nextLong(), 0)));
            } else if (kind < 12) {
                steps.add(new Abandon(new Batch(++number, random.nextLong(), 0)));
            } else if (kind < 14) {
                int optimal = 2 + random.nextInt(4);
                steps.add(new Compact(random.nextInt(4) == 0 ? CompactConfig.defaults()
                        : new CompactConfig(2, optimal, optimal + random.nextInt(4), Long.MAX_VALUE, 0, 0,
                                1 + random.nextInt(4))));
            } else if (kind < 17) {
                steps.add(new FullCompact());
            } else {
                steps.add(new Reopen());
            }
        }
        return steps;
    }

    static DbConfig config(FileLayer files) {
        // a family of each kind, so that a batch commits two meta files at once; the multi-valued one key-ordered
        return DbConfig.builder().family("single", FamilyKind.SINGLE_VALUE)
                .family(FamilyConfig.ordered("multi", FamilyKind.MULTI_VALUE))
                .keyBlockCacheBytes(4L << 20).valueBlockCacheBytes(4L << 20).fileLayer(files).build();
    }

    /**
     * Carries out the whole plan in one power session, cut only at rest at its end, then checks; returns the
     * counted calls at each step, from which {@link #runWithCuts} picks cut points.
     */
    CallCounts runWithoutCuts() throws IOException {
        Map<Scale, long[]> atStep = new EnumMap<>(Scale.class);
        for (Scale scale : Scale.values()) {
            atStep.put(scale, new long[plan.size() + 1]);
        }
        session(operation -> false, (step, layer) -> {
            for (Scale scale : Scale.values()) {
                for (Call call : Call.values()) {
                    if (scale.counts.test(call)) {
                        atStep.get(scale)[step] += layer.calls(call);
                    }
                }
            }
        });
        finalCheck();
        return new CallCounts(atStep);
    }

    /**
     * Carries out the plan in power sessions, each cut before a random call after the session's first open, counted
     * on a random {@link Scale}; or, in one session of eight, before one of its first six calls (a recovering open's
     * deletions); then checks.
     *
     * @param counts what {@link #runWithoutCuts} counted for the same plan: cuts fall within a session's span
     */
    Figures runWithCuts(CallCounts counts) throws IOException {
        while (next < plan.size()) {
            int kind = random.nextInt(24);
            boolean duringOpen = kind < 3;
            Scale scale = duringOpen || kind < 11 ? Scale.ALL : kind < 18 ? Scale.NO_WRITES : Scale.COMMIT_POINTS;
            long[] atStep = counts.atStep().get(scale);
            // a little past the plan's end, so that some sessions run to the end and are cut at rest
            long span = atStep[plan.size()] - atStep[next] + (scale == Scale.COMMIT_POINTS ? 2 : 6);
            long cutAt = duringOpen ? 1 + random.nextInt(6) : 1 + (long) (random.nextDouble() * span);
            long[] seen = new long[1];
            session(operation -> {
                if ((!duringOpen && !opened) || !scale.counts.test(operation.call())) {
                    return false;
                }
                return ++seen[0] == cutAt;
            }, (step, layer) -> {});
        }
        finalCheck();
        return figures;
    }

    /** What the run did so far. */
    Figures figures() {
        return figures;
    }

    /** Called after each step of a session, with the number of the next step. */
    private interface StepListener {
        void stepDone(int next, PowerCutFileLayer layer);
    }

    private void session(Predicate<PowerCutFileLayer.Operation> trigger, StepListener listener) throws IOException {
        figures.sessions++;
        opened = false;
        Files.createDirectories(directory);
        PowerCutFileLayer layer = new PowerCutFileLayer(directory,
                PowerCutFileLayer.Choices.random(random.nextLong(), true));
        layer.cutWhen(trigger);
        DbConfig config = config(wrap.apply(layer));
        history.append("session ").append(figures.sessions).append(" from step ").append(next).append(": ");
        TurboKV db = null;
        int executing = -1;
        int started = -1;
        Batch committing = null;
        try {
            db = openAndCheck(config, layer, false);
            opened = true;
            listener.stepDone(next, layer);
            while (next < plan.size() && !layer.isCut()) {
                executing = next;
                started = next;
                switch (plan.get(next)) {
                    case Commit c -> {
                        bigKeysWritten |= c.batch().bigEntries() > 0;
                        try (WriteBatch batch = db.writeBatch()) {
                            c.batch().writeTo(sink(batch));
                            committing = layer.isCut() ? null : c.batch(); // cut while filling: surely absent
                            batch.commit();
                            committing = null;
                            commit(committed.with(c.batch()), c.batch());
                        }
                    }
                    case Abandon a -> {
                        try (WriteBatch batch = db.writeBatch()) {
                            a.batch().writeTo(sink(batch));
                        }
                    }
                    case Compact c -> db.compact(c.config());
                    case FullCompact f -> db.fullCompact();
                    case Reopen r -> {
                        db.close();
                        db = null;
                        db = openAndCheck(config, layer, false);
                    }
                }
                executing = -1;
                next++;
                listener.stepDone(next, layer);
            }
            if (!layer.isCut()) {
                layer.powerCut();
            }
        } catch (AssertionError e) {
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            if (!layer.isCut()) {
                throw failure("step " + executing + " failed without a power cut", e);
            }
            if (executing >= 0) {
                next = executing + 1; // the interrupted step is not retried
            }
            if (committing != null) {
                inDoubt = committing;
            }
        } finally {
            closeQuietly(db);
            layer.discard();
            figures.calls += layer.calls();
        }
        PowerCutFileLayer.Operation cutBefore = layer.cutBefore();
        if (cutBefore == null) {
            figures.cutsAtRest++;
            history.append("plan done, ");
        } else {
            figures.cutsDuringCalls++;
            figures.cutsBefore.merge(cutBefore.call(), 1, Integer::sum);
            history.append(started < 0 ? "during the open, " : "during step " + started + ", ");
        }
        history.append(layer.cutReport());
    }

    private static PowerCutModel.Sink sink(WriteBatch batch) {
        return new PowerCutModel.Sink() {
            @Override
            public void put(int family, byte[] key, byte[] value) throws IOException {
                batch.put(family, key, value);
            }

            @Override
            public void delete(int family, byte[] key) {
                batch.delete(family, key);
            }
        };
    }

    private void finalCheck() throws IOException {
        history.append("final open through the standard layer\n");
        openAndCheck(config(FileLayer.standard()), null, true).close();
    }

    /**
     * Opens the store and checks it (see the class comment), deciding the batch in doubt; a power cut during the
     * open is rethrown as it is. Once a large batch was written, only the final check reads every key and scans
     * the families ({@code complete}); the others read every 13th big key.
     */
    private TurboKV openAndCheck(DbConfig config, PowerCutFileLayer layer, boolean complete) throws IOException {
        TurboKV db;
        try {
            db = TurboKV.open(directory, config);
        } catch (IOException | RuntimeException e) {
            if (layer != null && layer.isCut()) {
                throw e;
            }
            throw failure("the store does not open", e);
        }
        try {
            PowerCutModel.Observed observed;
            try {
                observed = PowerCutModel.Observed.read(db, bigKeysWritten, complete || !bigKeysWritten);
            } catch (IOException | RuntimeException e) {
                throw failure("reading the store fails", e);
            }
            List<String> without = committed.differences(observed);
            if (inDoubt != null) {
                PowerCutModel applied = committed.with(inDoubt);
                List<String> with = applied.differences(observed);
                if (with.isEmpty() && without.isEmpty()) {
                    figures.inDoubtEither++;
                } else if (with.isEmpty()) {
                    figures.inDoubtApplied++;
                    commit(applied, inDoubt);
                } else if (without.isEmpty()) {
                    figures.inDoubtAbsent++;
                } else {
                    throw failure(inDoubt + ", whose commit the power cut interrupted, is neither wholly visible"
                            + " nor wholly absent, or committed data is lost" + earlierState(observed)
                            + ": against the store without it " + without + "; with it " + with, null);
                }
                inDoubt = null;
            } else if (!without.isEmpty()) {
                throw failure("the store does not hold what was committed (committed data lost, or data that"
                        + " was never committed visible)" + earlierState(observed) + ": " + without, null);
            }
            checkNoOrphans(db);
            return db;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(db);
            throw e;
        }
    }

    private void commit(PowerCutModel state, Batch batch) {
        committed = state;
        committedStates.add(Map.entry("batch " + batch.number(), state));
    }

    /** ", it holds the committed state after batch N" when the store went back to an earlier state. */
    private String earlierState(PowerCutModel.Observed observed) {
        for (int i = committedStates.size() - 2; i >= 0; i--) {
            if (committedStates.get(i).getValue().differences(observed).isEmpty()) {
                return " (the store holds what was committed up to " + committedStates.get(i).getKey()
                        + ": the commits after it are lost)";
            }
        }
        return "";
    }

    private void checkNoOrphans(TurboKV db) throws IOException {
        List<String> leaked = new ArrayList<>();
        List<String> orphans = orphans(db, directory, leaked);
        figures.leakedFiles += leaked.size();
        if (strictOrphans) {
            orphans.addAll(leaked);
        }
        if (!orphans.isEmpty()) {
            throw failure("orphan files after a writable open: " + orphans, null);
        }
    }

    /**
     * The numbered files of the store in {@code directory}, open as {@code db}, that nothing accounts for: files
     * above {@code CURRENT}, and {@code .blob} files (the plans write none), are returned; an {@code .sst} no live
     * meta entry lists, or a {@code .meta} the store did not load, is added to {@code leaked}.
     */
    static List<String> orphans(TurboKV db, Path directory, List<String> leaked) throws IOException {
        long current = Integer.toUnsignedLong(CurrentFile.read(directory));
        Set<Long> liveSsts = new HashSet<>();
        Set<Long> metas = new HashSet<>();
        for (MetaFileInfo meta : db.metaInfo()) {
            metas.add(Integer.toUnsignedLong(meta.sequenceNumber()));
            for (SstInfo sst : meta.ssts()) {
                liveSsts.add(Integer.toUnsignedLong(sst.sequenceNumber()));
            }
        }
        List<String> orphans = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (!name.matches("\\d+\\.(sst|meta|blob|del)")) {
                    continue;
                }
                long seq = Long.parseLong(name.substring(0, name.indexOf('.')));
                String extension = name.substring(name.indexOf('.') + 1);
                if (seq > current) {
                    orphans.add(name + " (above CURRENT " + current + ")");
                } else if (extension.equals("sst") && !liveSsts.contains(seq)) {
                    leaked.add(name + " (no live meta entry lists it)");
                } else if (extension.equals("meta") && !metas.contains(seq)) {
                    leaked.add(name + " (not loaded)");
                } else if (extension.equals("blob")) {
                    orphans.add(name + " (the plan writes no blob)");
                }
            }
        }
        return orphans;
    }

    private AssertionError failure(String problem, Throwable cause) {
        StringBuilder message = new StringBuilder("seed ").append(seed).append(": ").append(problem)
                .append("\nplan:");
        for (int i = 0; i < plan.size(); i++) {
            message.append(String.format(Locale.ROOT, "%n  %2d %s", i, plan.get(i)));
        }
        message.append("\n").append(history);
        return new AssertionError(message.toString(), cause);
    }

    private static void closeQuietly(TurboKV db) {
        if (db != null) {
            try {
                db.close();
            } catch (IOException | RuntimeException e) {
                // the instance is dead after a power cut; its close may fail
            }
        }
    }
}
