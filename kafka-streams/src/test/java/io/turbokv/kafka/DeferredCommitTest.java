package io.turbokv.kafka;

import static io.turbokv.kafka.StateDirs.crashImage;
import static io.turbokv.kafka.StoreOnDisk.offsetsOnDisk;
import static io.turbokv.kafka.StoreOnDisk.onDisk;
import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.TurboKV;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key-value store with a changelog defers its commits as Kafka's RocksDB store does without its write-ahead log:
 * a Streams commit keeps the writes, position and offsets in memory, where every read sees them, and they reach the
 * disk together, as one write batch, past a size or age bound, at a flush or at a clean close. After a crash (the
 * store's directory as it is on disk, copied while the store is open) the store reports the offsets of the data on
 * disk, never past it, and a restore of the changelog after them brings back what was lost. A store without a
 * changelog still writes every commit.
 */
@SuppressWarnings("deprecation") // flush: Kafka Streams deprecates it for commit; here it writes what is in memory
class DeferredCommitTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-s-changelog", 0);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    /**
     * A store that Kafka Streams keeps a changelog of, in {@code directory}/s. Streams says so through its internal
     * context; the context of a store kept inside another says so too, and is what this test opens the store with.
     */
    private static TurboKvKeyValueStore open(Path directory, Map<String, Object> appConfigs) {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        store.init(new SegmentContext(new StubStateStoreContext(directory, appConfigs), directory, true), store);
        return store;
    }

    private static long engineCommits(TurboKvKeyValueStore store) {
        return store.metricsSnapshot().commits().commits();
    }

    private static List<String> entries(KeyValueIterator<Bytes, byte[]> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> entries.add(string(kv.key.get()) + "=" + string(kv.value)));
        }
        return entries;
    }

    private static ConsumerRecord<byte[], byte[]> changelogRecord(long offset, String key, String value) {
        return new ConsumerRecord<>(CHANGELOG.topic(), CHANGELOG.partition(), offset, 0L, TimestampType.CREATE_TIME,
                0, 0, value(key), value == null ? null : value(value), new RecordHeaders(), Optional.empty());
    }

    @Test
    void aStreamsCommitKeepsTheWritesInMemoryAndEveryReadSeesThem() throws IOException {
        TurboKvKeyValueStore store = open(stateDir, Map.of());
        try {
            store.put(key("a"), value("1"));
            store.put(key("b"), value("2"));
            store.commit(Map.of(CHANGELOG, 1L));
            store.put(key("c"), value("3"));
            store.commit(Map.of(CHANGELOG, 2L));
            assertEquals(0, engineCommits(store), "no TurboKV commit, no file written");
            assertEquals(Map.of(), onDisk(stateDir.resolve("s")));
            assertEquals(0, store.approximateNumUncommittedBytes(), "the committed writes are not uncommitted");
            assertEquals(2L, store.committedOffset(CHANGELOG), "the offsets of the store's view");
            assertEquals("1", string(store.get(key("a"))));
            assertEquals(List.of("a=1", "b=2", "c=3"), entries(store.all()));
            assertEquals(List.of("c=3", "b=2"), entries(store.reverseRange(key("b"), key("c"))));
            assertEquals(List.of("b=2"), entries(store.prefixScan("b", Serdes.String().serializer())));
            assertEquals(3, store.approximateNumEntries());
            QueryResult<byte[]> one = store.query(KeyQuery.withKey(key("c")), PositionBound.unbounded(),
                    new QueryConfig(false));
            assertEquals("3", string(one.getResult()));
            QueryResult<KeyValueIterator<Bytes, byte[]>> range = store.query(RangeQuery.withNoBounds(),
                    PositionBound.unbounded(), new QueryConfig(false));
            assertEquals(List.of("a=1", "b=2", "c=3"), entries(range.getResult()));
        } finally {
            store.close();
        }
    }

    @Test
    void orderedReadsMergeTheBufferOverTheCommittedWritesOverTheDisk() {
        TurboKvKeyValueStore store = open(stateDir, Map.of());
        try {
            for (String k : List.of("a", "b", "c", "d")) {
                store.put(key(k), value("disk"));
            }
            store.commit(Map.of(CHANGELOG, 4L));
            store.flush(); // on disk
            store.delete(key("b"));
            store.put(key("c"), value("committed"));
            store.put(key("e"), value("committed"));
            store.put(key("f"), value("committed"));
            store.commit(Map.of(CHANGELOG, 8L)); // in memory
            store.put(key("a"), value("buffered"));
            store.delete(key("e"));
            store.put(key("f"), value("buffered"));
            store.put(key("g"), value("buffered"));
            List<String> expected = List.of("a=buffered", "c=committed", "d=disk", "f=buffered", "g=buffered");
            assertEquals(expected, entries(store.all()));
            assertEquals(expected.reversed(), entries(store.reverseAll()));
            assertEquals(List.of("c=committed", "d=disk", "f=buffered"), entries(store.range(key("b"), key("f"))));
            assertEquals(List.of("f=buffered", "d=disk", "c=committed"),
                    entries(store.reverseRange(key("b"), key("f"))));
            assertNull(store.get(key("b")));
            assertNull(store.get(key("e")));
            assertEquals("committed", string(store.get(key("c"))));
        } finally {
            store.close();
        }
    }

    @Test
    void aCrashLosesTheCommittedWritesInMemoryWithTheirOffsetsAndARestoreBringsThemBack() throws IOException {
        TurboKvKeyValueStore store = open(stateDir, Map.of());
        Path crashed;
        try {
            store.put(key("a"), value("1"));
            store.put(key("b"), value("1"));
            store.commit(Map.of(CHANGELOG, 1L));
            store.flush(); // offsets 1 on disk with a=1, b=1
            store.put(key("a"), value("2"));
            store.delete(key("b"));
            store.put(key("c"), value("1"));
            store.commit(Map.of(CHANGELOG, 4L)); // changelog offsets 2 to 4 hold these writes
            assertEquals(4L, store.committedOffset(CHANGELOG));
            crashed = crashImage(stateDir.resolve("s"), stateDir.resolve("crash").resolve("s"));
        } finally {
            store.close();
        }
        TurboKvKeyValueStore reopened = open(stateDir.resolve("crash"), Map.of());
        try {
            assertEquals(1L, reopened.committedOffset(CHANGELOG), "the offsets of the data on disk, not past it");
            assertEquals(List.of("a=1", "b=1"), entries(reopened.all()));
            // Streams restores the changelog after the store's offsets
            reopened.restoreCallback().restoreBatch(List.of(changelogRecord(2, "a", "2"),
                    changelogRecord(3, "b", null), changelogRecord(4, "c", "1")));
            assertEquals(List.of("a=2", "c=1"), entries(reopened.all()), "nothing lost, nothing twice");
            reopened.commit(Map.of(CHANGELOG, 4L));
        } finally {
            reopened.close();
        }
        assertEquals(Map.of("a", "2", "c", "1"), onDisk(crashed));
        assertEquals(Map.of(CHANGELOG, 4L), offsetsOnDisk(crashed));
    }

    /**
     * A store without a changelog writes every commit; when the write fails, its writes are kept and the retry of the
     * commit (the same empty offsets) must write them: the failure is injected by giving the store a closed engine
     * for one commit.
     */
    @Test
    void aStoreWithoutAChangelogWritesAFailedCommitAtItsRetry() throws Exception {
        Path directory = stateDir.resolve("no-changelog");
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        store.init(new SegmentContext(new StubStateStoreContext(directory, Map.of()), directory, false), store);
        store.put(key("a"), value("1"));
        Field engine = TurboKvKeyValueStore.class.getDeclaredField("db");
        engine.setAccessible(true);
        TurboKV real = (TurboKV) engine.get(store);
        TurboKV closed = TurboKV.open(stateDir.resolve("closed"), TurboKvStores.defaultConfig());
        closed.close();
        engine.set(store, closed);
        assertThrows(RuntimeException.class, () -> store.commit(Map.of()));
        engine.set(store, real);
        store.commit(Map.of());
        store.close();
        assertEquals(Map.of("a", "1"), onDisk(directory.resolve("s")));
    }

    @Test
    void aCleanCloseWritesEveryCommittedWriteAsOneBatchAndDropsTheUncommitted() throws IOException {
        TurboKvKeyValueStore store = open(stateDir, Map.of());
        for (int i = 0; i < 10; i++) {
            store.put(key("k" + i), value("v" + i));
            store.commit(Map.of(CHANGELOG, (long) i));
        }
        store.put(key("uncommitted"), value("x"));
        assertEquals(0, engineCommits(store));
        store.close();
        Map<String, String> expected = new TreeMap<>();
        for (int i = 0; i < 10; i++) {
            expected.put("k" + i, "v" + i);
        }
        assertEquals(expected, onDisk(stateDir.resolve("s")));
        assertEquals(Map.of(CHANGELOG, 9L), offsetsOnDisk(stateDir.resolve("s")));
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("s"), TurboKvStores.defaultConfig())) {
            assertEquals(1, db.metaInfo().stream().filter(m -> m.family() == TurboKvKeyValueStore.FAMILY).count(),
                    "one write batch");
        }
        TurboKvKeyValueStore reopened = open(stateDir, Map.of());
        try {
            assertEquals(9L, reopened.committedOffset(CHANGELOG));
            assertNull(reopened.get(key("uncommitted")));
        } finally {
            reopened.close();
        }
    }

    @Test
    void theSizeBoundWritesTheCommittedWritesAsOneBatchWithTheirOffsets() throws IOException {
        long bound = 8 << 10;
        TurboKvKeyValueStore store = open(stateDir, Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, bound));
        try {
            byte[] large = new byte[1000];
            int written = -1;
            for (int i = 0; i < 20 && written < 0; i++) {
                store.put(key("k" + i), large);
                store.commit(Map.of(CHANGELOG, (long) i));
                if (engineCommits(store) > 0) {
                    written = i;
                }
            }
            assertEquals(1, engineCommits(store), "one batch");
            // each entry counts its 1,000 value bytes plus bookkeeping, so the bound falls after 6 to 8 commits
            assertTrue(written >= 6 && written < 8, "written at commit " + written);
            assertEquals(Map.of(CHANGELOG, (long) written), offsetsOnDisk(stateDir.resolve("s")));
            assertEquals(written + 1, onDisk(stateDir.resolve("s")).size(), "every committed write with them");
            store.put(key("after"), large);
            store.commit(Map.of(CHANGELOG, written + 1L));
            assertEquals(1, engineCommits(store), "below the bound again");
            assertEquals(written + 2, entries(store.all()).size());
        } finally {
            store.close();
        }
    }

    @Test
    void theAgeBoundWritesTheCommittedWritesAtTheNextCommitPastIt() throws Exception {
        TurboKvKeyValueStore store = open(stateDir, Map.of(TurboKvStores.COMMIT_BUFFER_MAX_AGE_MS_CONFIG, "500"));
        try {
            store.put(key("a"), value("1"));
            store.commit(Map.of(CHANGELOG, 0L));
            assertEquals(0, engineCommits(store));
            Thread.sleep(600);
            store.put(key("b"), value("1"));
            store.commit(Map.of(CHANGELOG, 1L));
            assertEquals(1, engineCommits(store), "the oldest commit in memory is past the age bound");
            assertEquals(Map.of("a", "1", "b", "1"), onDisk(stateDir.resolve("s")));
            assertEquals(Map.of(CHANGELOG, 1L), offsetsOnDisk(stateDir.resolve("s")));
        } finally {
            store.close();
        }
    }

    /**
     * A write that the size bound starts at a Streams commit, and that fails, fails the commit after the commit
     * moved the offsets in memory; the writes stay in memory with them, so that reads and a later write keep them,
     * and the disk keeps the offsets of its own data, so that after a crash a restore of the changelog after them
     * loses nothing. The failure is injected by giving the store a closed engine for that commit.
     */
    @Test
    void aFailedBoundWriteFailsTheCommitAndLosesNothingTheChangelogCannotRestore() throws Exception {
        TurboKvKeyValueStore store = open(stateDir, Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 1));
        try {
            store.put(key("a"), value("1"));
            store.commit(Map.of(CHANGELOG, 0L)); // past the bound of one byte: written
            store.put(key("a"), value("2"));
            store.put(key("b"), value("1"));
            Field engine = TurboKvKeyValueStore.class.getDeclaredField("db");
            engine.setAccessible(true);
            TurboKV real = (TurboKV) engine.get(store);
            TurboKV closed = TurboKV.open(stateDir.resolve("closed"), TurboKvStores.defaultConfig());
            closed.close();
            engine.set(store, closed);
            assertThrows(ProcessorStateException.class, () -> store.commit(Map.of(CHANGELOG, 2L)));
            engine.set(store, real);
            assertEquals(2L, store.committedOffset(CHANGELOG), "the commit moved the offsets before its write");
            assertEquals(List.of("a=2", "b=1"), entries(store.all()), "the writes are kept in memory");
            crashImage(stateDir.resolve("s"), stateDir.resolve("crash").resolve("s"));
        } finally {
            store.close(); // writes them
        }
        assertEquals(Map.of("a", "2", "b", "1"), onDisk(stateDir.resolve("s")));
        assertEquals(Map.of(CHANGELOG, 2L), offsetsOnDisk(stateDir.resolve("s")));
        TurboKvKeyValueStore reopened = open(stateDir.resolve("crash"), Map.of());
        try {
            assertEquals(0L, reopened.committedOffset(CHANGELOG), "the offsets of the data on disk, not past it");
            assertEquals(List.of("a=1"), entries(reopened.all()));
            reopened.restoreCallback().restoreBatch(List.of(changelogRecord(1, "a", "2"),
                    changelogRecord(2, "b", "1")));
            assertEquals(List.of("a=2", "b=1"), entries(reopened.all()), "nothing lost");
        } finally {
            reopened.close();
        }
    }

    /**
     * The deprecated {@code flush()} writes the buffer as a commit would; under exactly-once the buffer may hold the
     * writes of a transaction that aborts, so the written batch forgets the offsets (Streams then rebuilds the store
     * after a crash rather than keep them), as a spill does; with nothing buffered, and without exactly-once, the
     * offsets stay.
     */
    @Test
    void flushUnderExactlyOnceForgetsTheOffsetsWhenItWritesUncommittedWrites() throws IOException {
        Map<String, Object> exactlyOnce = Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.EXACTLY_ONCE_V2);
        TurboKvKeyValueStore store = open(stateDir, exactlyOnce);
        try {
            store.put(key("a"), value("1"));
            store.commit(Map.of(CHANGELOG, 0L));
            store.flush(); // nothing buffered: the offsets stay
            assertEquals(Map.of(CHANGELOG, 0L), offsetsOnDisk(stateDir.resolve("s")));
            store.put(key("b"), value("uncommitted"));
            store.flush();
            assertNull(store.committedOffset(CHANGELOG));
            assertEquals(Map.of(), offsetsOnDisk(stateDir.resolve("s")));
            assertEquals(Map.of("a", "1", "b", "uncommitted"), onDisk(stateDir.resolve("s")));
        } finally {
            store.close();
        }
        TurboKvKeyValueStore atLeastOnce = open(stateDir.resolve("alos"), Map.of());
        try {
            atLeastOnce.put(key("a"), value("1"));
            atLeastOnce.commit(Map.of(CHANGELOG, 0L));
            atLeastOnce.put(key("b"), value("1"));
            atLeastOnce.flush();
            assertEquals(Map.of(CHANGELOG, 0L), offsetsOnDisk(stateDir.resolve("alos").resolve("s")));
        } finally {
            atLeastOnce.close();
        }
    }

    /**
     * With {@code turbokv.commit.buffer.total.bytes}, the application's stores share one bound on their commits in
     * memory: the commit that brings the sum to it writes its own store's, whatever the per-store bound; a closed
     * store's part leaves the sum.
     */
    @Test
    void theApplicationsTotalBoundWritesTheStoreWhoseCommitReachesIt() {
        Map<String, Object> configs = Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "total-bound",
                TurboKvStores.COMMIT_BUFFER_TOTAL_BYTES_CONFIG, 1_000);
        TurboKvKeyValueStore first = open(stateDir.resolve("first"), configs);
        TurboKvKeyValueStore second = open(stateDir.resolve("second"), configs);
        try {
            first.put(key("a"), new byte[600]);
            first.commit(Map.of(CHANGELOG, 0L));
            assertEquals(0, engineCommits(first), "600 bytes in memory in all: below the total bound");
            second.put(key("b"), new byte[600]);
            second.commit(Map.of(CHANGELOG, 0L));
            assertEquals(1, engineCommits(second), "the commit that reached the total bound wrote its store's");
            assertEquals(0, engineCommits(first));
            first.put(key("c"), new byte[100]);
            first.commit(Map.of(CHANGELOG, 1L));
            assertEquals(0, engineCommits(first), "the sum fell back below the bound when the second wrote");
        } finally {
            second.close();
        }
        try {
            first.put(key("d"), new byte[300]);
            first.commit(Map.of(CHANGELOG, 2L));
            assertEquals(1, engineCommits(first), "its own writes alone reach the total bound");
        } finally {
            first.close();
        }
        TurboKvKeyValueStore third = open(stateDir.resolve("third"), configs);
        try {
            third.put(key("e"), new byte[600]);
            third.commit(Map.of(CHANGELOG, 0L));
            assertEquals(0, engineCommits(third), "closed stores hold nothing of the sum");
        } finally {
            third.close();
        }
    }

    @Test
    void aZeroBoundWritesEveryCommitAndABadOneIsRefused() {
        TurboKvKeyValueStore store = open(stateDir, Map.of(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0));
        try {
            store.put(key("a"), value("1"));
            store.commit(Map.of(CHANGELOG, 0L));
            store.commit(Map.of(CHANGELOG, 1L));
            assertEquals(2, engineCommits(store), "a write, then the offsets alone");
        } finally {
            store.close();
        }
        ConfigException refused = assertThrows(ConfigException.class, () -> open(stateDir.resolve("other"),
                Map.of(TurboKvStores.COMMIT_BUFFER_MAX_AGE_MS_CONFIG, "-1")));
        assertTrue(refused.getMessage().contains(TurboKvStores.COMMIT_BUFFER_MAX_AGE_MS_CONFIG),
                refused.getMessage());
    }

    @Test
    void restoreBatchesJoinTheCommittedWritesInMemoryKeepingTheOffsets() throws IOException {
        TurboKvKeyValueStore store = open(stateDir, Map.of());
        Path crashed;
        try {
            store.put(key("a"), value("0"));
            store.commit(Map.of(CHANGELOG, 0L));
            store.flush();
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                batch.add(changelogRecord(i, "k" + (i % 10), "v" + i));
            }
            store.restoreCallback().restoreBatch(batch);
            assertEquals(1, engineCommits(store), "the flush only");
            assertEquals("v100", string(store.get(key("k0"))));
            assertEquals(0L, store.committedOffset(CHANGELOG), "a restore moves no offset");
            crashed = crashImage(stateDir.resolve("s"), stateDir.resolve("crash").resolve("s"));
        } finally {
            store.close();
        }
        assertEquals(Map.of("a", "0"), onDisk(crashed));
        assertEquals(Map.of(CHANGELOG, 0L), offsetsOnDisk(crashed));
        assertEquals(11, onDisk(stateDir.resolve("s")).size(), "the clean close wrote the restored records");
    }

    /** The inner TurboKV store under Kafka Streams' layers (metered, caching, logging). */
    private static TurboKvKeyValueStore inner(TopologyTestDriver driver, String name) {
        StateStore store = driver.getTimestampedKeyValueStore(name);
        while (store instanceof WrappedStateStore<?, ?, ?> wrapped) {
            store = wrapped.wrapped();
        }
        return (TurboKvKeyValueStore) store;
    }

    @Test
    void underTheTestDriverAStoreWithAChangelogCommitsNothingToDiskAndOneWithoutCommitsEveryRecord()
            throws IOException {
        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, String> grouped = builder.stream("in", Consumed.with(Serdes.String(),
                Serdes.String())).groupByKey();
        grouped.count(Materialized.as(TurboKvStores.persistentTimestampedKeyValueStore("logged")));
        grouped.count(Materialized.<String, Long>as(TurboKvStores.persistentTimestampedKeyValueStore("unlogged"))
                .withLoggingDisabled());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deferred");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        Path logged = stateDir.resolve("deferred").resolve("0_0").resolve("logged");
        Map<String, Long> expected = new HashMap<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.String().serializer());
            for (int i = 0; i < 60; i++) {
                String k = "k" + (i % 7);
                in.pipeInput(k, "x", 1000L + i);
                expected.merge(k, 1L, Long::sum);
            }
            TurboKvKeyValueStore loggedStore = inner(driver, "logged");
            assertEquals(0, engineCommits(loggedStore), "60 Streams commits, none on disk");
            assertEquals(60, engineCommits(inner(driver, "unlogged")), "one per Streams commit");
            var counts = driver.<String, Long>getTimestampedKeyValueStore("logged");
            Map<String, Long> read = new HashMap<>();
            try (KeyValueIterator<String, ValueAndTimestamp<Long>> all = counts.all()) {
                all.forEachRemaining((KeyValue<String, ValueAndTimestamp<Long>> kv) -> read.put(kv.key,
                        kv.value.value()));
            }
            assertEquals(expected, read);
            assertEquals(59L, loggedStore.committedOffset(new TopicPartition("deferred-logged-changelog", 0)),
                    "the changelog offset of the last count");
            assertEquals(Map.of(), onDisk(logged));
        } // the driver deletes its state directory when it closes
    }
}
