package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.TurboKV;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.VersionedBytesStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.internals.VersionedKeyValueToBytesStoreAdapter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The versioned store's life cycle and storage, driven directly (its semantics: {@link VersionedParityTest}). */
class TurboKvVersionedStoreTest {
    private static final long RETENTION = 1_000;
    private static final long SEGMENT = 300;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private StubStateStoreContext context;
    private TurboKvVersionedStore store;

    @BeforeEach
    void open() {
        store = reopen();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private TurboKvVersionedStore reopen() {
        context = new StubStateStoreContext(stateDir);
        TurboKvVersionedStore opened = new TurboKvVersionedStore("v", RETENTION, SEGMENT,
                TurboKvStores::configByChangelog);
        opened.init(context, opened);
        return opened;
    }

    @Test
    void theSupplierGivesKafkasVersionedLayersAVersionedBytesStore() {
        var supplier = TurboKvStores.persistentVersionedKeyValueStore("v", Duration.ofMinutes(10));
        assertEquals(Duration.ofMinutes(10).toMillis(), supplier.historyRetentionMs());
        assertEquals(60_000L, ((TurboKvVersionedBytesStoreSupplier) supplier).segmentIntervalMs(),
                "a twelfth of the retention, at least a minute, as Kafka's default");
        VersionedBytesStore bytes = assertInstanceOf(VersionedKeyValueToBytesStoreAdapter.class, supplier.get());
        assertEquals("v", bytes.name());
        assertThrows(IllegalArgumentException.class,
                () -> TurboKvStores.persistentVersionedKeyValueStore("v", Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class,
                () -> TurboKvStores.persistentVersionedKeyValueStore("v", Duration.ofMinutes(1), Duration.ZERO));
    }

    @Test
    void versionsPositionAndOffsetsCommittedSurviveAReopen() {
        TopicPartition changelog = new TopicPartition("app-v-changelog", 0);
        context.recordMetadata = new StubRecordMetadata("in", 0, 7);
        assertEquals(VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED, store.put(key("k"), value("1"), 100));
        assertEquals(VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED, store.put(key("k"), value("2"), 200));
        assertEquals(200, store.put(key("k"), value("1.5"), 150), "an out-of-order put ends at the next version");
        store.commit(Map.of(changelog, 41L));
        store.put(key("k"), value("uncommitted"), 300);
        store.close();
        store = reopen();
        assertEquals("2@200", render(store.get(key("k"))), "the uncommitted write is gone, as after a crash");
        assertEquals("1.5@150 to 200", render(store.get(key("k"), 199)));
        assertEquals("1@100 to 150", render(store.get(key("k"), 149)));
        assertNull(store.get(key("k"), 99));
        assertEquals(41L, store.committedOffset(changelog));
        assertEquals(Position.fromMap(Map.of("in", Map.of(0, 7L))), store.getPosition());
    }

    @Test
    void versionsOfExpiredSegmentsAreDeletedFromDiskNotOnlyHidden() throws IOException {
        // 3,000 versions of one key over 30 history retentions: only those of the live segments may stay
        for (int t = 0; t < 30_000; t += 10) {
            store.put(key("k"), value("v" + t), t);
            if (t % 500 == 0) {
                store.commit(Map.of());
            }
        }
        store.commit(Map.of());
        assertEquals("v29990@29990", render(store.get(key("k"))));
        assertEquals("v29000@29000 to 29010", render(store.get(key("k"), 29_005)));
        try (CapturedWarnings warnings = new CapturedWarnings()) {
            assertNull(store.get(key("k"), 28_000), "older than the history retention");
            assertEquals(1, warnings.messages().size());
        }
        store.close();
        int[] entriesByKind = new int[3];
        try (TurboKV db = TurboKV.openReadOnly(stateDir.resolve("v"), TurboKvStores.defaultConfig())) {
            db.forEach(TurboKvKeyValueStore.FAMILY,
                    (k, v) -> entriesByKind[k.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)]++);
        }
        // live from segment (29,990 - 1,000) / 300 = 96, validTo >= 28,800: 120 versions, each with its index entry
        assertEquals("[1, 120, 120]", Arrays.toString(entriesByKind));
        store = reopen();
    }

    @Test
    void writesPastTheSpillThresholdAreWrittenBeforeTheCommit() {
        byte[] large = new byte[1 << 20];
        for (int t = 0; t < 17; t++) {
            store.put(key("k"), large, t);
        }
        assertTrue(store.approximateNumUncommittedBytes() < TurboKvKeyValueStore.SPILL_BYTES,
                store.approximateNumUncommittedBytes() + " bytes buffered");
        assertEquals(16, store.get(key("k")).timestamp());
    }

    @Test
    void versionedKeyQueriesWaitForTheirPositionBound() {
        context.recordMetadata = new StubRecordMetadata("in", 0, 3);
        store.put(key("k"), value("1"), 100);
        QueryConfig config = new QueryConfig(false);
        QueryResult<VersionedRecord<byte[]>> reached = store.query(VersionedKeyQuery.withKey(key("k")),
                PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 3L)))), config);
        assertEquals("1@100", render(reached.getResult()));
        QueryResult<VersionedRecord<byte[]>> ahead = store.query(VersionedKeyQuery.<Bytes, byte[]>withKey(key("k"))
                .asOf(Instant.ofEpochMilli(100)), PositionBound.at(Position.fromMap(Map.of("in", Map.of(0, 4L)))),
                config);
        assertEquals(FailureReason.NOT_UP_TO_BOUND, ahead.getFailureReason());
    }

    @Test
    void aClosedStoreRefusesEveryCall() {
        store.close();
        assertFalse(store.isOpen());
        for (Runnable call : List.<Runnable>of(() -> store.put(key("k"), value("1"), 1), () -> store.get(key("k")),
                () -> store.get(key("k"), 1), () -> store.delete(key("k"), 1), () -> store.commit(Map.of()))) {
            assertThrows(InvalidStateStoreException.class, call::run);
        }
        store = reopen();
    }

    private static String render(VersionedRecord<byte[]> record) {
        if (record == null) {
            return null;
        }
        return new String(record.value(), StandardCharsets.UTF_8) + "@" + record.timestamp()
                + record.validTo().map(to -> " to " + to).orElse("");
    }

}
