package io.turbokv.kafka;

import static io.turbokv.kafka.RestoreParityTest.CONSISTENT;
import static io.turbokv.kafka.RestoreParityTest.KEYS;
import static io.turbokv.kafka.RestoreParityTest.changelog;
import static io.turbokv.kafka.RestoreParityTest.render;
import static io.turbokv.kafka.RestoreParityTest.taken;
import static io.turbokv.kafka.StateDirs.crashImage;
import static io.turbokv.kafka.TestBytes.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Restores of window and session stores with a changelog, whose restored records go straight to their segments'
 * committed writes in memory ({@link TurboKvKeyValueStore#appendCommitted}), against Kafka's RocksDB stores restored
 * from the same batches: the same contents and position after every batch, whether the commit buffer's bound is never
 * crossed (16 MiB), crossed every few batches (6 KiB) or at every batch (0), over many short segments that expire as
 * the restore goes and over a few long ones each written in more batches than the compaction policy's SST limit; a
 * crash in the middle leaves on disk the contents and position of one same batch (written together), and a restart on
 * that local state resumes the restore to Kafka's store's end state.
 */
class SegmentedRestoreTest {
    /** Five minutes of retention: segments of 150 s, Kafka's min(retention / 2, 60 s) for the session store. */
    private static final Duration RETENTION = Duration.ofMinutes(5);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    /** The two stores segmented by time. */
    enum Kind {
        WINDOW, SESSION
    }

    /**
     * The changelogs: many segments (stream time moving some 1.3 s a record, past 13 segments, several expiring
     * during the restore), and few segments (0.13 s a record: each segment written by some 25 batches of 40, more than
     * the 16 SSTs of {@link TurboKvStores#COMPACTION_POLICY} when every batch is written).
     */
    enum Shape {
        MANY_SEGMENTS(1_500, 250, 2_000, 400_000), FEW_SEGMENTS(3_000, 40, 200, 20_000);

        final int records;
        final int batchSize;
        final long step;
        final long lateness;

        Shape(int records, int batchSize, long step, long lateness) {
            this.records = records;
            this.batchSize = batchSize;
            this.step = step;
            this.lateness = lateness;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (Shape shape : Shape.values()) {
                for (long bound : new long[] {0, 6 << 10, 16 << 20}) {
                    cases.add(Arguments.of(kind, shape, bound));
                }
            }
        }
        return cases.stream();
    }

    private static List<List<ConsumerRecord<byte[], byte[]>>> batches(Kind kind, Shape shape) {
        return changelog(shape.records, shape.batchSize, 1_000_000, shape.step, shape.lateness, kind == Kind.WINDOW
                ? (key, time) -> TurboKvWindowStore.segmentKey(key, time, 0)
                : (key, end) -> ByteBuffer.allocate(key.length + 16).put(key).putLong(end).putLong(end - 1_000)
                        .array());
    }

    private static StateStore kafkaStore(Kind kind) {
        return kind == Kind.WINDOW
                ? Stores.persistentTimestampedWindowStore("w", RETENTION, Duration.ofSeconds(10), false).get()
                : Stores.persistentSessionStore("w", RETENTION).get();
    }

    private static StateStore turboKvStore(Kind kind) {
        return kind == Kind.WINDOW
                ? TurboKvStores.persistentTimestampedWindowStore("w", RETENTION, Duration.ofSeconds(10), false).get()
                : TurboKvStores.persistentSessionStore("w", RETENTION).get();
    }

    /** Opens {@code store} in {@code taskDir} with a changelog (Kafka's and TurboKV's the same way). */
    private static RecordBatchingStateRestoreCallback open(StateStore store, Path taskDir, long bound) {
        try {
            Files.createDirectories(taskDir); // Streams creates the task's directory before its stores
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, Object> configs = new HashMap<>(CONSISTENT);
        configs.put(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, bound);
        StubStateStoreContext stub = new StubStateStoreContext(taskDir, configs);
        store.init(KafkaStoreContext.of(stub, true), store);
        return assertInstanceOf(RecordBatchingStateRestoreCallback.class, stub.restoreCallback);
    }

    /** {@return the store's position, then every entry it holds, rendered} */
    private static List<String> state(StateStore store) {
        List<String> answers = new ArrayList<>();
        answers.add(taken(store.getPosition()));
        if (store instanceof WindowStore<?, ?> window) {
            @SuppressWarnings("unchecked")
            WindowStore<Bytes, byte[]> bytes = (WindowStore<Bytes, byte[]>) window;
            try (KeyValueIterator<Windowed<Bytes>, byte[]> all = bytes.all()) {
                all.forEachRemaining(entry -> answers.add(render(entry)));
            }
        } else {
            @SuppressWarnings("unchecked")
            SessionStore<Bytes, byte[]> sessions = (SessionStore<Bytes, byte[]>) store;
            for (String key : KEYS) {
                try (KeyValueIterator<Windowed<Bytes>, byte[]> found = sessions.fetch(key(key))) {
                    found.forEachRemaining(entry -> answers.add(render(entry)));
                }
            }
        }
        return answers;
    }

    /** Compares two rendered states, reporting their sizes and first difference rather than thousands of lines. */
    private static void assertSameState(List<String> expected, List<String> actual, String message) {
        int i = 0;
        while (i < Math.min(expected.size(), actual.size()) && expected.get(i).equals(actual.get(i))) {
            i++;
        }
        if (i < expected.size() || i < actual.size()) {
            throw new org.opentest4j.AssertionFailedError(message + ": " + expected.size() + " lines expected, "
                    + actual.size() + " found; first difference at line " + i + ": expected "
                    + (i < expected.size() ? abbreviate(expected.get(i)) : "none") + ", found "
                    + (i < actual.size() ? abbreviate(actual.get(i)) : "none"));
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 300 ? line : line.substring(0, 150) + " ... " + line.substring(line.length() - 150);
    }

    /**
     * Kafka's store's states: before any batch ({@code afterBatch} 0), after each batch (i + 1), and once reopened
     * after the last (a reopened segmented store has no stream time until its next write, so its reads no longer
     * leave out the expired records of live segments: TurboKV's reopened store must read the same).
     */
    private record KafkaStates(List<List<String>> afterBatch, List<String> reopened) {}

    private KafkaStates kafkaStates(Kind kind, List<List<ConsumerRecord<byte[], byte[]>>> batches) {
        Path taskDir = stateDir.resolve("kafka" + runs++);
        StateStore kafka = kafkaStore(kind);
        RecordBatchingStateRestoreCallback callback = open(kafka, taskDir, 0);
        List<List<String>> states = new ArrayList<>();
        try {
            states.add(state(kafka));
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
                callback.restoreBatch(batch);
                states.add(state(kafka));
            }
        } finally {
            kafka.close();
        }
        StateStore reopened = kafkaStore(kind);
        open(reopened, taskDir, 0);
        try {
            return new KafkaStates(states, state(reopened));
        } finally {
            reopened.close();
        }
    }

    /** {@return the state of Kafka's store restored from {@code batches}, closed and reopened} */
    private List<String> kafkaReopenedAfter(Kind kind, List<List<ConsumerRecord<byte[], byte[]>>> batches) {
        Path taskDir = stateDir.resolve("kafka" + runs++);
        StateStore kafka = kafkaStore(kind);
        RecordBatchingStateRestoreCallback callback = open(kafka, taskDir, 0);
        try {
            batches.forEach(callback::restoreBatch);
        } finally {
            kafka.close();
        }
        StateStore reopened = kafkaStore(kind);
        open(reopened, taskDir, 0);
        try {
            return state(reopened);
        } finally {
            reopened.close();
        }
    }

    @ParameterizedTest(name = "{0}, {1}, bound {2} bytes")
    @MethodSource("cases")
    void aRestoredStoreEqualsKafkasAfterEveryBatchAndACrashKeepsOneBatchsContentsAndPositionTogether(
                                                                                                     Kind kind,
                                                                                                     Shape shape,
                                                                                                     long bound)
            throws IOException {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = batches(kind, shape);
        KafkaStates kafkaStates = kafkaStates(kind, batches);
        List<List<String>> kafka = kafkaStates.afterBatch();
        int half = batches.size() / 2;
        Path taskDir = stateDir.resolve("turbokv");
        StateStore store = turboKvStore(kind);
        RecordBatchingStateRestoreCallback callback = open(store, taskDir, bound);
        Path crashed;
        try {
            for (int b = 0; b < half; b++) {
                callback.restoreBatch(batches.get(b));
                if (b % 5 == 2) { // a stale interactive query reads a restoring store
                    assertSameState(kafka.get(b + 1), state(store), "after batch " + b);
                }
            }
            crashed = crashImage(taskDir.resolve("w"), stateDir.resolve("crash").resolve("w"));
            for (int b = half; b < batches.size(); b++) {
                callback.restoreBatch(batches.get(b));
            }
            assertSameState(kafka.getLast(), state(store), "after the restore");
        } finally {
            store.close();
        }
        StateStore restarted = turboKvStore(kind);
        open(restarted, taskDir, bound);
        try {
            List<String> restartedState = state(restarted);
            assertEquals(kafka.getLast().getFirst(), restartedState.getFirst(), "the position written with the data");
            // Kafka's reopened store has no position here (it writes its position file at commit, which no restore
            // calls), so its contents only are compared
            assertSameState(kafkaStates.reopened().subList(1, kafkaStates.reopened().size()),
                    restartedState.subList(1, restartedState.size()), "the clean close wrote the contents");
        } finally {
            restarted.close();
        }

        StateStore afterCrash = turboKvStore(kind);
        RecordBatchingStateRestoreCallback resumed = open(afterCrash, stateDir.resolve("crash"), bound);
        try {
            List<String> onDisk = state(afterCrash);
            List<String> positions = kafka.subList(0, half + 1).stream().map(List::getFirst).toList();
            int batch = positions.indexOf(onDisk.getFirst());
            assertTrue(batch >= 0, "the crash left the position of a batch's end: " + abbreviate(onDisk.getFirst()));
            List<String> kafkaReopened = kafkaReopenedAfter(kind, batches.subList(0, batch));
            assertSameState(kafkaReopened.subList(1, kafkaReopened.size()), onDisk.subList(1, onDisk.size()),
                    "the crash left the contents of the batch whose position it left");
            if (bound == 0) {
                assertEquals(half, batch, "every batch was written");
            } else if (bound > 1 << 20) {
                assertEquals(0, batch, "no batch was written");
            }
            // Streams restores after the offsets committed, which a restore never moves: here, from the start
            for (List<ConsumerRecord<byte[], byte[]>> again : batches) {
                resumed.restoreBatch(again);
            }
            assertSameState(kafka.getLast(), state(afterCrash), "after the restore resumed");
        } finally {
            afterCrash.close();
        }
    }

    @Test
    void processingAfterARestoreWritesOverTheRestoredRecordsAndCommitsTheOffsets() {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = batches(Kind.WINDOW, Shape.FEW_SEGMENTS);
        TopicPartition changelog = new TopicPartition("turbokv-test-w-changelog", 0);
        Path taskDir = stateDir.resolve("turbokv");
        TurboKvTimestampedWindowStore store = (TurboKvTimestampedWindowStore) turboKvStore(Kind.WINDOW);
        RecordBatchingStateRestoreCallback callback = open(store, taskDir, 16 << 20);
        long lastTime = batches.getLast().stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
        List<String> expected;
        try {
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
                callback.restoreBatch(batch);
            }
            store.put(key("a"), TestBytes.value("after"), lastTime);
            store.commit(Map.of(changelog, 5_000L));
            assertEquals("after", TestBytes.string(store.fetch(key("a"), lastTime)));
            expected = state(store);
        } finally {
            store.close();
        }
        StateStore reopened = turboKvStore(Kind.WINDOW);
        open(reopened, taskDir, 16 << 20);
        try {
            assertEquals(expected, state(reopened));
            assertEquals(5_000L, reopened.committedOffset(changelog));
        } finally {
            reopened.close();
        }
    }

    @Test
    void aRestoreBatchAfterCloseFailsAndASecondStoreOnTheDirectoryIsRefused() {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = batches(Kind.SESSION, Shape.MANY_SEGMENTS);
        Path taskDir = stateDir.resolve("turbokv");
        StateStore store = turboKvStore(Kind.SESSION);
        RecordBatchingStateRestoreCallback callback = open(store, taskDir, 16 << 20);
        try {
            callback.restoreBatch(batches.getFirst());
            StateStore second = turboKvStore(Kind.SESSION);
            assertThrows(ProcessorStateException.class, () -> open(second, taskDir, 16 << 20),
                    "a second instance on the same segments");
        } finally {
            store.close();
        }
        assertThrows(InvalidStateStoreException.class, () -> callback.restoreBatch(batches.get(1)));
    }
}
