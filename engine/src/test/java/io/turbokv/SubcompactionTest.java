package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.CurrentFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.sst.SstReader;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge split into hash ranges (subcompactions, {@code CompactConfig.maxSubcompactions}) writes what one merge
 * writes, and is committed or rolled back as one: the stores here hold about 14 MB of SSTs per run, enough for
 * three or four ranges of {@link CompactConfig#MIN_SUBCOMPACTION_BYTES}.
 */
class SubcompactionTest {
    private static final int SINGLE = 0;
    private static final int MULTI = 1;
    private static final CompactConfig FULL = CompactConfig.full();
    /** Up to four ranges, whatever the machine's processor count. */
    private static final CompactConfig SPLIT = FULL.withMaxSubcompactions(4);

    @TempDir
    Path dir;

    private final FaultInjectingFileLayer faults = new FaultInjectingFileLayer();

    private static DbConfig config(FileLayer files) {
        return DbConfig.builder().family("single", FamilyKind.SINGLE_VALUE).family("multi", FamilyKind.MULTI_VALUE)
                .fileLayer(files).build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /**
     * Five overlapping batches of puts and deletes in both families (inline, small and medium values; multi-valued
     * keys with many values and tombstones), with reads between them so that compaction splits warm from cold.
     */
    private static CompactionTest.Model fill(TurboKV db, Random random) throws IOException {
        CompactionTest.Model model = new CompactionTest.Model();
        for (int b = 0; b < 5; b++) {
            try (WriteBatch batch = db.writeBatch()) {
                Set<String> touched = new HashSet<>();
                Map<String, List<String>> added = new HashMap<>();
                Set<String> deleted = new HashSet<>();
                for (int i = 0; i < 2_000; i++) {
                    String key = "single-key-" + random.nextInt(3_000);
                    if (touched.add(key)) {
                        model.singleKeys.add(key);
                        if (random.nextInt(10) == 0) {
                            batch.delete(SINGLE, bytes(key));
                            model.single.remove(key);
                        } else {
                            byte[] value = value(random);
                            batch.put(SINGLE, bytes(key), value);
                            model.single.put(key, value);
                        }
                    }
                    String multiKey = "multi-key-" + random.nextInt(400);
                    model.multiKeys.add(multiKey);
                    if (deleted.contains(multiKey)) {
                        continue;
                    }
                    if (random.nextInt(40) == 0 && !added.containsKey(multiKey)) {
                        batch.delete(MULTI, bytes(multiKey));
                        deleted.add(multiKey);
                    } else {
                        byte[] value = value(random);
                        batch.put(MULTI, bytes(multiKey), value);
                        added.computeIfAbsent(multiKey, k -> new ArrayList<>()).add(HexFormat.of().formatHex(value));
                    }
                }
                batch.commit();
                for (String key : deleted) {
                    model.multi.remove(key);
                }
                added.forEach((key, values) -> model.multi.computeIfAbsent(key, k -> new ArrayList<>())
                        .addAll(values));
            }
            for (int i = 0; i < 300; i++) { // reads drained into the next commit's used-key filter
                db.get(SINGLE, bytes("single-key-" + random.nextInt(3_000)));
                db.getMultiple(MULTI, bytes("multi-key-" + random.nextInt(400)));
            }
        }
        return model;
    }

    private static byte[] value(Random random) {
        int kind = random.nextInt(20);
        int length = kind < 4 ? random.nextInt(9) : kind < 14 ? 9 + random.nextInt(300)
                : kind < 19 ? 300 + random.nextInt(1_700) : 4_097 + random.nextInt(5_000);
        byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    private static void copyStore(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> list = Files.list(from)) {
            for (Path file : list.toList()) {
                if (!file.getFileName().toString().startsWith(".")) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
    }

    /** The store's SSTs, per family and temperature in hash order; each SST's entries (hash, key, kind, value). */
    private static Map<String, List<String>> contents(TurboKV db, Path store) throws IOException {
        Map<String, List<SstInfo>> ssts = new TreeMap<>();
        for (MetaFileInfo meta : db.metaInfo()) {
            for (SstInfo sst : meta.ssts()) {
                ssts.computeIfAbsent(meta.family() + (sst.cold() ? " cold" : " warm"), k -> new ArrayList<>())
                        .add(sst);
            }
        }
        Map<String, List<String>> contents = new TreeMap<>();
        ssts.forEach((group, list) -> {
            list.sort(Comparator.comparing(SstInfo::minHash, Long::compareUnsigned));
            List<String> entries = new ArrayList<>();
            for (SstInfo sst : list) {
                Path path = StoreFileNames.path(store, StoreFileNames.Kind.SST, sst.sequenceNumber());
                try (SstReader reader = SstReader.open(path, sst.sequenceNumber(), sst.blockCount(),
                        sst.sizeBytes());
                     SstEntryIterator it = reader.iterator()) {
                    while (it.next()) {
                        String value = switch (it.kind()) {
                            case VALUE -> HexFormat.of().formatHex(it.value().toArray(ValueLayout.JAVA_BYTE));
                            case BLOB -> "blob " + it.blobSeq();
                            case TOMBSTONE -> "tombstone";
                        };
                        entries.add(String.format("%016x %s %s", it.hash(),
                                HexFormat.of().formatHex(it.key().toArray(ValueLayout.JAVA_BYTE)), value));
                    }
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            contents.put(group, entries);
        });
        return contents;
    }

    private static int sstCount(TurboKV db) {
        return db.metaInfo().stream().mapToInt(meta -> meta.ssts().size()).sum();
    }

    @Test
    void rangesWriteExactlyTheEntriesOfOneMerge() throws IOException {
        Path template = dir.resolve("template");
        CompactionTest.Model model;
        try (TurboKV db = TurboKV.open(template, config(FileLayer.standard()))) {
            model = fill(db, new Random(18));
        }
        Map<String, List<String>> sequential;
        int sequentialSsts;
        Path one = dir.resolve("one-range");
        copyStore(template, one);
        try (TurboKV db = TurboKV.open(one, config(FileLayer.standard()))) {
            assertTrue(db.compact(FULL.withMaxSubcompactions(1)));
            model.check(db, "after one merge");
            sequential = contents(db, one);
            sequentialSsts = sstCount(db);
        }
        assertEquals(4, sequential.size(), "both families have warm and cold keys: " + sequential.keySet());
        for (int ranges : new int[] {2, 4}) {
            Path split = dir.resolve(ranges + "-ranges");
            copyStore(template, split);
            try (TurboKV db = TurboKV.open(split, config(FileLayer.standard()))) {
                assertTrue(db.compact(FULL.withMaxSubcompactions(ranges)));
                model.check(db, "after a merge in " + ranges + " ranges");
                CompactionTest.assertNoDuplicateKeysAndNoOverlap(db, split);
                assertTrue(sstCount(db) > sequentialSsts, "SSTs: " + sstCount(db) + " in " + ranges
                        + " ranges, " + sequentialSsts + " in one");
                assertEquals(sequential, contents(db, split), ranges + " ranges");
            }
            try (TurboKV db = TurboKV.open(split, config(FileLayer.standard()))) {
                model.check(db, "reopened after a merge in " + ranges + " ranges");
            }
        }
    }

    @Test
    void aFaultInAnyRangeLeavesTheStoreAsBefore() throws IOException {
        faultInAnyRangeLeavesTheStoreAsBefore(SPLIT);
    }

    /**
     * Two threads take three or four ranges from the queue, so a fault may end a thread's second range, or stop the
     * other thread from taking one: still nothing of the compaction stays.
     */
    @Test
    void aFaultInARangeTakenFromTheQueueLeavesTheStoreAsBefore() throws IOException {
        faultInAnyRangeLeavesTheStoreAsBefore(FULL.withMaxSubcompactions(2));
    }

    private void faultInAnyRangeLeavesTheStoreAsBefore(CompactConfig split) throws IOException {
        Path probe = dir.resolve("probe");
        Path live = dir.resolve("live");
        CompactionTest.Model model;
        try (TurboKV db = TurboKV.open(live, config(faults))) {
            model = fill(db, new Random(19));
        }
        copyStore(live, probe);
        FaultInjectingFileLayer probeFaults = new FaultInjectingFileLayer();
        int callsPerCompaction;
        try (TurboKV copy = TurboKV.open(probe, config(probeFaults))) {
            probeFaults.failAt(Integer.MAX_VALUE, false);
            copy.compact(split);
            callsPerCompaction = probeFaults.calls();
            assertTrue(sstCount(copy) >= 6, "split into ranges: " + sstCount(copy) + " SSTs");
        }
        // Every call near the start and the end (creates, first writes, syncs, meta files, commit), and a sample
        // of the thousands of block writes between, which the ranges issue concurrently.
        Set<Integer> points = new java.util.TreeSet<>();
        for (int call = 1; call <= callsPerCompaction; call++) {
            if (call <= 20 || call > callsPerCompaction - 30 || call % Math.max(1, callsPerCompaction / 25) == 0) {
                points.add(call);
            }
        }
        try (TurboKV db = TurboKV.open(live, config(faults))) {
            int failed = 0;
            for (int call : points) {
                try (Stream<Path> list = Files.list(live)) {
                    List<String> before = list.map(p -> p.getFileName().toString())
                            .filter(n -> !n.startsWith(".") && !n.equals("LOG")).sorted().toList();
                    faults.failAt(call, false);
                    IOException failure = null;
                    try {
                        db.compact(split);
                    } catch (IOException e) {
                        failure = e;
                    }
                    faults.heal();
                    if (failure == null) {
                        break; // past the commit point: the compaction stands, and the rest has nothing to do
                    }
                    failed++;
                    assertTrue(failure.getMessage().contains("injected fault"), failure.toString());
                    assertFalse(db.hasUnrecoverableWriteError());
                    try (Stream<Path> after = Files.list(live)) {
                        assertEquals(before, after.map(p -> p.getFileName().toString())
                                .filter(n -> !n.startsWith(".") && !n.equals("LOG")).sorted().toList(),
                                "files after a fault at call " + call);
                    }
                }
                if (failed % 10 == 0) {
                    model.check(db, "after a fault at call " + call);
                }
            }
            assertTrue(failed >= points.size() / 2, "faults that failed the compaction: " + failed + " of "
                    + points.size());
            model.check(db, "after the faults");
            db.compact(split);
            model.check(db, "after a clean compaction");
        }
        try (TurboKV db = TurboKV.open(live, config(FileLayer.standard()))) {
            model.check(db, "after reopen");
        }
    }

    /**
     * A split compaction killed while its ranges write (a snapshot of the directory taken when the last range
     * creates its first SST, as a SIGKILL would leave it: other ranges' files half written) or just before
     * {@code CURRENT} is replaced opens as the store before the compaction.
     */
    @Test
    void aKilledSplitCompactionOpensAsTheStoreBeforeIt() throws IOException {
        Path live = dir.resolve("live");
        CompactionTest.Model model;
        try (TurboKV db = TurboKV.open(live, config(FileLayer.standard()))) {
            model = fill(db, new Random(20));
        }
        for (String stage : List.of(".sst", "CURRENT")) {
            Path work = dir.resolve("work-" + stage);
            Path snapshot = dir.resolve("killed-at-" + stage);
            copyStore(live, work);
            AtomicBoolean armed = new AtomicBoolean();
            int[] ssts = new int[1];
            FileLayer snapshotting = new FileLayer() {
                private final FileLayer real = FileLayer.standard();

                @Override
                public WritableFile create(Path path) throws IOException {
                    boolean sst = path.getFileName().toString().endsWith(".sst");
                    if (sst && stage.equals(".sst") && ++ssts[0] == 3 && armed.compareAndSet(true, false)) {
                        synchronized (this) {
                            copyStore(work, snapshot);
                        }
                    }
                    return real.create(path);
                }

                @Override
                public void syncDirectory(Path directory) throws IOException {
                    real.syncDirectory(directory);
                }

                @Override
                public void rename(Path from, Path to) throws IOException {
                    if (to.getFileName().toString().equals("CURRENT") && stage.equals("CURRENT")
                            && armed.compareAndSet(true, false)) {
                        copyStore(work, snapshot);
                    }
                    real.rename(from, to);
                }

                @Override
                public boolean delete(Path path) throws IOException {
                    return real.delete(path);
                }
            };
            try (TurboKV db = TurboKV.open(work, config(snapshotting))) {
                armed.set(true);
                db.compact(SPLIT);
                model.check(db, "after the compaction");
                assertTrue(sstCount(db) >= 6, "split into ranges: " + sstCount(db) + " SSTs");
            }
            assertFalse(armed.get(), "the compaction reached stage " + stage);
            try (TurboKV db = TurboKV.open(snapshot, config(FileLayer.standard()))) {
                model.check(db, "killed before " + stage);
                int committed = CurrentFile.read(snapshot);
                try (Stream<Path> list = Files.list(snapshot)) {
                    for (Path file : list.toList()) {
                        String name = file.getFileName().toString();
                        if (name.matches("\\d+\\.\\w+")) {
                            assertTrue(Integer.parseInt(name.substring(0, name.indexOf('.'))) <= committed,
                                    "leftover " + name + " above CURRENT " + committed);
                        }
                    }
                }
                db.compact(SPLIT);
                model.check(db, "compacted after the kill before " + stage);
            }
        }
    }
}
