package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read-committed session queries of a transactional store leave the uncommitted sessions out, in every segment. */
class ReadCommittedSessionQueryTest {
    private static final long NEXT_SEGMENT = Duration.ofMinutes(6).toMillis();

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void readCommittedSessionQueriesLeaveTheUncommittedSessionsOut() {
        TopicPartition changelog = new TopicPartition("turbokv-test-ss-changelog", 0);
        StubStateStoreContext context = new StubStateStoreContext(stateDir,
                Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true));
        TurboKvSessionStore store = (TurboKvSessionStore) TurboKvStores.persistentSessionStore("ss",
                Duration.ofMinutes(10)).get();
        store.init(KafkaStoreContext.of(context, true), store);
        try {
            context.recordMetadata = new StubRecordMetadata("in", 0, 1);
            store.put(new Windowed<>(key("a"), new SessionWindow(0, 10)), value("1"));
            store.commit(Map.of(changelog, 0L));
            context.recordMetadata = new StubRecordMetadata("in", 0, 2);
            store.put(new Windowed<>(key("a"), new SessionWindow(0, 10)), value("2"));
            store.put(new Windowed<>(key("a"), new SessionWindow(NEXT_SEGMENT, NEXT_SEGMENT + 10)), value("3"));
            assertEquals(List.of("0-10=1"), sessions(store, IsolationLevel.READ_COMMITTED));
            assertEquals(List.of("0-10=2", NEXT_SEGMENT + "-" + (NEXT_SEGMENT + 10) + "=3"),
                    sessions(store, IsolationLevel.READ_UNCOMMITTED));
            store.commit(Map.of(changelog, 2L));
            assertEquals(List.of("0-10=2", NEXT_SEGMENT + "-" + (NEXT_SEGMENT + 10) + "=3"),
                    sessions(store, IsolationLevel.READ_COMMITTED));
        } finally {
            store.close();
        }
    }

    private static List<String> sessions(TurboKvSessionStore store, IsolationLevel level) {
        QueryResult<KeyValueIterator<Windowed<Bytes>, byte[]>> result = store.query(
                WindowRangeQuery.withKey(key("a")), PositionBound.unbounded(), new QueryConfig(false, level));
        List<String> found = new ArrayList<>();
        try (KeyValueIterator<Windowed<Bytes>, byte[]> sessions = result.getResult()) {
            sessions.forEachRemaining(kv -> found.add(kv.key.window().start() + "-" + kv.key.window().end() + "="
                    + string(kv.value)));
        }
        return found;
    }
}
