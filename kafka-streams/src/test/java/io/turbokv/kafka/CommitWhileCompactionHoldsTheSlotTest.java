package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.WriteSlotBusyException;
import io.turbokv.commit.WriteOperationGuard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store with a changelog whose commit reaches its bound while the store's background compaction holds the write
 * slot keeps the commit in memory and returns at once (below twice the bound); the next commit writes it. The slot
 * is held here as the compaction thread holds it: claimed on the engine's guard without a batch attached.
 */
class CommitWhileCompactionHoldsTheSlotTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-s-changelog", 0);
    private static final Duration RETENTION = Duration.ofMinutes(10);
    private static final long NEXT_SEGMENT = Duration.ofMinutes(6).toMillis();

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void aKeyValueCommitPastItsBoundDefersWhileTheCompactionHoldsTheSlotAndWaitsPastTwiceTheBound()
            throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        store.init(new SegmentContext(new StubStateStoreContext(stateDir,
                Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 1_000)), stateDir, true), store);
        try {
            WriteOperationGuard guard = EngineSlots.guard(store);
            guard.claim("compaction");
            store.put(key("a"), new byte[700]);
            store.commit(Map.of(CHANGELOG, 0L)); // past the bound: the slot is held, so kept in memory
            assertEquals(0, store.metricsSnapshot().commits().commits(), "deferred, not waited for");
            assertArrayEquals(new byte[700], store.get(key("a")));
            store.put(key("b"), new byte[1_500]); // past twice the bound: this commit waits for the slot
            Thread releaser = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                guard.release();
            });
            long start = System.nanoTime();
            store.commit(Map.of(CHANGELOG, 1L));
            releaser.join();
            assertTrue(System.nanoTime() - start >= 250_000_000L, "waited for the compaction");
            assertEquals(1, store.metricsSnapshot().commits().commits(), "both commits in one batch");
        } finally {
            store.close();
        }
    }

    @Test
    void aCommitPastItsBoundOnAStoreThatCannotWriteFailsInsteadOfDeferring() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        store.init(new SegmentContext(new StubStateStoreContext(stateDir,
                Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 1_000)), stateDir, true), store);
        try {
            // the refusal of a store whose rollback failed is an IllegalStateException, but no busy slot: deferring
            // it would keep the commits in memory until twice the bound, then fail anyway
            EngineSlots.guard(store).breakForever("rollback failed in this test");
            store.put(key("a"), new byte[1_200]); // past the bound, below twice it: a busy slot would defer
            ProcessorStateException failed = assertThrows(ProcessorStateException.class,
                    () -> store.commit(Map.of(CHANGELOG, 0L)));
            IllegalStateException cause = assertInstanceOf(IllegalStateException.class, failed.getCause());
            assertFalse(cause instanceof WriteSlotBusyException, cause.toString());
            assertTrue(cause.getMessage().contains("rollback failed in this test"), cause.getMessage());
        } finally {
            // the close writes the kept commit, which fails the same way; the store is closed all the same
            assertThrows(ProcessorStateException.class, store::close);
        }
    }

    @Test
    void aWindowCommitWritesNoSegmentWhileOneSegmentsCompactionHoldsItsSlot() throws Exception {
        TurboKvWindowStore store = (TurboKvWindowStore) TurboKvStores.persistentWindowStore("w", RETENTION,
                Duration.ofSeconds(10), false).get();
        store.init(KafkaStoreContext.of(new StubStateStoreContext(stateDir,
                Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 1_000)), true), store);
        try {
            store.put(key("a"), new byte[700], 0);
            store.put(key("b"), value("1"), NEXT_SEGMENT);
            WriteOperationGuard guard = EngineSlots.guard(store.segments.existingSegment(NEXT_SEGMENT));
            guard.claim("compaction");
            store.commit(Map.of(CHANGELOG, 1L));
            assertEquals(0, store.segments.metricsSnapshot().commits().commits(), "no segment written alone");
            guard.release();
            store.put(key("c"), value("1"), NEXT_SEGMENT);
            store.commit(Map.of(CHANGELOG, 2L));
            assertEquals(2, store.segments.metricsSnapshot().commits().commits(), "one batch per segment");
        } finally {
            store.close();
        }
        TurboKvWindowStore reopened = (TurboKvWindowStore) TurboKvStores.persistentWindowStore("w", RETENTION,
                Duration.ofSeconds(10), false).get();
        reopened.init(KafkaStoreContext.of(new StubStateStoreContext(stateDir, Map.of()), true), reopened);
        try {
            assertEquals(2L, reopened.committedOffset(CHANGELOG));
            assertArrayEquals(new byte[700], reopened.fetch(key("a"), 0));
        } finally {
            reopened.close();
        }
    }
}
