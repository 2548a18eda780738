package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.PositionSerde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's semantics, driven directly through the {@link KeyValueStore} interface. */
class TurboKvKeyValueStoreTest {
    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private StubStateStoreContext context;
    private KeyValueStore<Bytes, byte[]> store;

    @BeforeEach
    void open() {
        store = reopen();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private KeyValueStore<Bytes, byte[]> reopen() {
        return reopen(Map.of());
    }

    private KeyValueStore<Bytes, byte[]> reopen(Map<String, Object> appConfigs) {
        context = new StubStateStoreContext(stateDir, appConfigs);
        KeyValueStore<Bytes, byte[]> opened = TurboKvStores.persistentKeyValueStore("s").get();
        opened.init(context, opened);
        return opened;
    }

    private static List<String> keys(KeyValueIterator<Bytes, byte[]> iterator) {
        List<String> keys = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> keys.add(new String(kv.key.get(), StandardCharsets.UTF_8)));
        }
        return keys;
    }

    private void commit() {
        store.commit(Map.of());
    }

    /** The committed state, read from disk by a second, read-only open. */
    private String committedValue(String key) throws IOException {
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("s"), TurboKvStores.defaultConfig())) {
            return db.get(0, key(key).get()).map(TestBytes::string).orElse(null);
        }
    }

    /** TurboKV commits so far: each write batch writes one meta file of the data family. */
    private int committedBatches() throws IOException {
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("s"), TurboKvStores.defaultConfig())) {
            return (int) db.metaInfo().stream().filter(meta -> meta.family() == TurboKvKeyValueStore.FAMILY).count();
        }
    }

    /** The position committed with the data, read from disk by a second, read-only open. */
    private Position committedPosition() throws IOException {
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("s"), TurboKvStores.defaultConfig())) {
            return db.get(TurboKvKeyValueStore.POSITION_FAMILY, TurboKvKeyValueStore.POSITION_KEY)
                    .map(bytes -> PositionSerde.deserialize(ByteBuffer.wrap(bytes))).orElse(null);
        }
    }

    private static ConsumerRecord<byte[], byte[]> changelogRecord(long offset, String key, String value,
                                                                  Position position) {
        RecordHeaders headers = new RecordHeaders();
        if (position != null) {
            headers.add(ChangelogRecordDeserializationHelper.CHANGELOG_VERSION_HEADER_RECORD_CONSISTENCY);
            ByteBuffer encoded = PositionSerde.serialize(position);
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            headers.add(ChangelogRecordDeserializationHelper.CHANGELOG_POSITION_HEADER_KEY, bytes);
        }
        return new ConsumerRecord<>("s-changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0, value(key),
                value == null ? null : value(value), headers, Optional.empty());
    }

    private static Position position(String topic, int partition, long offset) {
        return Position.fromMap(Map.of(topic, Map.of(partition, offset)));
    }

    @Test
    void putIsVisibleToTheNextGetBeforeAnyCommit() throws IOException {
        store.put(key("a"), value("1"));
        assertEquals("1", string(store.get(key("a"))));
        assertNull(committedValue("a"), "nothing reaches TurboKV before a commit");
    }

    @Test
    void commitWritesTheBufferAndItSurvivesAReopen() throws IOException {
        store.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        store.put(key("a"), value("3"));
        commit();
        assertEquals(1, committedBatches(), "one write batch per commit");
        commit();
        assertEquals(1, committedBatches(), "a commit with nothing buffered writes nothing");
        assertEquals("3", committedValue("a"));
        assertEquals(0, store.approximateNumUncommittedBytes());
        store.close();
        store = reopen();
        assertEquals("3", string(store.get(key("a"))));
        assertEquals("2", string(store.get(key("b"))));
    }

    @Test
    void closeWithoutCommitDropsTheBuffer() {
        store.put(key("a"), value("1"));
        assertTrue(store.approximateNumUncommittedBytes() > 0);
        store.close();
        store = reopen();
        assertNull(store.get(key("a")));
    }

    @Test
    void deleteHidesACommittedValueAtOnceAndForGoodAfterTheCommit() throws IOException {
        store.put(key("a"), value("1"));
        commit();
        assertEquals("1", string(store.delete(key("a"))));
        assertNull(store.get(key("a")));
        assertEquals(List.of(), keys(store.all()));
        assertEquals("1", committedValue("a"), "the delete is buffered until the commit");
        commit();
        assertNull(committedValue("a"));
        assertNull(store.delete(key("a")));
    }

    @Test
    void putOfNullDeletes() {
        store.put(key("a"), value("1"));
        commit();
        store.put(key("a"), null);
        assertNull(store.get(key("a")));
    }

    @Test
    void putIfAbsentWritesOnlyAMissingKeyAndReturnsTheCurrentValue() {
        assertNull(store.putIfAbsent(key("a"), value("1")));
        assertEquals("1", string(store.putIfAbsent(key("a"), value("2"))));
        commit();
        assertEquals("1", string(store.putIfAbsent(key("a"), value("3"))));
        store.delete(key("a"));
        assertNull(store.putIfAbsent(key("a"), value("4")));
        assertEquals("4", string(store.get(key("a"))));
    }

    @Test
    void putAllWritesEveryEntry() {
        store.putAll(List.of(KeyValue.pair(key("a"), value("1")), KeyValue.pair(key("b"), value("2"))));
        commit();
        assertEquals(List.of("a", "b"), keys(store.all()));
    }

    @Test
    void rangesFilterInclusiveBoundsAndSortInBytesOrderMergingTheBuffer() {
        for (String k : List.of("a", "b", "c", "d", "e")) {
            store.put(key(k), value(k));
        }
        commit();
        store.put(key("bb"), value("bb")); // buffered only
        store.delete(key("d")); // a buffered tombstone over a committed key
        store.put(key("c"), value("c2")); // a buffered value over a committed one

        assertEquals(List.of("b", "bb", "c"), keys(store.range(key("b"), key("d"))));
        assertEquals(List.of("c", "bb", "b"), keys(store.reverseRange(key("b"), key("d"))));
        assertEquals(List.of("a", "b", "bb", "c", "e"), keys(store.all()));
        assertEquals(List.of("e", "c", "bb", "b", "a"), keys(store.reverseAll()));
        assertEquals(List.of("c", "e"), keys(store.range(key("c"), null)));
        assertEquals(List.of("a", "b"), keys(store.range(null, key("b"))));
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            assertEquals(List.of(), keys(store.range(key("d"), key("b"))), "from > to gives nothing");
            assertEquals(1, warnings.messages().size(), warnings.messages()::toString);
        }
        try (KeyValueIterator<Bytes, byte[]> iterator = store.range(key("c"), key("c"))) {
            assertEquals("c", string(iterator.peekNextKey().get()));
            assertEquals("c2", string(iterator.next().value));
            assertFalse(iterator.hasNext());
        }
    }

    @Test
    void rangesCompareBytesUnsigned() {
        store.put(Bytes.wrap(new byte[] {(byte) 0x80}), value("high"));
        store.put(Bytes.wrap(new byte[] {0x7f}), value("low"));
        commit();
        List<byte[]> order = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            all.forEachRemaining(kv -> order.add(kv.value));
        }
        assertEquals(List.of("low", "high"), order.stream().map(TestBytes::string).toList());
    }

    @Test
    void prefixScanReturnsKeysWithThePrefixInOrder() {
        for (String k : List.of("user:2", "user:1", "users", "user", "admin:1")) {
            store.put(key(k), value(k));
        }
        commit();
        store.put(key("user:0"), value("buffered"));
        assertEquals(List.of("user", "user:0", "user:1", "user:2", "users"),
                keys(store.prefixScan("user", Serdes.String().serializer())));
        assertEquals(List.of("user:0", "user:1", "user:2"),
                keys(store.prefixScan("user:", Serdes.String().serializer())));
    }

    @Test
    void anOpenIteratorHoldsNoLockTheStreamThreadNeeds() throws Exception {
        store.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        commit();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            assertEquals("a", string(all.next().key.get()));
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(
                    () -> {
                        store.put(key("c"), value("3"));
                        store.commit(Map.of());
                    });
            writer.get(10, java.util.concurrent.TimeUnit.SECONDS); // would time out if the iterator held the lock
            assertEquals("b", string(all.next().key.get()));
            assertFalse(all.hasNext(), "a snapshot: the later commit does not show");
        }
        assertEquals(List.of("a", "b", "c"), keys(store.all()));
    }

    @Test
    void closingTheStoreEndsItsOpenIteratorsOnEveryThread() throws Exception {
        store.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        commit();
        KeyValueIterator<Bytes, byte[]> here = store.all();
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            KeyValueIterator<Bytes, byte[]> there = other.submit(() -> {
                KeyValueIterator<Bytes, byte[]> iterator = store.range(key("a"), key("b"));
                iterator.next();
                return iterator;
            }).get();
            store.close();
            assertThrows(InvalidStateStoreException.class, here::hasNext);
            here.close();
            // the other thread's iterator ends at its owner's next call, which frees its read scope
            java.util.concurrent.ExecutionException failure = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> other.submit(there::hasNext).get());
            assertInstanceOf(InvalidStateStoreException.class, failure.getCause());
        } finally {
            other.shutdown();
        }
    }

    @Test
    void anIteratorClosedFromAnotherThreadIsRefusedAndStaysUsableOnItsOwn() throws Exception {
        store.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        commit();
        KeyValueIterator<Bytes, byte[]> all = store.all();
        assertEquals("a", string(all.next().key.get()));
        java.util.concurrent.CompletableFuture<Void> foreignClose =
                java.util.concurrent.CompletableFuture.runAsync(all::close);
        java.util.concurrent.ExecutionException failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> foreignClose.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, failure.getCause());
        // refused without a change: its owner still reads and closes it (freeing its read scope)
        assertEquals("b", string(all.next().key.get()));
        all.close();
        assertThrows(InvalidStateStoreException.class, all::hasNext);
    }

    @Test
    void aRangeFromAboveToIsEmptyAndLoggedAsKafkasStoresLogIt() {
        store.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        commit();
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            assertEquals(List.of(), keys(store.range(key("b"), key("a"))));
            assertEquals(List.of(), keys(store.reverseRange(key("b"), key("a"))));
            assertEquals(2, warnings.messages().size(), warnings.messages()::toString);
            assertTrue(warnings.messages().getFirst().startsWith("Returning empty iterator for fetch with invalid key"
                    + " range: from > to."), warnings.messages()::toString);
        }
    }

    @Test
    void aClosedIteratorThrowsInvalidStateStoreExceptionAsKafkasDo() {
        store.put(key("a"), value("1"));
        commit();
        KeyValueIterator<Bytes, byte[]> all = store.all();
        all.close();
        assertThrows(InvalidStateStoreException.class, all::hasNext);
        assertThrows(InvalidStateStoreException.class, all::next);
        assertThrows(InvalidStateStoreException.class, all::peekNextKey);
    }

    @Test
    void aConfigWithAHashOrderedDataFamilyIsRefused() {
        DbConfig hashOrdered = DbConfig.builder().family("d", io.turbokv.FamilyKind.SINGLE_VALUE)
                .family("p", io.turbokv.FamilyKind.SINGLE_VALUE).build();
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TurboKvStores.persistentKeyValueStore("h", hashOrdered));
        assertTrue(refused.getMessage().contains("FamilyConfig.ordered"), refused.getMessage());
    }

    @Test
    void iteratorIsASnapshotOfTheCall() {
        store.put(key("a"), value("1"));
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            store.put(key("b"), value("2"));
            assertEquals("a", string(all.next().key.get()));
            assertFalse(all.hasNext());
        }
    }

    @Test
    void restoreWritesEachBatchAsOneCommitAndNullValuesDelete() throws IOException {
        RecordBatchingStateRestoreCallback restore = assertInstanceOf(RecordBatchingStateRestoreCallback.class,
                context.restoreCallback);
        restore.restoreBatch(List.of(changelogRecord(0, "a", "1", null), changelogRecord(1, "b", "2", null),
                changelogRecord(2, "a", "3", null)));
        assertEquals(1, committedBatches(), "one write batch per restore batch");
        assertEquals("3", committedValue("a"));
        assertEquals("2", committedValue("b"));
        assertEquals(Position.emptyPosition(), store.getPosition(), "the records carry no position");
        restore.restoreBatch(List.of(changelogRecord(3, "b", null, null)));
        assertEquals(2, committedBatches());
        assertNull(committedValue("b"));
        assertNull(store.get(key("b")));
        assertEquals("3", string(store.get(key("a"))));
    }

    @Test
    void restoreTakesThePositionFromTheRecordHeadersWhenConsistencyIsEnabledAndCommitsItWithTheData()
            throws IOException {
        store.close();
        store = reopen(Map.of(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true));
        RecordBatchingStateRestoreCallback restore = (RecordBatchingStateRestoreCallback) context.restoreCallback;
        restore.restoreBatch(List.of(changelogRecord(0, "a", "1", position("in", 0, 7)),
                changelogRecord(1, "b", "2", position("in", 0, 9))));
        assertEquals(position("in", 0, 9), store.getPosition());
        assertEquals(position("in", 0, 9), committedPosition());
        assertEquals("2", committedValue("b"));
        store.close();
        store = reopen();
        assertEquals(position("in", 0, 9), store.getPosition(), "the position survives a reopen");
    }

    @Test
    void thePositionIsCommittedWithTheDataAndAReopenedStoreReportsIt() throws IOException {
        context.recordMetadata = new StubRecordMetadata("in", 0, 41);
        store.put(key("a"), value("1"));
        context.recordMetadata = new StubRecordMetadata("in", 1, 5);
        store.put(key("b"), value("1"));
        Position expected = Position.fromMap(Map.of("in", Map.of(0, 41L, 1, 5L)));
        assertEquals(expected, store.getPosition(), "a buffered write moves the position at once");
        assertNull(committedPosition(), "nothing is committed before the commit");
        commit();
        assertEquals(expected, committedPosition());
        context.recordMetadata = new StubRecordMetadata("in", 0, 42);
        store.put(key("a"), value("2"));
        store.close(); // without a commit: neither the write nor its position is kept
        store = reopen();
        assertEquals(expected, store.getPosition());
        assertEquals("1", string(store.get(key("a"))));
    }

    @Test
    @SuppressWarnings("deprecation") // flush: Kafka Streams deprecates it for commit
    void flushWritesTheBufferAndKeepsTheCommittedOffsets() {
        TopicPartition changelog = new TopicPartition("app-s-changelog", 3);
        store.put(key("a"), value("1"));
        store.commit(Map.of(changelog, 17L));
        store.put(key("a"), value("2"));
        store.flush();
        assertEquals(17L, store.committedOffset(changelog), "a flush is no reason to rebuild the store");
        store.close();
        store = reopen();
        assertEquals(17L, store.committedOffset(changelog));
        assertEquals("2", string(store.get(key("a"))));
    }

    @Test
    @SuppressWarnings("deprecation") // managesOffsets: Kafka Streams deprecates it as every store will manage them
    void theChangelogOffsetsAreCommittedWithTheDataAndAReopenedStoreReportsThem() {
        TopicPartition changelog = new TopicPartition("app-s-changelog", 3);
        assertTrue(store.managesOffsets(), "no checkpoint file: Streams asks the store");
        assertNull(store.committedOffset(changelog));
        store.put(key("a"), value("1"));
        store.commit(Map.of(changelog, 17L));
        assertEquals(17L, store.committedOffset(changelog));
        store.put(key("a"), value("2"));
        store.close(); // a crash: neither the write nor an offset for it is kept
        store = reopen();
        assertEquals(17L, store.committedOffset(changelog));
        assertEquals("1", string(store.get(key("a"))));

        store.commit(Map.of(changelog, 18L)); // no data: the offsets alone are committed
        store.close();
        store = reopen();
        assertEquals(18L, store.committedOffset(changelog));

        store.commit(Map.of()); // as Kafka's stores: Streams forgets the offsets of a store it found corrupt so
        store.close();
        store = reopen();
        assertNull(store.committedOffset(changelog));
        assertEquals("1", string(store.get(key("a"))));
    }

    @Test
    void underExactlyOnceWithoutTransactionalStoresALargeBufferIsWrittenEarlyAndForgetsTheOffsets()
            throws IOException {
        TopicPartition changelog = new TopicPartition("app-s-changelog", 0);
        store.close();
        store = reopen(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));
        store.put(key("a"), value("1"));
        store.commit(Map.of(changelog, 5L)); // as Streams does when it closes the task cleanly
        byte[] large = new byte[1 << 20];
        int puts = (int) (TurboKvKeyValueStore.SPILL_BYTES / large.length); // the last one crosses the threshold
        for (int i = 0; i < puts; i++) {
            store.put(key("large" + i), large);
        }
        assertEquals(0, store.approximateNumUncommittedBytes(), "the buffer was written before growing further");
        assertEquals(large.length, committedValue("large0").length());
        assertNull(store.committedOffset(changelog),
                "the written data may belong to an open transaction: after a crash Streams must rebuild the store");
        store.close();
        store = reopen(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));
        assertNull(store.committedOffset(changelog));
    }

    @Test
    void withTransactionalStoresTheBufferWaitsForTheCommitWhateverItsSize() throws IOException {
        store.close();
        store = reopen(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
                StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        byte[] large = new byte[1 << 20];
        int puts = (int) (TurboKvKeyValueStore.SPILL_BYTES / large.length) + 1;
        for (int i = 0; i < puts; i++) {
            store.put(key("large" + i), large);
        }
        assertTrue(store.approximateNumUncommittedBytes() > TurboKvKeyValueStore.SPILL_BYTES);
        assertNull(committedValue("large0"), "nothing reaches the disk before the transaction commits");
        store.commit(Map.of(new TopicPartition("app-s-changelog", 0), 9L));
        assertEquals(large.length, committedValue("large0").length());
    }

    @Test
    void approximateNumEntriesCountsCommittedAndBufferedPuts() {
        assertEquals(0, store.approximateNumEntries());
        store.put(key("a"), value("1"));
        store.put(key("b"), value("1"));
        assertEquals(2, store.approximateNumEntries());
        commit();
        assertEquals(2, store.approximateNumEntries());
        store.put(key("c"), value("1"));
        assertEquals(3, store.approximateNumEntries());
    }

    @Test
    void storeIsPersistentAndReportsOpenness() {
        assertTrue(store.persistent());
        assertTrue(store.isOpen());
        assertEquals("s", store.name());
        store.close();
        assertFalse(store.isOpen());
        store.close(); // idempotent
    }

    @Test
    void storeLivesUnderTheTaskStateDirectory() throws IOException {
        store.put(key("a"), value("1"));
        commit();
        assertTrue(java.nio.file.Files.exists(stateDir.resolve("s").resolve("CURRENT")));
    }

    @Test
    void aMultiValuedFamilyIsRefused() {
        DbConfig multi = DbConfig.builder().family("m", io.turbokv.FamilyKind.MULTI_VALUE).build();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TurboKvStores.persistentKeyValueStore("m", multi));
    }
}
