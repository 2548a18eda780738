package io.turbokv.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Opens the stores by name ({@code turbokv}, {@code rocksdb}, {@code lmdb}, {@code chronicle}; and
 * {@value #TURBOKV_COMPACTED}, TurboKV fully compacted after the load, where {@code turbokv} reads the SSTs the load
 * left) and keeps the populated stores the
 * read benchmarks share: {@code <bench dir>/<store>-<data set>[-multi]}, built by the first fork that needs it and
 * marked finished by a {@code COMPLETE} file, so a fork killed halfway never leaves a half store that looks whole.
 * The bench directory is {@code -Dturbokv.bench.dir}, else {@code <java.io.tmpdir>/turbokv-bench}.
 */
public final class Stores {
    /** The store names, in table order. */
    public static final String[] NAMES = {"turbokv", "rocksdb", "lmdb", "chronicle"};
    /** TurboKV loaded as {@code turbokv}, then fully compacted: the SSTs' hash ranges no longer overlap. */
    public static final String TURBOKV_COMPACTED = "turbokv-compacted";
    /** TurboKV with key-ordered families ({@code FamilyConfig.ordered}): the store of the ordered reads. */
    public static final String TURBOKV_ORDERED = "turbokv-ordered";
    /** {@value #TURBOKV_ORDERED} fully compacted after the load: one SST per family when it fits. */
    public static final String TURBOKV_ORDERED_COMPACTED = "turbokv-ordered-compacted";
    private static final String COMPLETE = "COMPLETE";

    private Stores() {}

    /** Where populated stores and scratch stores live. */
    public static Path benchDir() {
        return Path.of(System.getProperty("turbokv.bench.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "turbokv-bench").toString())).toAbsolutePath();
    }

    /** Opens store {@code name} on {@code dir} (created when missing) for {@code data}. */
    public static KvStore open(String name, Path dir, Dataset data, boolean multi) throws Exception {
        return switch (name) {
            case "turbokv", TURBOKV_COMPACTED -> TurboKvStore.open(dir, data.keys());
            case TURBOKV_ORDERED, TURBOKV_ORDERED_COMPACTED -> TurboKvStore.open(dir, data.keys(), true);
            case "rocksdb" -> RocksDbStore.open(dir, data.keys(), data.valueBytes(), multi);
            case "lmdb" -> LmdbStore.open(dir, data.keys(), data.entries(), data.valueBytes(), multi);
            case "chronicle" -> ChronicleMapStore.open(dir, data.keys(), data.entries(), data.valueBytes(), multi);
            default -> throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "store '%s' (expected: turbokv, %s, %s, %s, rocksdb, lmdb or chronicle)", name,
                    TURBOKV_COMPACTED, TURBOKV_ORDERED, TURBOKV_ORDERED_COMPACTED));
        };
    }

    /**
     * The directory of store {@code name} populated with {@code data} (its multi-valued variant when
     * {@code multi}), loading it first when no finished copy exists. RocksDB, {@value #TURBOKV_COMPACTED} and
     * {@value #TURBOKV_ORDERED_COMPACTED} are fully compacted after the load.
     */
    public static Path populated(String name, Dataset data, boolean multi) throws Exception {
        Path dir = benchDir().resolve(name + "-" + data.name() + (multi ? "-multi" : ""));
        if (Files.exists(dir.resolve(COMPLETE))) {
            return dir;
        }
        deleteTree(dir);
        Files.createDirectories(dir);
        Path storeDir = dir.resolve("store");
        ExecutorService fillers = fillers();
        try (KvStore store = open(name, storeDir, data, multi)) {
            if (multi) {
                store.loadMulti(data, fillers);
            } else {
                store.load(data, fillers);
            }
            if (store instanceof RocksDbStore rocks) {
                rocks.flushAndCompact();
            } else if (name.equals(TURBOKV_COMPACTED) || name.equals(TURBOKV_ORDERED_COMPACTED)) {
                ((TurboKvStore) store).fullCompact();
            }
        } finally {
            fillers.shutdown();
        }
        Files.writeString(dir.resolve(COMPLETE), "");
        return dir;
    }

    /** The store directory inside a directory returned by {@link #populated}. */
    public static Path storeDir(Path populated) {
        return populated.resolve("store");
    }

    /** Two named daemon threads: the filler threads of a load. */
    public static ExecutorService fillers() {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task, "bench-filler-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Deletes {@code dir} and everything below it; nothing when it does not exist. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
