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
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Read-committed versioned queries of a store with a changelog, whose commits are kept in memory (the production
 * path): they read the commits kept and leave the write buffer out, and judge history retention by the committed
 * stream time, not by an uncommitted write's (a committed write's moves it, with a changelog or without).
 */
class ReadCommittedVersionedChangelogTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-v-changelog", 0);
    private static final long RETENTION = 1_000;
    private static final long SEGMENT = 300;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private TurboKvVersionedStore open(StubStateStoreContext stub) {
        return open(stub, true); // a changelog: commits kept in memory
    }

    private TurboKvVersionedStore open(StubStateStoreContext stub, boolean changelog) {
        TurboKvVersionedStore versioned = new TurboKvVersionedStore("v", RETENTION, SEGMENT,
                TurboKvStores::configByChangelog);
        versioned.init(KafkaStoreContext.of(stub, changelog), versioned);
        return versioned;
    }

    /** The production path (a store with a changelog): commits stay in memory, queries must read them. */
    @Test
    void deferredCommitsAreReadAndTheBufferIsNot() {
        StubStateStoreContext stub = new StubStateStoreContext(stateDir,
                Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        TurboKvVersionedStore versioned = open(stub);
        try {
            stub.recordMetadata = new StubRecordMetadata("in", 0, 1);
            versioned.put(key("a"), value("1"), 10);
            versioned.commit(Map.of(CHANGELOG, 0L));
            stub.recordMetadata = new StubRecordMetadata("in", 0, 2);
            versioned.put(key("a"), value("2"), 20);
            IsolationLevel committed = IsolationLevel.READ_COMMITTED;
            assertEquals("1@10 at {in={0=1}}", latest(versioned, "a", committed));
            assertEquals(List.of("1@10"), versions(versioned, "a", committed));
            versioned.commit(Map.of(CHANGELOG, 1L));
            assertEquals("2@20 at {in={0=2}}", latest(versioned, "a", committed));
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, committed));
        } finally {
            versioned.close();
        }
    }

    /**
     * An uncommitted write far ahead in stream time (a transaction that may abort) must not hide a committed version
     * from a READ_COMMITTED as-of query.
     */
    @Test
    void anUncommittedWriteAheadInStreamTimeDoesNotHideACommittedVersion() {
        StubStateStoreContext stub = new StubStateStoreContext(stateDir,
                Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        TurboKvVersionedStore versioned = open(stub);
        try {
            stub.recordMetadata = new StubRecordMetadata("in", 0, 1);
            versioned.put(key("a"), value("1"), 10);
            stub.recordMetadata = new StubRecordMetadata("in", 0, 2);
            versioned.put(key("a"), value("2"), 20);
            versioned.commit(Map.of(CHANGELOG, 1L));
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, IsolationLevel.READ_COMMITTED));
            stub.recordMetadata = new StubRecordMetadata("in", 0, 3);
            versioned.put(key("b"), value("uncommitted"), 5_000); // not committed: may abort
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, IsolationLevel.READ_COMMITTED),
                    "the committed state's answer");
        } finally {
            versioned.close();
        }
    }

    /**
     * A committed write ahead in stream time does put older versions past the history retention for a
     * read-committed query, as for Kafka's store, whether the store keeps its commits in memory (a changelog) or
     * writes each one. The version asked for is still stored (its segment has not expired), so only the retention
     * check hides it.
     */
    @ParameterizedTest(name = "changelog {0}")
    @ValueSource(booleans = {true, false})
    void aCommittedWriteAheadInStreamTimePutsOlderVersionsPastTheRetention(boolean changelog) {
        StubStateStoreContext stub = new StubStateStoreContext(stateDir,
                Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        TurboKvVersionedStore versioned = open(stub, changelog);
        try {
            stub.recordMetadata = new StubRecordMetadata("in", 0, 1);
            versioned.put(key("a"), value("1"), 10);
            stub.recordMetadata = new StubRecordMetadata("in", 0, 2);
            versioned.put(key("a"), value("2"), 20);
            versioned.commit(Map.of(CHANGELOG, 1L));
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, IsolationLevel.READ_COMMITTED));
            stub.recordMetadata = new StubRecordMetadata("in", 0, 3);
            versioned.put(key("b"), value("committed"), RETENTION + 100); // 15 is now older than the retention
            assertEquals("1@10 to 20", asOf(versioned, "a", 15, IsolationLevel.READ_COMMITTED), "not committed yet");
            versioned.commit(Map.of(CHANGELOG, 2L));
            try (CapturedWarnings warnings = new CapturedWarnings()) { // expected: kept out of the build output
                assertEquals("null", asOf(versioned, "a", 15, IsolationLevel.READ_COMMITTED));
                assertEquals("null", asOf(versioned, "a", 15, IsolationLevel.READ_UNCOMMITTED));
                assertEquals(List.of("store v: returning null for expired get",
                        "store v: returning null for expired get"), warnings.messages());
            }
        } finally {
            versioned.close();
        }
    }

    private static QueryConfig config(IsolationLevel level) {
        return new QueryConfig(false, level);
    }

    private static String latest(TurboKvVersionedStore store, String key, IsolationLevel level) {
        QueryResult<VersionedRecord<byte[]>> result = store.query(VersionedKeyQuery.withKey(key(key)),
                PositionBound.unbounded(), config(level));
        return render(result.getResult()) + " at {in=" + result.getPosition().getPartitionPositions("in") + "}";
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

    private static String render(VersionedRecord<byte[]> record) {
        if (record == null) {
            return "null";
        }
        return string(record.value()) + "@" + record.timestamp()
                + record.validTo().map(to -> " to " + to).orElse("");
    }
}
