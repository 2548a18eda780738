package io.turbokv.kafka;

import io.turbokv.DbConfig;
import io.turbokv.TurboKV;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        context = new StubStateStoreContext(stateDir);
        KeyValueStore<Bytes, byte[]> opened = TurboKvStores.persistentKeyValueStore("s").get();
        opened.init(context, opened);
        return opened;
    }

    private static Bytes key(String key) {
        return Bytes.wrap(key.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] value(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
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
            return db.get(0, key(key).get()).map(TurboKvKeyValueStoreTest::string).orElse(null);
        }
    }

    /** TurboKV commits so far: each write batch of the single family writes one meta file. */
    private int committedBatches() throws IOException {
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("s"), TurboKvStores.defaultConfig())) {
            return db.metaInfo().size();
        }
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
        store.delete(key("d"));            // a buffered tombstone over a committed key
        store.put(key("c"), value("c2"));  // a buffered value over a committed one

        assertEquals(List.of("b", "bb", "c"), keys(store.range(key("b"), key("d"))));
        assertEquals(List.of("c", "bb", "b"), keys(store.reverseRange(key("b"), key("d"))));
        assertEquals(List.of("a", "b", "bb", "c", "e"), keys(store.all()));
        assertEquals(List.of("e", "c", "bb", "b", "a"), keys(store.reverseAll()));
        assertEquals(List.of("c", "e"), keys(store.range(key("c"), null)));
        assertEquals(List.of("a", "b"), keys(store.range(null, key("b"))));
        assertEquals(List.of(), keys(store.range(key("d"), key("b"))), "from > to gives nothing");
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
        assertEquals(List.of("low", "high"), order.stream().map(TurboKvKeyValueStoreTest::string).toList());
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
        BatchingStateRestoreCallback restore = assertInstanceOf(BatchingStateRestoreCallback.class,
                context.restoreCallback);
        restore.restoreAll(List.of(KeyValue.pair(value("a"), value("1")), KeyValue.pair(value("b"), value("2")),
                KeyValue.pair(value("a"), value("3"))));
        assertEquals(1, committedBatches(), "one write batch per restore batch");
        assertEquals("3", committedValue("a"));
        assertEquals("2", committedValue("b"));
        restore.restoreAll(List.of(KeyValue.pair(value("b"), null)));
        assertEquals(2, committedBatches());
        assertNull(committedValue("b"));
        assertNull(store.get(key("b")));
        assertEquals("3", string(store.get(key("a"))));
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
    void oneKeyCommitsAreCompactedSoTheSstCountStaysBounded() throws IOException {
        int commits = 296;
        Map<String, String> expected = new java.util.TreeMap<>();
        for (int i = 0; i < commits; i++) {
            String k = "k" + (i * 7919 % 300);
            if (i % 10 == 9) {
                store.delete(key(k));
                expected.remove(k);
            } else {
                store.put(key(k), value("v" + i));
                expected.put(k, "v" + i);
            }
            commit();
        }
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("s"), TurboKvStores.defaultConfig())) {
            int liveSsts = db.metaInfo().stream().mapToInt(meta -> meta.ssts().size()).sum();
            assertTrue(liveSsts <= 2 * TurboKvKeyValueStore.COMMITS_PER_COMPACTION, liveSsts + " live SSTs after " + commits
                    + " one-key commits");
            for (int i = 0; i < 300; i++) {
                String k = "k" + i;
                assertEquals(expected.get(k), string(store.get(key(k))), k);
                assertEquals(expected.get(k), db.get(0, key(k).get()).map(TurboKvKeyValueStoreTest::string)
                        .orElse(null), k);
            }
        }
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
