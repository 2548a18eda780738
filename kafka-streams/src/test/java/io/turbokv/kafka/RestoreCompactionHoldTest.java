package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An active task's store holds its background compactions from its first restore batch until processing writes to
 * it ({@link StreamsStore#compactionHold}), however far past {@link TurboKvStores#COMPACTION_POLICY}'s SST limit the
 * restore's written batches go, and then compacts back under it; a window store's segments are held together; a
 * standby task's store, whose restore never ends, is never held.
 */
class RestoreCompactionHoldTest {
    /** Restore batches, each written (bound 0) as an SST: well past the limit of 16 live SSTs. */
    private static final int BATCHES = 40;
    /** Well past the compaction threads' look interval: a store not held would have compacted by then. */
    private static final long SEVERAL_LOOKS_MILLIS = 10L * CompactionPolicy.CHECK_INTERVAL_MILLIS;
    /** Every restore batch and commit written, each an SST. */
    private static final Map<String, Object> EVERY_BATCH_WRITTEN = Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static RecordBatchingStateRestoreCallback open(StateStore store, Path taskDir, Task.TaskType taskType) {
        StubStateStoreContext stub = new StubStateStoreContext(taskDir, EVERY_BATCH_WRITTEN);
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
