package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.PowerCutFileLayer.Choices;
import io.turbokv.PowerCutFileLayer.Created;
import io.turbokv.PowerCutFileLayer.Renamed;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durability rules {@link PowerCutFileLayer} simulates, one by one. */
class PowerCutFileLayerTest {
    @TempDir
    Path root;

    private Path dir;

    @BeforeEach
    void createStoreDirectory() throws IOException {
        dir = Files.createDirectory(root.resolve("store"));
    }

    private static void write(PowerCutFileLayer layer, Path path, String text, boolean sync) throws IOException {
        try (WritableFile file = layer.create(path)) {
            file.write(MemorySegment.ofArray(text.getBytes(UTF_8)));
            if (sync) {
                file.sync();
            }
        }
    }

    private String read(String name) throws IOException {
        return Files.readString(dir.resolve(name), UTF_8);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void syncedFileWithSyncedNameSurvivesWhole() throws IOException {
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> false));
        write(layer, dir.resolve("a"), "durable", true);
        layer.syncDirectory(dir);
        layer.powerCut();
        assertEquals(List.of("a"), names());
        assertEquals("durable", read("a"));
        assertFalse(Files.exists(root.resolve("store.powercut")), "graveyard removed");
    }

    @Test
    void bytesWrittenAfterTheLastFileSyncAreDropped() throws IOException {
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> false));
        try (WritableFile file = layer.create(dir.resolve("a"))) {
            file.write(MemorySegment.ofArray("synced|".getBytes(UTF_8)));
            file.sync();
            file.write(MemorySegment.ofArray("lost".getBytes(UTF_8)));
        }
        write(layer, dir.resolve("b"), "never synced", false);
        layer.syncDirectory(dir);
        layer.powerCut();
        assertEquals("synced|", read("a"));
        assertEquals("", read("b"), "a name made durable does not make the contents durable");
    }

    @Test
    void pessimisticTailKeepsAPrefixOrGarbageButNeverLosesSyncedBytes() throws IOException {
        for (long seed = 0; seed < 40; seed++) {
            Path store = Files.createDirectory(root.resolve("seed" + seed));
            PowerCutFileLayer layer = new PowerCutFileLayer(store, PowerCutFileLayer.Choices.random(seed, true));
            try (WritableFile file = layer.create(store.resolve("a"))) {
                file.write(MemorySegment.ofArray("synced|".getBytes(UTF_8)));
                file.sync();
                file.write(MemorySegment.ofArray("unsynced tail".getBytes(UTF_8)));
            }
            layer.syncDirectory(store);
            layer.powerCut();
            byte[] after = Files.readAllBytes(store.resolve("a"));
            assertTrue(after.length >= 7 && new String(after, 0, 7, UTF_8).equals("synced|"), layer.cutReport());
        }
    }

    @Test
    void createWithoutDirectorySyncIsKeptOrUndone() throws IOException {
        PowerCutFileLayer undone = new PowerCutFileLayer(dir, Choices.keeping(op -> false));
        write(undone, dir.resolve("a"), "synced but not its name", true);
        undone.powerCut();
        assertEquals(List.of(), names(), "the file's fsync does not make its name durable");

        PowerCutFileLayer kept = new PowerCutFileLayer(dir, Choices.keeping(op -> true));
        write(kept, dir.resolve("a"), "synced", true);
        kept.powerCut();
        assertEquals("synced", read("a"));
    }

    @Test
    void undoneRenameOverAFileBringsBackTheReplacedFile() throws IOException {
        Files.writeString(dir.resolve("CURRENT"), "old", UTF_8); // there before the layer: durable
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> !(op instanceof Renamed)));
        write(layer, dir.resolve(".tmp"), "new", true);
        layer.rename(dir.resolve(".tmp"), dir.resolve("CURRENT"));
        assertEquals("new", read("CURRENT"));
        layer.powerCut();
        assertEquals("old", read("CURRENT"));
        assertEquals("new", read(".tmp"), "the kept create, without the rename");
    }

    @Test
    void renameSyncedByTheDirectorySurvives() throws IOException {
        Files.writeString(dir.resolve("CURRENT"), "old", UTF_8);
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> false));
        write(layer, dir.resolve(".tmp"), "new", true);
        layer.rename(dir.resolve(".tmp"), dir.resolve("CURRENT"));
        layer.syncDirectory(dir);
        layer.delete(dir.resolve("CURRENT")); // undone by the cut
        layer.powerCut();
        assertEquals(List.of("CURRENT"), names());
        assertEquals("new", read("CURRENT"));
    }

    @Test
    void undoneDeleteBringsBackTheFileAsLastSynced() throws IOException {
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> op instanceof Created));
        try (WritableFile file = layer.create(dir.resolve("a"))) {
            file.write(MemorySegment.ofArray("kept|".getBytes(UTF_8)));
            file.sync();
            file.write(MemorySegment.ofArray("dropped".getBytes(UTF_8)));
        }
        layer.syncDirectory(dir);
        assertTrue(layer.delete(dir.resolve("a")));
        assertFalse(layer.delete(dir.resolve("a")), "a second delete finds nothing");
        assertEquals(List.of(), names());
        layer.powerCut();
        assertEquals("kept|", read("a"));
    }

    @Test
    void eachUnsyncedOperationIsDecidedOnItsOwnInOrder() throws IOException {
        List<String> asked = new ArrayList<>();
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> {
            asked.add(op.toString());
            return op instanceof Renamed; // the rename, not the create before it
        }));
        write(layer, dir.resolve("a"), "x", true);
        layer.rename(dir.resolve("a"), dir.resolve("b"));
        write(layer, dir.resolve("c"), "y", true);
        layer.powerCut();
        assertEquals(List.of("create a", "rename a -> b", "create c"), asked);
        assertEquals(List.of("b"), names(), "a file system may persist a rename without the create before it");
        assertEquals("x", read("b"));
    }

    @Test
    void everyCallAfterTheCutFailsAndTheTriggerCutsBeforeItsCall() throws IOException {
        PowerCutFileLayer layer = new PowerCutFileLayer(dir, Choices.keeping(op -> true));
        layer.cutWhen(op -> op.call() == PowerCutFileLayer.Call.SYNC);
        WritableFile file = layer.create(dir.resolve("a"));
        file.write(MemorySegment.ofArray("abc".getBytes(UTF_8)));
        IOException cut = assertThrows(IOException.class, file::sync);
        assertTrue(cut.getMessage().contains("power cut before #3 SYNC a"), cut.getMessage());
        file.close(); // closing writes nothing and still works
        assertTrue(layer.isCut());
        assertEquals(PowerCutFileLayer.Call.SYNC, layer.cutBefore().call());
        assertThrows(IOException.class, () -> layer.create(dir.resolve("b")));
        assertThrows(IOException.class, () -> layer.syncDirectory(dir));
        assertThrows(IOException.class, () -> layer.delete(dir.resolve("a")));
        assertArrayEquals(new byte[0], Files.readAllBytes(dir.resolve("a")), "kept create, unsynced bytes dropped");
        assertEquals(3, layer.calls());
    }
}
