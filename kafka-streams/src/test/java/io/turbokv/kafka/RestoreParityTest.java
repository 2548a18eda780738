package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.PositionSerde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores from a changelog, TurboKV's stores against Kafka's RocksDB stores driven directly with the same batches:
 * records out of order, some older than a versioned store's grace period, some of a segment that has expired by the
 * end of their batch though not when they come; each record carries the position of its write (IQ consistency
 * vectors on), so that the position restored shows which records a store took. Positions and contents must match.
 */
class RestoreParityTest {
    /** IQ consistency vectors on, and the recording level Kafka's RocksDB store reads at init. */
    static final Map<String, Object> CONSISTENT = Map.of(
            StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true,
            StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "INFO");
    /** Records in a changelog: a few batches, enough segments to expire several. */
    private static final int RECORDS = 1_500;
    private static final QueryConfig CONFIG = new QueryConfig(false);
    private static final String PREFIX = "p".repeat(60);
    static final List<String> KEYS = List.of("a", "a\u0005", "ab", PREFIX + "1", PREFIX + "2");

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    @Test
    void aVersionedRestoreDropsThePutsKafkasStoreDrops() {
        Duration retention = Duration.ofMillis(1_000);
        Duration segment = Duration.ofMillis(300);
        // one batch a step of stream time: the out-of-order records reach back 1.5 retentions, so that some are
        // older than the grace period when they come and some only by the end of their batch
        List<List<ConsumerRecord<byte[], byte[]>>> batches = changelog(RECORDS, 100, 10_000, 40, 1_500,
                (key, time) -> key);
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            List<String> kafka = restoreVersioned(Stores.persistentVersionedKeyValueStore("v", retention, segment)
                    .get(), batches);
            List<String> turbokv = restoreVersioned(TurboKvStores.persistentVersionedKeyValueStore("v", retention,
                    segment).get(), batches);
            assertEquals(kafka, turbokv);
            assertNotEquals(RECORDS, takenCount(kafka.getFirst()), "some records dropped");
            assertTrue(warnings.messages().stream().allMatch(m -> m.contains("expired get")), "reads far back only");
        }
    }

    @Test
    void aWindowRestoreIntoAnExpiredSegmentLeavesThePositionAsKafkasStore() {
        Duration retention = Duration.ofMinutes(5); // segments of 150 s, Kafka's min(retention / 2, 60 s)
        List<List<ConsumerRecord<byte[], byte[]>>> batches = changelog(RECORDS, 250, 1_000_000, 2_000, 400_000,
                (key, time) -> TurboKvWindowStore.segmentKey(key, time, 0));
        List<String> kafka = restoreWindows(Stores.persistentTimestampedWindowStore("w", retention,
                Duration.ofSeconds(10), false).get(), batches);
        List<String> turbokv = restoreWindows(TurboKvStores.persistentTimestampedWindowStore("w", retention,
                Duration.ofSeconds(10), false).get(), batches);
        assertEquals(kafka, turbokv);
        assertNotEquals(RECORDS, takenCount(kafka.getFirst()), "some records dropped");
    }

    @Test
    void aSessionRestoreIntoAnExpiredSegmentLeavesThePositionAsKafkasStore() {
        Duration retention = Duration.ofMinutes(5);
        List<List<ConsumerRecord<byte[], byte[]>>> batches = changelog(RECORDS, 250, 1_000_000, 2_000, 400_000,
                (key, end) -> ByteBuffer.allocate(key.length + 16).put(key).putLong(end).putLong(end - 1_000)
                        .array());
        List<String> kafka = restoreSessions(Stores.persistentSessionStore("s", retention).get(), batches);
        List<String> turbokv = restoreSessions(TurboKvStores.persistentSessionStore("s", retention).get(), batches);
        assertEquals(kafka, turbokv);
        assertNotEquals(RECORDS, takenCount(kafka.getFirst()), "some records dropped");
    }

    /** Restores {@code batches} into a versioned bytes store; returns its position and every key's versions. */
    private List<String> restoreVersioned(org.apache.kafka.streams.state.KeyValueStore<Bytes, byte[]> store,
                                          List<List<ConsumerRecord<byte[], byte[]>>> batches) {
        return restore(store, batches, () -> {
            List<String> answers = new ArrayList<>();
            long end = batches.stream().flatMap(List::stream).mapToLong(ConsumerRecord::timestamp).max()
                    .orElseThrow(); // stream time: a history query to it reads every segment
            for (String key : KEYS) {
                answers.add(key + ": " + ask(store, MultiVersionedKeyQuery.<Bytes, byte[]>withKey(key(key))
                        .fromTime(Instant.ofEpochMilli(end - 1_000)).toTime(Instant.ofEpochMilli(end))));
                for (long asOf = end - 1_100; asOf <= end; asOf += 37) {
                    answers.add(key + "@" + asOf + ": " + ask(store, VersionedKeyQuery.<Bytes, byte[]>withKey(key(key))
                            .asOf(Instant.ofEpochMilli(asOf))));
                }
            }
            return answers;
        });
    }

    private List<String> restoreWindows(WindowStore<Bytes, byte[]> store,
                                        List<List<ConsumerRecord<byte[], byte[]>>> batches) {
        return restore(store, batches, () -> {
            List<String> answers = new ArrayList<>();
            try (KeyValueIterator<Windowed<Bytes>, byte[]> all = store.all()) {
                all.forEachRemaining(entry -> answers.add(render(entry)));
            }
            return answers;
        });
    }

    private List<String> restoreSessions(SessionStore<Bytes, byte[]> store,
                                         List<List<ConsumerRecord<byte[], byte[]>>> batches) {
        return restore(store, batches, () -> {
            List<String> answers = new ArrayList<>();
            for (String key : KEYS) {
                try (KeyValueIterator<Windowed<Bytes>, byte[]> sessions = store.fetch(key(key))) {
                    sessions.forEachRemaining(entry -> answers.add(render(entry)));
                }
            }
            return answers;
        });
    }

    /**
     * Opens {@code store} (Kafka's with {@link KafkaStoreContext}), restores {@code batches} through its batching
     * callback, and returns its position followed by what {@code contents} reads.
     */
    private List<String> restore(StateStore store, List<List<ConsumerRecord<byte[], byte[]>>> batches,
                                 java.util.function.Supplier<List<String>> contents) {
        Path taskDir = stateDir.resolve("run" + runs++);
        try {
            java.nio.file.Files.createDirectories(taskDir); // Streams creates the task's directory before its stores
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        StubStateStoreContext stub = new StubStateStoreContext(taskDir, CONSISTENT);
        store.init(store.getClass().getName().startsWith("io.turbokv") ? stub : KafkaStoreContext.of(stub), store);
        try {
            RecordBatchingStateRestoreCallback callback = assertInstanceOf(RecordBatchingStateRestoreCallback.class,
                    stub.restoreCallback);
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
                callback.restoreBatch(batch);
            }
            List<String> answers = new ArrayList<>();
            answers.add(taken(store.getPosition()));
            answers.addAll(contents.get());
            return answers;
        } finally {
            store.close();
        }
    }

    /**
     * A changelog of {@code count} records over {@link #KEYS}, in batches of {@code batchSize}: stream time moves on
     * from {@code start} by up to {@code step} in two records of three, the others are up to {@code lateness}
     * before it; record i was written at offset i of input partition i, as its position header says. {@code storeKey} makes the
     * changelog key of a record key and its time.
     */
    static List<List<ConsumerRecord<byte[], byte[]>>> changelog(int count, int batchSize, long start,
                                                                long step, long lateness,
                                                                StoreKey storeKey) {
        SplittableRandom random = new SplittableRandom(17);
        List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        long streamTime = start;
        for (int i = 0; i < count; i++) {
            long time;
            if (random.nextInt(3) < 2) {
                streamTime += random.nextLong(step + 1);
                time = streamTime;
            } else {
                time = streamTime - random.nextLong(lateness);
            }
            byte[] key = KEYS.get(random.nextInt(KEYS.size())).getBytes(StandardCharsets.UTF_8);
            byte[] value = random.nextInt(10) == 0 ? null : ("v" + i).getBytes(StandardCharsets.UTF_8);
            RecordHeaders headers = new RecordHeaders();
            headers.add(ChangelogRecordDeserializationHelper.CHANGELOG_VERSION_HEADER_RECORD_CONSISTENCY);
            ByteBuffer position = PositionSerde.serialize(Position.fromMap(Map.of("in", Map.of(i, (long) i))));
            byte[] positionBytes = new byte[position.remaining()];
            position.get(positionBytes);
            headers.add(new RecordHeader(ChangelogRecordDeserializationHelper.CHANGELOG_POSITION_HEADER_KEY,
                    positionBytes));
            batch.add(new ConsumerRecord<>("changelog", 0, i, time, TimestampType.CREATE_TIME, 0, 0,
                    storeKey.of(key, time), value, headers, Optional.empty()));
            if (batch.size() == batchSize) {
                batches.add(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    /** Makes a changelog key of a record key and its time. */
    @FunctionalInterface
    interface StoreKey {
        byte[] of(byte[] key, long time);
    }

    /**
     * {@return the records a position says the store took, rendered in order} Record i's write is at partition i of
     * the input topic, so that the position names every record taken, not just the latest.
     */
    static String taken(Position position) {
        return "taken " + new java.util.TreeSet<>(position.getPartitionPositions("in").keySet());
    }

    /** {@return how many records a rendered {@link #taken} names} */
    private static int takenCount(String taken) {
        return taken.split(",").length;
    }

    private static String ask(StateStore store, Query<?> query) {
        return QueryAnswers.ask(store, query, CONFIG, true);
    }

    static String render(KeyValue<Windowed<Bytes>, byte[]> entry) {
        return string(entry.key.key().get()) + "@" + entry.key.window().start() + ".." + entry.key.window().end()
                + " = " + java.util.Arrays.toString(entry.value);
    }

}
