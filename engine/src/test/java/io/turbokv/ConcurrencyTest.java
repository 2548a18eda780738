package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers and a writer that also compacts, on one store at once, for a bounded time, with tiny block caches so blocks are
 * evicted all the time. Round {@code r} of the writer puts {@code r:<key>:<padding>} under a subset of keys that
 * is a pure function of {@code r}. Every read checks: the value is one the writer wrote for that key in some round
 * not later than the last round it began, the round was one that wrote that key, and a reader never sees a key's
 * round go back (commits are atomic and the newest wins, compaction or not). Some readers hold a {@link ReadScope}
 * across several of the writer's rounds, compactions (full ones too) and cache clears, and read every key through
 * it: the scope must keep answering from the state it opened, whose files compaction made obsolete meanwhile (they
 * must not be deleted while the scope can reach them). Others scan the family with {@code forEach} meanwhile. Any
 * exception a reader gets — an {@link IllegalStateException} from a closed mapping or a
 * {@link java.nio.file.NoSuchFileException} from a deleted file included — fails the test.
 */
class ConcurrencyTest {
    private static final int KEYS = 400;
    private static final CompactConfig EAGER = new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8);

    @TempDir
    Path dir;

    /** The store's configuration; {@link ConcurrencyMappedMetaTest} maps every meta file. */
    DbConfig.Builder config() {
        return DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .keyBlockCacheBytes(256 << 10)
                .valueBlockCacheBytes(256 << 10);
    }

    /** Whether round {@code round} writes {@code key}: about a third of the keys each round. */
    private static boolean writes(int round, int key) {
        return new Random(round * 31L + key).nextInt(3) == 0;
    }

    private static String value(int round, int key) {
        return round + ":" + key + ":" + "x".repeat((round * 7 + key) % 300); // inline, small values, some compressible
    }

    private record Figures(long reads, long rounds, long compactions) {}

    private Figures run(long millis, int readers) throws Exception {
        // readers + 1 threads: the writer, which also compacts, and the readers
        AtomicLong startedRound = new AtomicLong();
        AtomicLong compactions = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        try (TurboKV db = TurboKV.open(dir, config().build())) {
            ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
            try {
                List<Future<?>> tasks = new ArrayList<>();
                tasks.add(pool.submit(() -> {
                    // one thread writes and compacts in turn: both need the single write slot
                    for (int round = 1; !stop.get(); round++) {
                        startedRound.set(round);
                        try (WriteBatch batch = db.writeBatch()) {
                            for (int key = 0; key < KEYS; key++) {
                                if (writes(round, key)) {
                                    batch.put(0, key(key), value(round, key).getBytes(StandardCharsets.UTF_8));
                                }
                            }
                            batch.commit();
                        }
                        if (round % 4 == 0 && db.compact(EAGER)) {
                            compactions.incrementAndGet();
                        }
                        if (round % 13 == 0) {
                            db.fullCompact();
                            compactions.incrementAndGet();
                        }
                        if (round % 7 == 0) {
                            db.clearCache(); // every SST is mapped again on its next read
                        }
                    }
                    return null;
                }));
                for (int r = 0; r < readers; r++) {
                    int seed = r;
                    tasks.add(pool.submit(() -> {
                        if (seed == 0) {
                            holdScopesAndScan(db, startedRound, reads, stop);
                        } else {
                            read(db, new Random(seed), startedRound, reads, stop);
                        }
                        return null;
                    }));
                }
                long deadline = System.nanoTime() + millis * 1_000_000;
                for (Future<?> task : tasks) {
                    // a task that fails ends the run early: its exception is rethrown here
                    while (!task.isDone() && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                        for (Future<?> other : tasks) {
                            if (other.isDone()) {
                                stop.set(true);
                                other.get();
                            }
                        }
                    }
                }
                stop.set(true);
                for (Future<?> task : tasks) {
                    task.get();
                }
            } finally {
                stop.set(true);
                pool.shutdown();
            }
        }
        return new Figures(reads.get(), startedRound.get(), compactions.get());
    }

    private static void read(TurboKV db, Random random, AtomicLong startedRound, AtomicLong reads, AtomicBoolean stop)
            throws IOException {
        int[] lastSeen = new int[KEYS];
        while (!stop.get()) {
            int key = random.nextInt(KEYS);
            int mode = random.nextInt(3);
            String found;
            if (mode == 0) {
                found = db.get(0, key(key)).map(v -> new String(v, StandardCharsets.UTF_8)).orElse(null);
            } else if (mode == 1) {
                String[] holder = new String[1];
                db.get(0, MemorySegment.ofArray(key(key)),
                        v -> holder[0] = new String(v.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                found = holder[0];
            } else {
                try (ReadScope scope = db.readScope()) {
                    found = read(scope, key);
                }
            }
            check(key, found, startedRound.get(), lastSeen);
            reads.incrementAndGet();
        }
    }

    /** The first reader: long-held scopes and full scans in turn. */
    private static void holdScopesAndScan(TurboKV db, AtomicLong startedRound, AtomicLong reads, AtomicBoolean stop)
            throws IOException {
        int[] lastSeen = new int[KEYS];
        while (!stop.get()) {
            readThroughALongScope(db, startedRound, lastSeen, reads, stop);
            scan(db, startedRound, reads);
        }
    }

    /**
     * Opens a scope, waits until the writer has begun four more rounds (commits, compactions, cache clears), then
     * reads every key through the scope twice: each answer must be one the store could give when the scope opened,
     * and the same both times.
     */
    private static void readThroughALongScope(TurboKV db, AtomicLong startedRound, int[] lastSeen, AtomicLong reads,
                                              AtomicBoolean stop)
            throws IOException {
        try (ReadScope scope = db.readScope()) {
            long limit = startedRound.get();
            while (!stop.get() && startedRound.get() < limit + 4) {
                LockSupport.parkNanos(200_000); // not a spin: the writer needs the cores
            }
            String[] first = new String[KEYS];
            for (int key = 0; key < KEYS; key++) {
                first[key] = read(scope, key);
                check(key, first[key], limit, lastSeen);
                reads.incrementAndGet();
            }
            for (int key = 0; key < KEYS; key++) {
                String again = read(scope, key);
                if (!Objects.equals(first[key], again)) {
                    throw new AssertionError("key " + key + " changed within one scope: " + first[key] + " then "
                            + again);
                }
            }
        }
    }

    /** Every entry a scan hands over is a value the writer wrote for that key by the round under way. */
    private static void scan(TurboKV db, AtomicLong startedRound, AtomicLong reads) throws IOException {
        db.forEach(0, (k, v) -> {
            String key = new String(k.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            int index = Integer.parseInt(key.substring("key-".length()));
            check(index, new String(v.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8), startedRound.get(),
                    new int[KEYS]);
            reads.incrementAndGet();
        });
    }

    private static String read(ReadScope scope, int key) throws IOException {
        MemorySegment v = scope.get(0, key(key));
        return v == null ? null : new String(v.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Checks one answer for {@code key} against the writer's rounds and the newest round seen before. */
    private static void check(int key, String found, long limit, int[] lastSeen) {
        if (found == null) {
            if (lastSeen[key] != 0) {
                throw new AssertionError("key " + key + " vanished after round " + lastSeen[key]);
            }
            return;
        }
        int round = Integer.parseInt(found.substring(0, found.indexOf(':')));
        if (!found.equals(value(round, key)) || !writes(round, key) || round > limit || round < lastSeen[key]) {
            throw new AssertionError("key " + key + ": read '" + found.substring(0, Math.min(40, found.length()))
                    + "' (round " + round + "), last seen round " + lastSeen[key] + ", writer at round " + limit);
        }
        lastSeen[key] = round;
    }

    private static byte[] key(int key) {
        return ("key-" + key).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readersSeeOnlyCommittedValuesInCommitOrderWhileWritingAndCompacting() throws Exception {
        Figures figures = run(3_000, 4);
        System.out.println("ConcurrencyTest: " + figures.reads() + " checked reads, " + figures.rounds()
                + " commits, " + figures.compactions() + " compactions in 3 s");
        assertTrue(figures.rounds() > 1 && figures.reads() > 0);
    }

    /** 10 minutes unless {@code -Dturbokv.concurrency.seconds=N}. */
    @Test
    @Tag("stress")
    void longRunOfReadersWriterAndCompactor() throws Exception {
        long seconds = Long.getLong("turbokv.concurrency.seconds", 600);
        Figures figures = run(seconds * 1000, 6);
        System.out.println("ConcurrencyTest (stress): " + figures.reads() + " checked reads, " + figures.rounds()
                + " commits, " + figures.compactions() + " compactions in " + seconds + " s");
        assertTrue(figures.rounds() > 1 && figures.reads() > 0);
    }
}
