package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Durability}: what a {@link Durability#NO_SYNC} store drops (every fsync) and what it keeps (everything). */
class DurabilityTest {
    @TempDir
    Path dir;

    /** Counts the fsyncs, of files and of directories, that reach the real file system. */
    private static final class SyncCountingFileLayer implements FileLayer {
        private final FileLayer real = FileLayer.standard();
        final AtomicInteger syncs = new AtomicInteger();

        @Override
        public WritableFile create(Path path) throws IOException {
            WritableFile file = real.create(path);
            return new WritableFile() {
                @Override
                public Path path() {
                    return file.path();
                }

                @Override
                public void write(MemorySegment bytes) throws IOException {
                    file.write(bytes);
                }

                @Override
                public long position() {
                    return file.position();
                }

                @Override
                public void sync() throws IOException {
                    syncs.incrementAndGet();
                    file.sync();
                }

                @Override
                public void close() throws IOException {
                    file.close();
                }
            };
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            syncs.incrementAndGet();
            real.syncDirectory(directory);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            real.rename(from, to);
        }

        @Override
        public boolean delete(Path path) throws IOException {
            return real.delete(path);
        }
    }

    private static DbConfig config(Durability durability, FileLayer layer) {
        return DbConfig.builder()
                .family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE)
                .durability(durability)
                .fileLayer(layer)
                .build();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    /** Commits {@code batches} batches of keys {@code k<batch>-<i>}, values of the three size classes, and compacts. */
    private static void write(TurboKV db, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            try (WriteBatch batch = db.writeBatch()) {
                for (int i = 0; i < 200; i++) {
                    batch.put(0, bytes("k" + b + "-" + i), bytes(b + ":" + i + "-".repeat(i * 40)));
                }
                batch.put(1, bytes("m"), bytes("v" + b));
                batch.commit();
            }
        }
        db.fullCompact();
    }

    private static void assertAllThere(TurboKV db, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < 200; i++) {
                assertArrayEquals(bytes(b + ":" + i + "-".repeat(i * 40)), db.get(0, bytes("k" + b + "-" + i))
                        .orElseThrow(), "key k" + b + "-" + i);
            }
        }
        assertEquals(batches, db.getMultiple(1, bytes("m")).size());
    }

    @Test
    void noSyncStoreMakesNoFsyncAndReopensWithEveryCommit() throws IOException {
        SyncCountingFileLayer layer = new SyncCountingFileLayer();
        Path store = dir.resolve("store");
        try (TurboKV db = TurboKV.open(store, config(Durability.NO_SYNC, layer))) {
            assertEquals(Durability.NO_SYNC, db.config().durability());
            write(db, 12);
            assertAllThere(db, 12);
        }
        assertEquals(0, layer.syncs.get(), "fsyncs of a NO_SYNC store");
        try (TurboKV db = TurboKV.open(store)) {
            assertEquals(Durability.SYNC, db.config().durability());
            assertAllThere(db, 12);
        }
    }

    @Test
    void syncStoreFsyncsEveryCommit() throws IOException {
        SyncCountingFileLayer layer = new SyncCountingFileLayer();
        try (TurboKV db = TurboKV.open(dir.resolve("store"), config(Durability.SYNC, layer))) {
            int before = layer.syncs.get();
            write(db, 1);
            // the SST, the meta file, CURRENT's temp file and two directory syncs at the least
            assertTrue(layer.syncs.get() - before >= 5, "fsyncs of one commit: " + (layer.syncs.get() - before));
        }
    }

    @Test
    void checkpointOfANoSyncStoreIsFsynced() throws IOException {
        SyncCountingFileLayer layer = new SyncCountingFileLayer();
        try (TurboKV db = TurboKV.open(dir.resolve("store"), config(Durability.NO_SYNC, layer))) {
            write(db, 2);
            assertEquals(0, layer.syncs.get());
            Checkpoints.write(db, dir.resolve("copy"));
            assertTrue(layer.syncs.get() > 0, "a checkpoint is a backup: it is fsynced whatever the store's commits");
        }
        try (TurboKV copy = TurboKV.open(dir.resolve("copy"))) {
            assertAllThere(copy, 2);
        }
    }

    @Test
    void durabilityIsKeptWhenTheStoreSuppliesItsFamilies() throws IOException {
        Path store = dir.resolve("store");
        try (TurboKV db = TurboKV.open(store, config(Durability.SYNC, FileLayer.standard()))) {
            write(db, 1);
        }
        DbConfig noFamilies = DbConfig.builder().durability(Durability.NO_SYNC).build();
        try (TurboKV db = TurboKV.open(store, noFamilies)) {
            assertEquals(Durability.NO_SYNC, db.config().durability());
            assertEquals(List.of("single", "multi"), db.config().families().stream().map(FamilyConfig::name)
                    .toList());
        }
    }
}
