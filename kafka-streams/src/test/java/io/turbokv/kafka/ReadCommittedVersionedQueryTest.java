package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-committed versioned queries of a transactional store leave the uncommitted versions out and answer at the
 * committed position, as the key-value store's key queries do on the same writes (parity); without
 * {@code enable.transactional.statestores} both read everything at either level.
 */
class ReadCommittedVersionedQueryTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-v-changelog", 0);
    private static final long RETENTION = 1_000;
    private static final long SEGMENT = 300;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void readCommittedVersionedQueriesLeaveTheUncommittedVersionsOutAsKeyQueriesDo() {
        StubStateStoreContext context = new StubStateStoreContext(stateDir,
                Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        TurboKvVersionedStore versioned = new TurboKvVersionedStore("v", RETENTION, SEGMENT,
                TurboKvStores::configByChangelog);
        TurboKvKeyValueStore keyValue = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("kv").get();
        versioned.init(context, versioned);
        keyValue.init(context, keyValue);
        try {
            context.recordMetadata = new StubRecordMetadata("in", 0, 1);
            versioned.put(key("a"), value("1"), 10);
            keyValue.put(key("a"), value("1"));
            versioned.commit(Map.of(CHANGELOG, 0L));
            keyValue.commit(Map.of(CHANGELOG, 0L));
            context.recordMetadata = new StubRecordMetadata("in", 0, 2);
            versioned.put(key("a"), value("2"), 20);
            keyValue.put(key("a"), value("2"));
            context.recordMetadata = new StubRecordMetadata("in", 0, 3);
            versioned.put(key("b"), value("only uncommitted"), 20);
            keyValue.put(key("b"), value("only uncommitted"));

            IsolationLevel committed = IsolationLevel.READ_COMMITTED;
            assertEquals("1@10 at {in={0=1}}", latest(versioned, "a", committed));
            assertEquals("1 at {in={0=1}}", keyQuery(keyValue, "a", committed));
            assertEquals("null at {in={0=1}}", latest(versioned, "b", committed));
            assertEquals("null at {in={0=1}}", keyQuery(keyValue, "b", committed));
            assertEquals("1@10", asOf(versioned, "a", 25, committed), "the committed latest, valid at 25");
            assertEquals(List.of("1@10"), versions(versioned, "a", committed));

            IsolationLevel uncommitted = IsolationLevel.READ_UNCOMMITTED;
            assertEquals("2@20 at {in={0=3}}", latest(versioned, "a", uncommitted));
            assertEquals("2 at {in={0=3}}", keyQuery(keyValue, "a", uncommitted));
            assertEquals("only uncommitted@20 at {in={0=3}}", latest(versioned, "b", uncommitted));
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, uncommitted));
            assertEquals(List.of("2@20", "1@10 to 20"), versions(versioned, "a", uncommitted));

            versioned.commit(Map.of(CHANGELOG, 3L));
            keyValue.commit(Map.of(CHANGELOG, 3L));
            assertEquals("2@20 at {in={0=3}}", latest(versioned, "a", committed));
            assertEquals("2 at {in={0=3}}", keyQuery(keyValue, "a", committed));
            assertEquals(List.of("2@20", "1@10 to 20"), versions(versioned, "a", committed));
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, committed), "the history, committed since");
        } finally {
            versioned.close();
            keyValue.close();
        }
    }

    @Test
    void withoutTransactionalStoresAReadCommittedQueryReadsTheUncommittedVersionsToo() {
        StubStateStoreContext context = new StubStateStoreContext(stateDir, Map.of());
        TurboKvVersionedStore versioned = new TurboKvVersionedStore("v", RETENTION, SEGMENT,
                TurboKvStores::configByChangelog);
        TurboKvKeyValueStore keyValue = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("kv").get();
        versioned.init(context, versioned);
        keyValue.init(context, keyValue);
        try {
            context.recordMetadata = new StubRecordMetadata("in", 0, 1);
            versioned.put(key("a"), value("1"), 10);
            keyValue.put(key("a"), value("1"));
            versioned.commit(Map.of(CHANGELOG, 0L));
            keyValue.commit(Map.of(CHANGELOG, 0L));
            context.recordMetadata = new StubRecordMetadata("in", 0, 2);
            versioned.put(key("a"), value("2"), 20);
            keyValue.put(key("a"), value("2"));
            // Kafka's RocksDB stores write straight into RocksDB: no isolation to give without transactional stores
            assertEquals("2@20 at {in={0=2}}", latest(versioned, "a", IsolationLevel.READ_COMMITTED));
            assertEquals("2 at {in={0=2}}", keyQuery(keyValue, "a", IsolationLevel.READ_COMMITTED));
            assertEquals(List.of("2@20", "1@10 to 20"), versions(versioned, "a", IsolationLevel.READ_COMMITTED));
        } finally {
            versioned.close();
            keyValue.close();
        }
    }

    private static QueryConfig config(IsolationLevel level) {
        return new QueryConfig(false, level);
    }

    private static String latest(TurboKvVersionedStore store, String key, IsolationLevel level) {
        QueryResult<VersionedRecord<byte[]>> result = store.query(VersionedKeyQuery.withKey(key(key)),
                PositionBound.unbounded(), config(level));
        return render(result.getResult()) + " at " + positionOf(result);
    }

    private static String asOf(TurboKvVersionedStore store, String key, long time, IsolationLevel level) {
        QueryResult<VersionedRecord<byte[]>> result = store.query(VersionedKeyQuery.<Bytes, byte[]>withKey(key(key))
                .asOf(Instant.ofEpochMilli(time)), PositionBound.unbounded(), config(level));
        return render(result.getResult());
    }

    private static List<String> versions(TurboKvVersionedStore store, String key, IsolationLevel level) {
        QueryResult<VersionedRecordIterator<byte[]>> result = store.query(
                MultiVersionedKeyQuery.withKey(key(key)), PositionBound.unbounded(), config(level));
        List<String> found = new ArrayList<>();
        try (VersionedRecordIterator<byte[]> records = result.getResult()) {
            records.forEachRemaining(record -> found.add(render(record)));
        }
        return found;
    }

    private static String keyQuery(TurboKvKeyValueStore store, String key, IsolationLevel level) {
        QueryResult<byte[]> result = store.query(KeyQuery.withKey(key(key)), PositionBound.unbounded(),
                config(level));
        return (result.getResult() == null ? "null" : string(result.getResult())) + " at " + positionOf(result);
    }

    private static String positionOf(QueryResult<?> result) {
        return "{in=" + result.getPosition().getPartitionPositions("in") + "}";
    }

    private static String render(VersionedRecord<byte[]> record) {
        if (record == null) {
            return "null";
        }
        return string(record.value()) + "@" + record.timestamp()
                + record.validTo().map(to -> " to " + to).orElse("");
    }
}
