package io.turbokv.kafka;

import static io.turbokv.kafka.StateDirs.crashImage;
import static io.turbokv.kafka.StoreOnDisk.offsetsOnDisk;
import static io.turbokv.kafka.StoreOnDisk.onDisk;
import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a key-value store with a changelog holds after a restore: the changelog's last write of each key, a null value
 * deleting it, whether the restore batches stay in memory or cross the commit buffer's bound (0: every batch
 * written; a few KiB: written every few batches; the default 16 MiB: never during the restore), with reads between
 * batches and Streams commits after them; and, after a crash in the middle of a restore, the offsets on disk are those
 * committed before it (a restore moves none), so that restoring the changelog after them again gives the same store.
 */
@SuppressWarnings("deprecation") // flush: Kafka Streams deprecates it for commit; here it writes what is in memory
class RestoreContentsTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-s-changelog", 0);
    /** Offsets 0 to 4 are the writes committed and flushed before the restore. */
    private static final long FIRST_RESTORED = 5;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static TurboKvKeyValueStore open(Path directory, long boundBytes) {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        Map<String, Object> appConfigs = Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, boundBytes);
        store.init(new SegmentContext(new StubStateStoreContext(directory, appConfigs), directory, true), store);
        return store;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ConsumerRecord<byte[], byte[]> changelogRecord(long offset, String key, String value) {
        return new ConsumerRecord<>(CHANGELOG.topic(), CHANGELOG.partition(), offset, 0L, TimestampType.CREATE_TIME,
                0, 0, bytes(key), value == null ? null : bytes(value), new RecordHeaders(), Optional.empty());
    }

    /**
     * {@return a changelog from {@link #FIRST_RESTORED} on, cut into batches of 1 to 150 records, over 40 keys (so
     * that keys repeat within and across batches), a fifth of the records deletes; values of 40 to 240 bytes}
     */
    private static List<List<ConsumerRecord<byte[], byte[]>>> changelog(long seed, int records) {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
        long offset = FIRST_RESTORED;
        while (offset < FIRST_RESTORED + records) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            int size = 1 + random.nextInt(150);
            for (int i = 0; i < size && offset < FIRST_RESTORED + records; i++, offset++) {
                String key = "k" + random.nextInt(40);
                String value = random.nextInt(5) == 0 ? null
                        : offset + "-" + "v".repeat(40 + random.nextInt(200));
                batch.add(changelogRecord(offset, key, value));
            }
            batches.add(batch);
        }
        return batches;
    }

    /** {@return what the store holds once {@code batches} are applied over the writes of {@link #writeBefore}} */
    private static TreeMap<String, String> expected(List<List<ConsumerRecord<byte[], byte[]>>> batches) {
        TreeMap<String, String> contents = new TreeMap<>();
        for (int i = 0; i < FIRST_RESTORED; i++) {
            contents.put("k" + i, "before");
        }
        for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                if (record.value() == null) {
                    contents.remove(key);
                } else {
                    contents.put(key, new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return contents;
    }

    /** Writes k0 to k4 at changelog offsets 0 to 4, commits them and flushes them to disk. */
    private static void writeBefore(TurboKvKeyValueStore store) {
        for (int i = 0; i < FIRST_RESTORED; i++) {
            store.put(key("k" + i), bytes("before"));
        }
        store.commit(Map.of(CHANGELOG, FIRST_RESTORED - 1));
        store.flush();
    }

    private static TreeMap<String, String> contents(KeyValueIterator<Bytes, byte[]> iterator) {
        TreeMap<String, String> contents = new TreeMap<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> contents.put(string(kv.key.get()), string(kv.value)));
        }
        return contents;
    }

    @ParameterizedTest(name = "bound {0} bytes")
    @ValueSource(longs = {0, 6 << 10, 16 << 20})
    void aRestoreHoldsTheLastWriteOfEachKeyAcrossBatchesAndTheBound(long bound) throws IOException {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = changelog(bound, 3_000);
        TreeMap<String, String> expected = expected(batches);
        TreeMap<String, String> soFar = expected(List.of());
        TurboKvKeyValueStore store = open(stateDir, bound);
        try {
            writeBefore(store);
            for (int b = 0; b < batches.size(); b++) {
                store.restoreCallback().restoreBatch(batches.get(b));
                soFar = expected(batches.subList(0, b + 1));
                if (b % 7 == 3) { // reads between batches, as a stale interactive query on a restoring store reads
                    assertEquals(soFar, contents(store.all()), "after batch " + b);
                    for (int k = 0; k < 40; k++) {
                        byte[] value = store.get(key("k" + k));
                        assertEquals(soFar.get("k" + k), value == null ? null : string(value), "k" + k);
                    }
                }
            }
            assertEquals(expected, contents(store.all()));
            assertEquals(expected, contents(store.reverseAll()).descendingMap());
            assertEquals(FIRST_RESTORED - 1, store.committedOffset(CHANGELOG), "a restore moves no offset");
            long last = batches.getLast().getLast().offset();
            // processing resumes after the restore: its writes go over the restored ones
            store.put(key("k1"), bytes("after"));
            store.delete(key("k2"));
            expected.put("k1", "after");
            expected.remove("k2");
            store.commit(Map.of(CHANGELOG, last + 2));
            assertEquals(expected, contents(store.all()));
            assertEquals("after", string(store.get(key("k1"))));
            assertNull(store.get(key("k2")));
        } finally {
            store.close();
        }
        assertEquals(expected, onDisk(stateDir.resolve("s")));
        assertEquals(Map.of(CHANGELOG, batches.getLast().getLast().offset() + 2), offsetsOnDisk(stateDir.resolve("s")));
    }

    @ParameterizedTest(name = "bound {0} bytes")
    @ValueSource(longs = {0, 6 << 10, 16 << 20})
    void aCrashInTheMiddleOfARestoreKeepsTheOffsetsBeforeItAndARestoreAgainGivesTheSameStore(long bound)
            throws IOException {
        List<List<ConsumerRecord<byte[], byte[]>>> batches = changelog(bound + 1, 2_000);
        TurboKvKeyValueStore store = open(stateDir, bound);
        Path crashed;
        try {
            writeBefore(store);
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches.subList(0, batches.size() / 2)) {
                store.restoreCallback().restoreBatch(batch);
            }
            crashed = crashImage(stateDir.resolve("s"), stateDir.resolve("crash").resolve("s"));
        } finally {
            store.close();
        }
        assertEquals(Map.of(CHANGELOG, FIRST_RESTORED - 1), offsetsOnDisk(crashed),
                "the offsets on disk are never ahead of the data");
        if (bound == 0) {
            assertEquals(expected(batches.subList(0, batches.size() / 2)), onDisk(crashed),
                    "every restore batch was written");
        } else if (bound > 1 << 20) {
            assertEquals(expected(List.of()), onDisk(crashed), "no restore batch was written");
        }
        TurboKvKeyValueStore reopened = open(stateDir.resolve("crash"), bound);
        try {
            assertEquals(FIRST_RESTORED - 1, reopened.committedOffset(CHANGELOG));
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) { // Streams restores after the offsets
                reopened.restoreCallback().restoreBatch(batch);
            }
            assertEquals(expected(batches), contents(reopened.all()));
        } finally {
            reopened.close();
        }
        assertEquals(expected(batches), onDisk(crashed));
        assertTrue(onDisk(crashed).size() > FIRST_RESTORED, "the changelog wrote more keys than the writes before");
    }
}
