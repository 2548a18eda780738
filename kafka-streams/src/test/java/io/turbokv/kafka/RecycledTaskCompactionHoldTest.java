package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams recycles a task between active and standby without closing or re-initialising its stores
 * ({@code StandbyTaskCreator.createStandbyTaskFromActive}: {@code ProcessorStateManager.transitionTaskType}, and
 * {@code registerStateStores} skips {@code init} of a store already registered); the same
 * {@code InternalProcessorContext} then answers the new {@code taskType()}. A store whose task was active at
 * {@code init} and is now a standby must not hold its compactions at each standby batch: a standby never processes,
 * so nothing releases the hold, and the standby's batches renew it for as long as its changelog has traffic.
 */
class RecycledTaskCompactionHoldTest {
    private static final int BATCHES = 40;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static List<ConsumerRecord<byte[], byte[]>> batch(int b) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int offset = b * 50 + i;
            batch.add(new ConsumerRecord<>("changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                    key("k" + offset).get(), value("v" + offset), new RecordHeaders(), Optional.empty()));
        }
        return batch;
    }

    /** An internal context whose task type follows {@code type}, as a recycled task's context does. */
    private static InternalProcessorContext<?, ?> recyclable(InternalProcessorContext<?, ?> delegate,
                                                             AtomicReference<Task.TaskType> type) {
        return (InternalProcessorContext<?, ?>) Proxy.newProxyInstance(
                RecycledTaskCompactionHoldTest.class.getClassLoader(),
                new Class<?>[] {InternalProcessorContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("taskType")) {
                        return type.get();
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aStoreRecycledFromActiveToStandbyIsNotHeldByItsStandbyBatches() throws Exception {
        AtomicReference<Task.TaskType> type = new AtomicReference<>(Task.TaskType.ACTIVE);
        StubStateStoreContext stub = new StubStateStoreContext(stateDir,
                Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0));
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        store.init(recyclable(KafkaStoreContext.of(stub, true, Task.TaskType.ACTIVE), type), store);
        RecordBatchingStateRestoreCallback callback =
                assertInstanceOf(RecordBatchingStateRestoreCallback.class, stub.restoreCallback);
        LongSupplier ssts = () -> store.metricsSnapshot().sstFiles();
        try {
            callback.restoreBatch(batch(0)); // the active task restores...
            store.put(key("processed"), value("x")); // ...and processes: the hold ends
            assertFalse(store.compactionHold.isHeld());

            type.set(Task.TaskType.STANDBY); // rebalance: the task is recycled into a standby, the store kept open
            for (int b = 1; b <= BATCHES; b++) {
                callback.restoreBatch(batch(b)); // the standby applies the changelog
            }
            assertFalse(store.compactionHold.isHeld(), "a standby's batch holds the compactions");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // a standby never held compacts in ms
            while (ssts.getAsLong() > TurboKvStores.COMPACTION_POLICY.sstCountAbove()
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(ssts.getAsLong() <= TurboKvStores.COMPACTION_POLICY.sstCountAbove(),
                    ssts.getAsLong() + " live SSTs: the recycled standby's compactions are held");
        } finally {
            store.close();
        }
    }
}
