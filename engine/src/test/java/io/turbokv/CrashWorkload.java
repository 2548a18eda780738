package io.turbokv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child process of {@link CrashTest}: commits deterministic write batches against a store until it is killed.
 *
 * <p>Batch {@code n} is a pure function of {@code n} ({@link #apply}), and every batch also writes its own number
 * under {@link #BATCH_KEY}, so after a crash the store itself says which batch committed last and the parent can
 * rebuild the exact expected contents. After each commit returns, the child appends the batch number to an
 * acknowledgement file and syncs it: an acknowledged batch must survive any kill.
 *
 * Every fifth batch is followed by a compaction, which changes no contents.
 *
 * <p>Arguments: store directory, acknowledgement file, the {@link Durability} of the commits, and optionally the
 * number of a file operation at which to halt the JVM on the spot (between the writes and fsyncs of a commit),
 * counted over the whole run.
 */
final class CrashWorkload {
    static final byte[] BATCH_KEY = "__batch__".getBytes(StandardCharsets.US_ASCII);
    static final int KEY_SPACE = 2000;
    /** Family 2 is key-ordered and gets family 0's writes: checked through a cursor. */
    static final int ORDERED = 2;
    static final DbConfig CONFIG = DbConfig.builder()
            .family("single", FamilyKind.SINGLE_VALUE)
            .family("multi", FamilyKind.MULTI_VALUE)
            .family(FamilyConfig.ordered("ordered", FamilyKind.SINGLE_VALUE))
            .build();

    /** Compacts whatever overlaps, however little is duplicated, so that most compactions merge something. */
    static final CompactConfig COMPACTION = new CompactConfig(2, 8, 32, 500L << 20, 0, 0, 8);

    private CrashWorkload() {}

    /** The model: single-valued contents and multi-valued contents (key -> values as strings). */
    static final class Model {
        final Map<Integer, String> single = new TreeMap<>();
        final Map<Integer, java.util.List<String>> multi = new TreeMap<>();
    }

    /** Applies batch {@code n} to the model: what the store must hold after it commits. */
    static void apply(int n, Model model) {
        Random random = new Random(n * 1_000_003L);
        int puts = 50 + random.nextInt(400);
        for (int i = 0; i < puts; i++) {
            int key = random.nextInt(KEY_SPACE);
            if (random.nextInt(10) == 0) {
                model.single.remove(key);
            } else {
                model.single.put(key, value(n, key, random.nextInt(3)));
            }
        }
        int multiKey = random.nextInt(50);
        if (random.nextInt(4) == 0) {
            model.multi.remove(multiKey);
        } else {
            model.multi.computeIfAbsent(multiKey, k -> new java.util.ArrayList<>()).add("b" + n);
        }
    }

    /** Writes batch {@code n} exactly as {@link #apply} models it. */
    private static void write(int n, WriteBatch batch) throws IOException {
        Random random = new Random(n * 1_000_003L);
        int puts = 50 + random.nextInt(400);
        for (int i = 0; i < puts; i++) {
            int key = random.nextInt(KEY_SPACE);
            if (random.nextInt(10) == 0) {
                batch.delete(0, key(key));
                batch.delete(ORDERED, key(key));
            } else {
                byte[] value = value(n, key, random.nextInt(3)).getBytes(StandardCharsets.UTF_8);
                batch.put(0, key(key), value);
                batch.put(ORDERED, key(key), value);
            }
        }
        int multiKey = random.nextInt(50);
        if (random.nextInt(4) == 0) {
            batch.delete(1, key(multiKey));
        } else {
            batch.put(1, key(multiKey), ("b" + n).getBytes(StandardCharsets.UTF_8));
        }
        batch.put(0, BATCH_KEY, Integer.toString(n).getBytes(StandardCharsets.UTF_8));
    }

    static byte[] key(int key) {
        return ("key-" + key).getBytes(StandardCharsets.US_ASCII);
    }

    /** Values of the three size classes: inline, small, medium. */
    static String value(int batch, int key, int sizeClass) {
        String base = batch + ":" + key;
        return switch (sizeClass) {
            case 0 -> base.length() <= 8 ? base : base.substring(0, 8);
            case 1 -> base + "-".repeat(100);
            default -> base + "=".repeat(6000);
        };
    }

    /** The number of the last batch the store holds (0 for none). */
    static int lastBatch(TurboKV db) throws IOException {
        return db.get(0, BATCH_KEY).map(v -> Integer.parseInt(new String(v, StandardCharsets.UTF_8))).orElse(0);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path acks = Path.of(args[1]);
        DbConfig.Builder builder = DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE)
                .family(FamilyConfig.ordered("ordered", FamilyKind.SINGLE_VALUE))
                .durability(Durability.valueOf(args[2]));
        if (args.length > 3) {
            int haltAt = Integer.parseInt(args[3]);
            AtomicInteger calls = new AtomicInteger();
            builder.fileLayer(new HaltingFileLayer(() -> {
                if (calls.incrementAndGet() == haltAt) {
                    Runtime.getRuntime().halt(137); // no shutdown hooks, no flushing: as abrupt as SIGKILL
                }
            }));
        }
        try (TurboKV db = TurboKV.open(dir, builder.build())) {
            int n = lastBatch(db);
            System.out.println("READY " + n);
            System.out.flush();
            while (true) {
                n++;
                try (WriteBatch batch = db.writeBatch()) {
                    write(n, batch);
                    batch.commit();
                }
                Files.writeString(acks, n + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
                if (n % 7 == 0) {
                    // reads feed the used-key filters
                    db.get(0, key(n % KEY_SPACE));
                    db.getMultiple(1, key(n % 50));
                }
                if (n % 5 == 0) {
                    db.compact(COMPACTION); // kills and halts also land inside compactions and their commits
                }
            }
        }
    }
}
