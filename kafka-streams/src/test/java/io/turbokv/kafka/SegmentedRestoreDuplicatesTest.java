package io.turbokv.kafka;

import static io.turbokv.kafka.RestoreParityTest.CONSISTENT;
import static io.turbokv.kafka.RestoreParityTest.render;
import static io.turbokv.kafka.RestoreParityTest.taken;
import static io.turbokv.kafka.TestBytes.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.PositionSerde;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@code SegmentedRestoreTest}'s changelog almost never has (5 keys, millisecond times picked at random: an
 * exact segment key repeats rarely): the same segment key written many times in one restore batch and across batches
 * (puts, deletes, a put after a delete), one record key in many windows, late records, segments expiring, at commit
 * buffer bounds 0, 6 KiB and 16 MiB; the restored window or session store must equal Kafka's RocksDB store restored
 * from the same batches after every batch, and once reopened.
 */
class SegmentedRestoreDuplicatesTest {
    private static final Duration RETENTION = Duration.ofMinutes(5);
    private static final List<String> KEYS = List.of("a", "ab", "b");

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private int runs;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (boolean window : new boolean[] {true, false}) {
            for (long bound : new long[] {0, 6 << 10, 16 << 20}) {
                cases.add(Arguments.of(window, bound));
            }
        }
        return cases.stream();
    }

    /** 40 batches of 100: times on a 10 s grid, a few grid points around stream time, so keys repeat in a batch. */
    private static List<List<ConsumerRecord<byte[], byte[]>>> changelog(boolean window) {
        SplittableRandom random = new SplittableRandom(5);
        List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
        long streamTime = 1_000_000;
        int offset = 0;
        for (int b = 0; b < 40; b++) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++, offset++) {
                if (random.nextInt(10) == 0) {
                    streamTime += 10_000; // some 40 minutes over the changelog: segments expire as it goes
                }
                long time = streamTime - 10_000L * random.nextInt(4);
                byte[] recordKey = KEYS.get(random.nextInt(KEYS.size())).getBytes(StandardCharsets.UTF_8);
                byte[] storeKey = window ? TurboKvWindowStore.segmentKey(recordKey, time, 0)
                        : TurboKvSessionStore.segmentKey(recordKey, time - 5_000, time);
                byte[] value = random.nextInt(4) == 0 ? null : ("v" + offset).getBytes(StandardCharsets.UTF_8);
                RecordHeaders headers = new RecordHeaders();
                headers.add(ChangelogRecordDeserializationHelper.CHANGELOG_VERSION_HEADER_RECORD_CONSISTENCY);
                ByteBuffer position = PositionSerde.serialize(Position.fromMap(Map.of("in",
                        Map.of(offset, (long) offset))));
                byte[] positionBytes = new byte[position.remaining()];
                position.get(positionBytes);
                headers.add(new RecordHeader(ChangelogRecordDeserializationHelper.CHANGELOG_POSITION_HEADER_KEY,
                        positionBytes));
                batch.add(new ConsumerRecord<>("changelog", 0, offset, time, TimestampType.CREATE_TIME, 0, 0,
                        storeKey, value, headers, Optional.empty()));
            }
            batches.add(batch);
        }
        return batches;
    }

    private static StateStore store(boolean window, boolean kafka) {
        if (window) {
            return kafka ? Stores.persistentTimestampedWindowStore("w", RETENTION, Duration.ofSeconds(10), false)
                    .get()
                    : TurboKvStores.persistentTimestampedWindowStore("w", RETENTION, Duration.ofSeconds(10),
                            false).get();
        }
        return kafka ? Stores.persistentSessionStore("w", RETENTION).get()
                : TurboKvStores.persistentSessionStore("w", RETENTION).get();
    }

    private static RecordBatchingStateRestoreCallback open(StateStore store, Path taskDir, long bound)
            throws Exception {
        Files.createDirectories(taskDir);
        Map<String, Object> configs = new HashMap<>(CONSISTENT);
        configs.put(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, bound);
        StubStateStoreContext stub = new StubStateStoreContext(taskDir, configs);
        store.init(KafkaStoreContext.of(stub, true), store);
        return assertInstanceOf(RecordBatchingStateRestoreCallback.class, stub.restoreCallback);
    }

    @SuppressWarnings("unchecked")
    private static List<String> state(StateStore store, boolean withPosition) {
        List<String> answers = new ArrayList<>();
        if (withPosition) {
            answers.add(taken(store.getPosition()));
        }
        if (store instanceof WindowStore<?, ?> window) {
            try (KeyValueIterator<Windowed<Bytes>, byte[]> all = ((WindowStore<Bytes, byte[]>) window).all()) {
                all.forEachRemaining(entry -> answers.add(render(entry)));
            }
        } else {
            for (String k : KEYS) {
                try (KeyValueIterator<Windowed<Bytes>, byte[]> found = ((SessionStore<Bytes, byte[]>) store)
                        .fetch(key(k))) {
                    found.forEachRemaining(entry -> answers.add(render(entry)));
                }
            }
        }
        return answers;
    }

    @ParameterizedTest(name = "window {0}, bound {1} bytes")
    @MethodSource("cases")
    void repeatedSegmentKeysRestoreAsKafkasStoreDoes(boolean window, long bound) throws Exception {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = changelog(window);
        StateStore kafka = store(window, true);
        StateStore turbo = store(window, false);
        Path kafkaDir = stateDir.resolve("kafka" + runs);
        Path turboDir = stateDir.resolve("turbo" + runs++);
        RecordBatchingStateRestoreCallback kafkaRestore = open(kafka, kafkaDir, bound);
        RecordBatchingStateRestoreCallback turboRestore = open(turbo, turboDir, bound);
        try {
            for (int b = 0; b < batches.size(); b++) {
                kafkaRestore.restoreBatch(batches.get(b));
                turboRestore.restoreBatch(batches.get(b));
                if (b % 10 == 9) { // not every batch: a read settles the appended list into the tree
                    assertEquals(state(kafka, true), state(turbo, true), "after batch " + b);
                }
            }
        } finally {
            kafka.close();
            turbo.close();
        }
        StateStore kafkaReopened = store(window, true);
        StateStore turboReopened = store(window, false);
        open(kafkaReopened, kafkaDir, bound);
        open(turboReopened, turboDir, bound);
        try {
            assertEquals(state(kafkaReopened, false), state(turboReopened, false), "reopened");
        } finally {
            kafkaReopened.close();
            turboReopened.close();
        }
    }
}
