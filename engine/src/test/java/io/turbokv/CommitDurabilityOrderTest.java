package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import io.turbokv.write.SpillRunner;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit protocol's durability rule, checked at every commit point: when {@code CURRENT} is renamed into place,
 * every file the store wrote and still has (SSTs, blobs, meta files, renamed SSTs, {@code .del} files) has its
 * content synced since its last write and its name made durable by a directory sync since it was created or renamed.
 * A file whose name a crash could lose while {@code CURRENT} survives would break the commit (a missing SST) or its
 * cleanup (a missing {@code .del}).
 */
class CommitDurabilityOrderTest {
    @TempDir
    Path dir;

    /** Records, per file name, whether its content and its name are durable, and checks them at each commit point. */
    private static final class DurabilityCheckingFileLayer implements FileLayer {
        private final FileLayer real = FileLayer.standard();
        private final Map<Path, boolean[]> files = new HashMap<>(); // {content synced, name synced}
        private final List<String> violations = new ArrayList<>();
        private int commitPoints;

        @Override
        public synchronized WritableFile create(Path path) throws IOException {
            WritableFile file = real.create(path);
            files.put(path, new boolean[] {false, false});
            return new WritableFile() {
                @Override
                public Path path() {
                    return path;
                }

                @Override
                public void write(MemorySegment bytes) throws IOException {
                    file.write(bytes);
                    state(path)[0] = false;
                }

                @Override
                public long position() {
                    return file.position();
                }

                @Override
                public void sync() throws IOException {
                    file.sync();
                    state(path)[0] = true;
                }

                @Override
                public void close() throws IOException {
                    file.close();
                }
            };
        }

        private synchronized boolean[] state(Path path) {
            return files.computeIfAbsent(path, p -> new boolean[2]);
        }

        @Override
        public synchronized void syncDirectory(Path directory) throws IOException {
            real.syncDirectory(directory);
            files.values().forEach(state -> state[1] = true);
        }

        @Override
        public synchronized void rename(Path from, Path to) throws IOException {
            if (to.getFileName().toString().equals(StoreFileNames.CURRENT)) {
                commitPoints++;
                files.forEach((path, state) -> {
                    if (!path.equals(from) && (!state[0] || !state[1])) {
                        violations.add(path.getFileName() + (state[0] ? "" : " content not synced")
                                + (state[1] ? "" : " name not durable") + " at commit point " + commitPoints);
                    }
                });
            }
            real.rename(from, to);
            boolean[] moved = files.remove(from);
            files.put(to, new boolean[] {moved == null || moved[0], false});
        }

        @Override
        public synchronized boolean delete(Path path) throws IOException {
            files.remove(path);
            return real.delete(path);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void everyFileIsDurableBeforeCurrentNamesIt() throws IOException {
        DurabilityCheckingFileLayer layer = new DurabilityCheckingFileLayer();
        DbConfig config = DbConfig.builder().family("single", FamilyKind.SINGLE_VALUE)
                .family("multi", FamilyKind.MULTI_VALUE).fileLayer(layer).build();
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int round = 0; round < 3; round++) {
                try (WriteBatch batch = db.writeBatch()) {
                    for (int i = 0; i < 10_000; i++) {
                        batch.put(0, bytes("k" + i), bytes("v" + round));
                    }
                    batch.put(1, bytes("m"), bytes("before" + round));
                    for (int i = 0; i < SpillRunner.MAX_ENTRIES_PER_INITIAL_FILE + 10; i++) {
                        batch.put(1, bytes("filler" + i), bytes("x")); // spills, so the delete's SST is renumbered
                    }
                    batch.delete(1, bytes("m"));
                    if (round == 1) {
                        batch.put(0, bytes("blob"), new byte[(int) WriteBatch.MAX_MEDIUM_VALUE_SIZE + 1]);
                    }
                    batch.commit();
                }
                db.compact(CompactConfig.defaults());
            }
            db.fullCompact(); // a commit with a .del and deleted meta files
            assertEquals(1, db.getMultiple(1, bytes("m")).size());
        }
        assertTrue(layer.commitPoints >= 5, "commit points seen: " + layer.commitPoints);
        assertEquals(List.of(), layer.violations);
    }
}
