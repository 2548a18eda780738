package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CompactionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An active task's store holds its background compactions from its first restore batch until processing writes to
 * it ({@link StreamsStore#compactionHold}) while its live SSTs stay within the policy's hold ceiling (4 times
 * {@link TurboKvStores#COMPACTION_POLICY}'s SST limit, at least {@link CompactionPolicy#MIN_HOLD_CEILING}), compacts
 * down to the ceiling past it although held, and compacts back under the limit once processing writes; a window
 * store's segments are held together; a standby task's store, whose restore never ends, is never held.
 */
class RestoreCompactionHoldTest {
    /**
     * Restore batches, each written (bound 0) as an SST or more: well past the limit of 16 live SSTs, and within the
     * hold ceiling of 64 per TurboKV directory (40 batches went past it).
     */
    private static final int BATCHES = 24;
    /** Well past the compaction threads' look interval: a store not held would have compacted by then. */
    private static final long SEVERAL_LOOKS_MILLIS = 10L * CompactionPolicy.CHECK_INTERVAL_MILLIS;
    /** Every restore batch and commit written, each an SST. */
    private static final Map<String, Object> EVERY_BATCH_WRITTEN = Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static RecordBatchingStateRestoreCallback open(StateStore store, Path taskDir, Task.TaskType taskType) {
        return open(store, taskDir, taskType, Map.of());
    }

    private static RecordBatchingStateRestoreCallback open(StateStore store, Path taskDir, Task.TaskType taskType,
                                                           Map<String, Object> moreConfigs) {
        Map<String, Object> configs = new java.util.HashMap<>(EVERY_BATCH_WRITTEN);
        configs.putAll(moreConfigs);
        StubStateStoreContext stub = new StubStateStoreContext(taskDir, configs);
        store.init(KafkaStoreContext.of(stub, true, taskType), store);
        return assertInstanceOf(RecordBatchingStateRestoreCallback.class, stub.restoreCallback);
    }

    /** {@return batch {@code b} of a changelog of 50 records a batch; {@code storeKey} makes the record's key} */
    private static List<ConsumerRecord<byte[], byte[]>> batch(int b, java.util.function.IntFunction<byte[]> storeKey) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int offset = b * 50 + i;
            batch.add(new ConsumerRecord<>("changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                    storeKey.apply(offset), value("v" + offset), new RecordHeaders(), Optional.empty()));
        }
        return batch;
    }

    private static void awaitAtMost(LongSupplier ssts, long limit) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ssts.getAsLong() > limit && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(ssts.getAsLong() <= limit, ssts.getAsLong() + " live SSTs");
    }

    @Test
    void anActiveKeyValueStoreCompactsNothingDuringItsRestoreAndCompactsOnceProcessingWrites() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.ACTIVE);
        LongSupplier ssts = () -> store.metricsSnapshot().sstFiles();
        try {
            for (int b = 0; b < BATCHES; b++) {
                callback.restoreBatch(batch(b, offset -> key("k" + offset).get()));
            }
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertTrue(ssts.getAsLong() >= BATCHES, ssts.getAsLong() + " live SSTs: a compaction ran");
            assertTrue(ssts.getAsLong() <= TurboKvStores.COMPACTION_POLICY.holdCeiling(), "within the ceiling");
            store.put(key("after"), value("x")); // processing: the restore has ended
            store.commit(Map.of());
            awaitAtMost(ssts, TurboKvStores.COMPACTION_POLICY.sstCountAbove());
            assertEquals("v0", string(store.get(key("k0"))));
            assertEquals("v" + (BATCHES * 50 - 1), string(store.get(key("k" + (BATCHES * 50 - 1)))));
        } finally {
            store.close();
        }
    }

    @Test
    void aRestoreEndingWithoutAWriteCompactsOnceItsHoldTimesOut() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        long holdMs = 2_000; // long enough to outlast the restore's 40 batches, short enough for the suite
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.ACTIVE,
                Map.of(TurboKvStores.RESTORE_COMPACTION_HOLD_MS_CONFIG, holdMs));
        LongSupplier ssts = () -> store.metricsSnapshot().sstFiles();
        try {
            long lastBatch = 0;
            for (int b = 0; b < BATCHES; b++) {
                callback.restoreBatch(batch(b, offset -> key("k" + offset).get()));
                lastBatch = System.nanoTime();
            }
            long sinceLastBatch = System.nanoTime() - lastBatch;
            long afterRestore = ssts.getAsLong();
            if (sinceLastBatch < TimeUnit.MILLISECONDS.toNanos(holdMs / 2)) { // not past the hold on a loaded machine
                assertTrue(store.compactionHold.isHeld(), "held by the last batch");
                assertTrue(afterRestore >= BATCHES, afterRestore + " live SSTs: a compaction ran");
            }
            awaitAtMost(ssts, TurboKvStores.COMPACTION_POLICY.sstCountAbove()); // no write: the timeout ends it
            assertFalse(store.compactionHold.isHeld());
            assertEquals("v" + (BATCHES * 50 - 1), string(store.get(key("k" + (BATCHES * 50 - 1)))));
        } finally {
            store.close();
        }
    }

    @Test
    void aRestoreCompactionHoldOfZeroHoldsNothing() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.ACTIVE,
                Map.of(TurboKvStores.RESTORE_COMPACTION_HOLD_MS_CONFIG, 0));
        LongSupplier ssts = () -> store.metricsSnapshot().sstFiles();
        try {
            for (int b = 0; b < BATCHES; b++) {
                callback.restoreBatch(batch(b, offset -> key("k" + offset).get()));
                assertFalse(store.compactionHold.isHeld(), "batch " + b);
            }
            awaitAtMost(ssts, TurboKvStores.COMPACTION_POLICY.sstCountAbove());
        } finally {
            store.close();
        }
    }

    @Test
    void aRestoreCompactionHoldOfANegativeTimeIsRefused() {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        assertThrows(ConfigException.class, () -> open(store, stateDir, Task.TaskType.ACTIVE,
                Map.of(TurboKvStores.RESTORE_COMPACTION_HOLD_MS_CONFIG, -1)));
    }

    @Test
    void aRestorePastTheHoldCeilingCompactsDownToItWhileStillHeld() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.ACTIVE);
        LongSupplier ssts = () -> store.metricsSnapshot().sstFiles();
        int ceiling = TurboKvStores.COMPACTION_POLICY.holdCeiling();
        int batches = ceiling + 20;
        try {
            for (int b = 0; b < batches; b++) {
                callback.restoreBatch(batch(b, offset -> key("k" + offset).get()));
            }
            awaitAtMost(ssts, ceiling);
            assertTrue(store.compactionHold.isHeld(), "still restoring: the ceiling, not a release, compacted");
            assertEquals("v" + (batches * 50 - 1), string(store.get(key("k" + (batches * 50 - 1)))));
        } finally {
            store.close();
        }
    }

    @Test
    void aWindowStoresSegmentsAreHeldTogetherUntilProcessingWrites() throws Exception {
        TurboKvWindowStore store = (TurboKvWindowStore) TurboKvStores.persistentWindowStore("w",
                Duration.ofHours(1), Duration.ofSeconds(10), false).get();
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.ACTIVE);
        LongSupplier ssts = () -> store.segments.metricsSnapshot().sstFiles();
        long halfHour = Duration.ofMinutes(30).toMillis(); // the segment interval: two segments, each in every batch
        try {
            for (int b = 0; b < BATCHES; b++) {
                callback.restoreBatch(batch(b, offset -> TurboKvWindowStore.segmentKey(
                        ("k" + offset).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        offset % 2 * halfHour, 0)));
            }
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertTrue(ssts.getAsLong() >= 2L * BATCHES, ssts.getAsLong() + " live SSTs: a compaction ran");
            store.put(key("after"), value("x"), halfHour);
            store.commit(Map.of());
            awaitAtMost(ssts, 2L * TurboKvStores.COMPACTION_POLICY.sstCountAbove());
            assertEquals("v0", string(store.fetch(key("k0"), 0)));
        } finally {
            store.close();
        }
    }

    @Test
    void anActiveVersionedStoreIsHeldByItsRestoreUntilProcessingWrites() throws Exception {
        TurboKvVersionedStore store = new TurboKvVersionedStore("v", Duration.ofMinutes(10).toMillis(),
                Duration.ofMinutes(1).toMillis(), TurboKvStores::configByChangelog);
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.ACTIVE);
        try {
            assertFalse(store.compactionHold.isHeld(), "held before any restore");
            callback.restoreBatch(batch(0, offset -> key("k" + offset).get()));
            assertTrue(store.compactionHold.isHeld(), "the restore batch holds");
            store.put(key("after"), value("x"), 1);
            assertFalse(store.compactionHold.isHeld(), "the first write of processing releases");
        } finally {
            store.close();
        }
    }

    @Test
    void aStandbyStoreIsNeverHeld() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        RecordBatchingStateRestoreCallback callback = open(store, stateDir, Task.TaskType.STANDBY);
        LongSupplier ssts = () -> store.metricsSnapshot().sstFiles();
        try {
            for (int b = 0; b < BATCHES; b++) {
                callback.restoreBatch(batch(b, offset -> key("k" + offset).get()));
            }
            awaitAtMost(ssts, TurboKvStores.COMPACTION_POLICY.sstCountAbove()); // no write of processing needed
        } finally {
            store.close();
        }
    }
}
