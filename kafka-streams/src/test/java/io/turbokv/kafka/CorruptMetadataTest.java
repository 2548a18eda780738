package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import io.turbokv.WriteBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedBytesStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose metadata (position, changelog offsets, a segment's commit record) does not decode fails its
 * {@code init} with a {@link ProcessorStateException} naming it, and releases what it opened before the exception
 * propagates: a retry of the open fails the same way (not on the engine's lock, which a leaked open would still
 * hold), and once the directory is wiped, as Kafka Streams wipes a corrupt task's state, the store opens empty.
 */
class CorruptMetadataTest {
    /** Bytes that decode neither as a position nor as offsets nor as a commit record: a count far past the end. */
    private static final byte[] GARBAGE = {0x7f, 0x7f, 0x7f, 0x7f, 1};

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void aKeyValueStoreWithACorruptPositionIsReleased() throws IOException {
        DbConfig config = writeAndClose(TurboKvStores.persistentKeyValueStore("kv").get());
        corrupt(stateDir.resolve("kv"), config, TurboKvKeyValueStore.POSITION_KEY);
        assertReleasedAfterFailedInits(() -> TurboKvStores.persistentKeyValueStore("kv").get(), "kv");
    }

    @Test
    void aKeyValueStoreWithCorruptOffsetsIsReleased() throws IOException {
        DbConfig config = writeAndClose(TurboKvStores.persistentKeyValueStore("kv").get());
        corrupt(stateDir.resolve("kv"), config, TurboKvKeyValueStore.OFFSETS_KEY);
        assertReleasedAfterFailedInits(() -> TurboKvStores.persistentKeyValueStore("kv").get(), "kv");
    }

    @Test
    void aVersionedStoreWithACorruptPositionIsReleased() throws IOException {
        TurboKvVersionedStore store = new TurboKvVersionedStore("v", 60_000, 20_000,
                TurboKvStores::configByChangelog);
        StubStateStoreContext context = context();
        store.init(context, store);
        store.put(key("k"), "1".getBytes(StandardCharsets.UTF_8), 1_000);
        store.commit(Map.of(new TopicPartition("v-changelog", 0), 1L));
        store.close();
        corrupt(stateDir.resolve("v"), TurboKvStores.configByChangelog("v", false, Map.of()),
                TurboKvKeyValueStore.POSITION_KEY);
        assertReleasedAfterFailedInits(() -> (VersionedBytesStore) TurboKvStores
                .persistentVersionedKeyValueStore("v", Duration.ofMinutes(1)).get(), "v");
    }

    @Test
    void aWindowStoreWithACorruptCommitRecordIsReleased() throws IOException {
        WindowStore<Bytes, byte[]> store = TurboKvStores.persistentTimestampedWindowStore("w", Duration.ofMinutes(10),
                Duration.ofMinutes(1), false).get();
        StubStateStoreContext context = context();
        store.init(context, store);
        for (long start = 0; start < 600_000; start += 60_000) { // several segments, each with a commit record
            store.put(key("k"), "1".getBytes(StandardCharsets.UTF_8), start);
        }
        store.commit(Map.of(new TopicPartition("w-changelog", 0), 1L));
        store.close();
        List<Path> segments;
        try (Stream<Path> children = Files.list(stateDir.resolve("w"))) {
            segments = children.sorted().toList();
        }
        assertTrue(segments.size() >= 2, segments.toString());
        // the last segment: the segments before it are open when its record fails to decode
        corrupt(segments.getLast(), TurboKvStores.configForSegments("w", false, Map.of()), CommitRecord.KEY);
        assertReleasedAfterFailedInits(() -> TurboKvStores.persistentTimestampedWindowStore("w",
                Duration.ofMinutes(10), Duration.ofMinutes(1), false).get(), "w");
    }

    /** Opens a store in a fresh object, as a retried task initialisation does. */
    @FunctionalInterface
    private interface StoreFactory {
        StateStore create();
    }

    /**
     * Two inits of new store objects fail with the decoding error (the first released the engine store), then,
     * with the directory wiped, an init succeeds on an empty store.
     */
    private void assertReleasedAfterFailedInits(StoreFactory factory, String name) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            StateStore store = factory.create();
            ProcessorStateException failure = assertThrows(ProcessorStateException.class,
                    () -> store.init(context(), store), "attempt " + attempt);
            assertTrue(String.valueOf(failure.getMessage()).contains(name), failure.getMessage());
            assertTrue(Stream.iterate((Throwable) failure, t -> t != null, Throwable::getCause)
                    .noneMatch(t -> t instanceof io.turbokv.StoreLockedException),
                    "attempt " + attempt + ": "
                            + failure);
            assertFalse(store.isOpen());
        }
        Directories.deleteRecursively(stateDir.resolve(name));
        StateStore store = factory.create();
        store.init(context(), store);
        try {
            assertTrue(store.isOpen());
            assertEquals(0, store.getPosition().getTopics().size());
        } finally {
            store.close();
        }
    }

    /** Writes a key with a record in the position and commits with a changelog offset; returns the config used. */
    private DbConfig writeAndClose(KeyValueStore<Bytes, byte[]> store) {
        StubStateStoreContext context = context();
        store.init(context, store);
        context.recordMetadata = new StubRecordMetadata("in", 0, 7);
        store.put(key("k"), "1".getBytes(StandardCharsets.UTF_8));
        store.commit(Map.of(new TopicPartition("kv-changelog", 0), 1L));
        DbConfig config = ((TurboKvKeyValueStore) store).openedConfig();
        store.close();
        return config;
    }

    /** Overwrites {@code metadataKey} in the metadata family of the TurboKV store in {@code directory}. */
    private static void corrupt(Path directory, DbConfig config, byte[] metadataKey) throws IOException {
        try (TurboKV db = TurboKV.open(directory, config); WriteBatch batch = db.writeBatch()) {
            batch.put(TurboKvKeyValueStore.POSITION_FAMILY, metadataKey, GARBAGE);
            batch.commit();
        }
    }

    private StubStateStoreContext context() {
        return new StubStateStoreContext(stateDir);
    }

}
