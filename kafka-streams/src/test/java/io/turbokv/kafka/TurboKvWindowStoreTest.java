package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The window store's segments, retention, duplicates and restore, driven directly. */
class TurboKvWindowStoreTest {
    /** Two minutes of retention: one-minute segments. */
    private static final Duration RETENTION = Duration.ofMinutes(2);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private StubStateStoreContext context;
    private WindowStore<Bytes, byte[]> store;

    @AfterEach
    void close() {
        store.close();
    }

    private WindowStore<Bytes, byte[]> open(boolean retainDuplicates) {
        return open(retainDuplicates, Map.of());
    }

    private WindowStore<Bytes, byte[]> open(boolean retainDuplicates, Map<String, Object> appConfigs) {
        context = new StubStateStoreContext(stateDir, appConfigs);
        WindowStore<Bytes, byte[]> opened = TurboKvStores.persistentWindowStore("w", RETENTION,
                Duration.ofSeconds(10), retainDuplicates).get();
        opened.init(context, opened);
        return opened;
    }

    private static List<String> windows(WindowStoreIterator<byte[]> iterator) {
        List<String> windows = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> windows.add(kv.key + "=" + new String(kv.value, StandardCharsets.UTF_8)));
        }
        return windows;
    }

    private List<String> segmentDirectories() throws Exception {
        try (Stream<Path> children = Files.list(stateDir.resolve("w"))) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSegmentExpiringUnderAnOpenIteratorIsSkippedAsKafkasStoresSkipIt() {
        store = open(false);
        store.put(key("a"), value("1"), 10_000); // segment 0
        store.put(key("a"), value("2"), 70_000); // segment 1
        store.put(key("a"), value("3"), 80_000);
        try (WindowStoreIterator<byte[]> iterator = store.fetch(key("a"), 0L, 100_000L)) {
            assertEquals(10_000L, iterator.next().key);
            // stream time 200,000: segment 0 expires (retention 2 minutes) while the iterator reads it
            store.put(key("b"), value("4"), 200_000);
            assertEquals(70_000L, iterator.next().key);
            assertEquals(80_000L, iterator.next().key);
            assertFalse(iterator.hasNext());
        }
    }

    @Test
    void windowsLiveInOneSegmentPerMinuteAndSurviveAReopen() throws Exception {
        store = open(false);
        store.put(key("a"), value("1"), 10_000);
        store.put(key("a"), value("2"), 70_000);
        store.put(key("b"), value("3"), 70_000);
        store.commit(Map.of());
        assertEquals(List.of("w.0", "w.60000"), segmentDirectories());
        store.close();
        store = open(false);
        assertEquals("1", new String(store.fetch(key("a"), 10_000), StandardCharsets.UTF_8));
        assertEquals(List.of("10000=1", "70000=2"), windows(store.fetch(key("a"), 0, 100_000)));
        assertEquals(List.of("70000=2", "10000=1"), windows(store.backwardFetch(key("a"), 0, 100_000)));
    }

    @Test
    void retentionDropsWholeSegmentsAndHidesExpiredWindows() throws Exception {
        store = open(false);
        store.put(key("a"), value("1"), 10_000);
        store.put(key("a"), value("2"), 130_000); // stream time 130 s: windows before 10,001 ms are expired
        assertNull(store.fetch(key("a"), 10_000));
        assertEquals(List.of("w.0", "w.120000"), segmentDirectories(), "segment 0 still holds live time");
        store.put(key("a"), value("3"), 190_000); // the oldest live segment is now 60,000
        assertEquals(List.of("w.120000", "w.180000"), segmentDirectories());
        store.put(key("a"), value("late"), 20_000); // in a dropped segment: ignored
        assertEquals(List.of("130000=2", "190000=3"), windows(store.fetch(key("a"), 0, 200_000)));
        assertEquals(List.of("w.120000", "w.180000"), segmentDirectories());
    }

    @Test
    void aCrashWhileAnExpiredSegmentIsDeletedLeavesAStoreThatOpensWithoutIt() throws Exception {
        store = open(false);
        store.put(key("a"), value("1"), 10_000);
        store.commit(Map.of());
        int[] deleted = {0};
        ((SegmentedStore) store).segments.deleter = file -> { // the process dies after deleting three files
            if (deleted[0]++ == 3) {
                throw new IOException("simulated crash while deleting " + file);
            }
            Files.delete(file);
        };
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            store.put(key("a"), value("2"), 190_000); // expires segment 0
            assertEquals(1, warnings.messages().size(), "the rest of the deletion is left to the next open");
        } catch (ProcessorStateException crash) {
            // the crash, as a deletion that is not out of the way reports it
        }
        store.close();
        store = open(false);
        assertNull(store.fetch(key("a"), 10_000));
        assertTrue(segmentDirectories().stream().noneMatch(name -> name.startsWith("w.0")), segmentDirectories()
                .toString());
    }

    @Test
    void theOffsetsOfAStoreWithoutSegmentsAreWhatItReportsAfterAReopen() {
        TopicPartition changelog = new TopicPartition("app-w-changelog", 0);
        store = open(false);
        store.commit(Map.of(changelog, 5L)); // no write yet: no segment to hold them
        Long reported = store.committedOffset(changelog);
        store.close();
        store = open(false);
        assertEquals(reported, store.committedOffset(changelog), "an offset reported but never written");
    }

    @Test
    void aStoreRetainingDuplicatesKeepsEveryValueAndIgnoresNull() {
        store = open(true);
        store.put(key("a"), value("1"), 10_000);
        store.put(key("a"), value("2"), 10_000);
        store.put(key("a"), null, 10_000);
        assertEquals(List.of("10000=1", "10000=2"), windows(store.fetch(key("a"), 0, 20_000)));
    }

    @Test
    void restoreWritesChangelogRecordsToTheirSegments() {
        store = open(false);
        RecordBatchingStateRestoreCallback restore = assertInstanceOf(RecordBatchingStateRestoreCallback.class,
                context.restoreCallback);
        restore.restoreBatch(List.of(record(0, "a", 10_000, "1"), record(1, "a", 70_000, "2"),
                record(2, "a", 10_000, null)));
        assertEquals(List.of("70000=2"), windows(store.fetch(key("a"), 0, 100_000)));
        assertEquals(0, store.approximateNumUncommittedBytes(), "the batch is committed");
        List<KeyValue<Long, byte[]>> none = new ArrayList<>();
        store.fetch(key("b"), 0, 100_000).forEachRemaining(none::add);
        assertEquals(List.of(), none);
    }

    @Test
    @SuppressWarnings("deprecation") // flush: Kafka Streams deprecates it for commit
    void flushWritesTheBuffersAndKeepsTheCommittedOffsets() throws Exception {
        TopicPartition changelog = new TopicPartition("app-w-changelog", 0);
        store = open(false);
        store.put(key("a"), value("1"), 10_000);
        store.commit(Map.of(changelog, 5L));
        store.put(key("a"), value("2"), 70_000);
        store.flush();
        assertEquals(5L, store.committedOffset(changelog), "a flush is no reason to rebuild the store");
        store.close();
        store = open(false);
        assertEquals(5L, store.committedOffset(changelog));
    }

    @Test
    void aCommitOfSeveralSegmentsCarriesOnePositionAndOffsetsForAll() throws Exception {
        TopicPartition changelog = new TopicPartition("app-w-changelog", 0);
        store = open(false);
        context.recordMetadata = new StubRecordMetadata("in", 0, 7);
        store.put(key("a"), value("1"), 10_000);
        store.put(key("a"), value("2"), 70_000);
        store.commit(Map.of(changelog, 1L));
        context.recordMetadata = new StubRecordMetadata("in", 0, 8);
        store.put(key("b"), value("3"), 70_000); // only the newer segment is written by this commit
        store.commit(Map.of(changelog, 2L));
        store.commit(Map.of(changelog, 3L)); // offsets only: recorded in the newest segment
        store.close();
        store = open(false);
        assertEquals(3L, store.committedOffset(changelog));
        assertEquals(Position.fromMap(Map.of("in", Map.of(0, 8L))), store.getPosition());
    }

    @Test
    void aCrashBetweenTwoSegmentsCommitsLeavesThePositionAndOffsetsOfTheCommitBefore() throws Exception {
        TopicPartition changelog = new TopicPartition("app-w-changelog", 0);
        store = open(false);
        context.recordMetadata = new StubRecordMetadata("in", 0, 7);
        store.put(key("a"), value("1"), 10_000);
        store.put(key("a"), value("2"), 70_000);
        store.commit(Map.of(changelog, 1L));
        Position before = store.getPosition();
        store.close();
        Path newer = stateDir.resolve("w").resolve("w.60000");
        Path newerBefore = stateDir.resolve("w.60000-before");
        copy(newer, newerBefore);

        store = open(false);
        context.recordMetadata = new StubRecordMetadata("in", 0, 8);
        store.put(key("a"), value("3"), 10_000);
        store.put(key("a"), value("4"), 70_000);
        store.commit(Map.of(changelog, 2L));
        store.close();
        // the disk as a crash after the older segment's batch of that commit and before the newer one's leaves it
        delete(newer);
        copy(newerBefore, newer);

        store = open(false);
        assertEquals(1L, store.committedOffset(changelog), "the commit did not reach every segment: Streams "
                + "replays the changelog from the offsets of the one before");
        assertEquals(before, store.getPosition());
        assertEquals("3", new String(store.fetch(key("a"), 10_000), StandardCharsets.UTF_8),
                "the older segment holds its part of the newer commit, which the replay writes again");
        assertEquals("2", new String(store.fetch(key("a"), 70_000), StandardCharsets.UTF_8));
        store.put(key("b"), value("5"), 70_000);
        store.commit(Map.of(changelog, 4L)); // a later complete commit is trusted again
        store.close();
        store = open(false);
        assertEquals(4L, store.committedOffset(changelog));
    }

    @Test
    void underExactlyOnceWithoutTransactionalStoresLargeWritesAreWrittenEarlyAndForgetTheOffsets() {
        Map<String, Object> exactlyOnce = Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.EXACTLY_ONCE_V2);
        TopicPartition changelog = new TopicPartition("app-w-changelog", 0);
        store = open(false, exactlyOnce);
        store.put(key("a"), value("1"), 10_000);
        store.commit(Map.of(changelog, 3L)); // as Streams does when it closes the task cleanly
        store.close();
        store = open(false, exactlyOnce);
        assertEquals(3L, store.committedOffset(changelog));
        byte[] large = new byte[1 << 20];
        int puts = (int) (TurboKvKeyValueStore.SPILL_BYTES / large.length); // the last one crosses the threshold
        for (int i = 0; i < puts; i++) {
            store.put(key("large" + i), large, i % 2 == 0 ? 10_000 : 70_000); // in both segments
        }
        assertEquals(0, store.approximateNumUncommittedBytes(), "the writes were written before growing further");
        assertNull(store.committedOffset(changelog),
                "the written data may belong to an open transaction: after a crash Streams must rebuild the store");
        store.close(); // a crash
        store = open(false, exactlyOnce);
        assertNull(store.committedOffset(changelog));
        assertEquals(large.length, store.fetch(key("large1"), 70_000).length, "the spilled writes are there");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    private static void delete(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, long windowStart, String value) {
        return new ConsumerRecord<>("w-changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                TurboKvWindowStore.segmentKey(value(key), windowStart, 0), value == null ? null : value(value),
                new RecordHeaders(), Optional.empty());
    }
}
