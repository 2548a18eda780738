package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session store's searches, removal, reopen and restore, driven directly. */
class TurboKvSessionStoreTest {
    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private StubStateStoreContext context;
    private SessionStore<Bytes, byte[]> store;

    @AfterEach
    void close() {
        store.close();
    }

    private SessionStore<Bytes, byte[]> open() {
        context = new StubStateStoreContext(stateDir);
        SessionStore<Bytes, byte[]> opened = TurboKvStores.persistentSessionStore("s", Duration.ofMinutes(2)).get();
        opened.init(context, opened);
        return opened;
    }

    private static Windowed<Bytes> session(String key, long start, long end) {
        return new Windowed<>(key(key), new SessionWindow(start, end));
    }

    private static List<String> sessions(KeyValueIterator<Windowed<Bytes>, byte[]> iterator) {
        List<String> sessions = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> sessions.add(new String(kv.key.key().get(), StandardCharsets.UTF_8) + "["
                    + kv.key.window().start() + "," + kv.key.window().end() + "]=" + kv.value[0]));
        }
        return sessions;
    }

    @Test
    void searchesFindOverlappingSessionsAndRemovalAndReopenKeepThem() {
        store = open();
        store.put(session("a", 1_000, 5_000), new byte[] {1});
        store.put(session("a", 70_000, 80_000), new byte[] {2});
        store.put(session("b", 2_000, 3_000), new byte[] {3});
        assertEquals(List.of("a[1000,5000]=1", "a[70000,80000]=2"), sessions(store.fetch(key("a"))));
        assertEquals(List.of("a[70000,80000]=2"), sessions(store.findSessions(key("a"), 6_000, 90_000)));
        assertEquals(List.of("b[2000,3000]=3", "a[1000,5000]=1"),
                sessions(store.backwardFindSessions(key("a"), key("b"), 0, 4_000)));
        assertEquals(2, store.fetchSession(key("a"), 70_000, 80_000)[0]);
        store.remove(session("a", 1_000, 5_000));
        store.commit(Map.of());
        store.close();
        store = open();
        assertEquals(List.of("a[70000,80000]=2"), sessions(store.fetch(key("a"))));
        assertNull(store.fetchSession(key("a"), 1_000, 5_000));
    }

    @Test
    void aRemovalMovesThePositionAsAPutDoes() {
        store = open();
        context.recordMetadata = new StubRecordMetadata("in", 0, 7);
        store.put(session("a", 1_000, 5_000), new byte[] {1});
        context.recordMetadata = new StubRecordMetadata("in", 0, 9);
        store.remove(session("a", 1_000, 5_000));
        assertEquals(Position.fromMap(Map.of("in", Map.of(0, 9L))), store.getPosition(),
                "the removal is a write of record 9: interactive queries bound by position must see it");
    }

    @Test
    void restoreWritesChangelogRecordsToTheirSegmentsAndDropsExpiredOnes() {
        store = open();
        RecordBatchingStateRestoreCallback restore = assertInstanceOf(RecordBatchingStateRestoreCallback.class,
                context.restoreCallback);
        restore.restoreBatch(List.of(record(0, "a", 1_000, 5_000, (byte) 1), record(1, "a", 200_000, 210_000,
                (byte) 2), record(2, "b", 2_000, 3_000, (byte) 3)));
        // stream time 210 s with 2 min of retention: the sessions ending at 5 s and 3 s have expired
        assertEquals(List.of("a[200000,210000]=2"), sessions(store.fetch(key("a"), key("b"))));
        assertEquals(0, store.approximateNumUncommittedBytes(), "the batch is committed");
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, long start, long end, byte value) {
        return new ConsumerRecord<>("s-changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                TurboKvSessionStore.segmentKey(key.getBytes(StandardCharsets.UTF_8), start, end),
                new byte[] {value}, new RecordHeaders(), Optional.empty());
    }
}
