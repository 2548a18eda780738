package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.commit.WriteOperationGuard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that must reach disk while the background compaction holds the store's write slot waits on the stream
 * thread: for half the application's {@code max.poll.interval.ms}, so that the thread fails the write and polls
 * again before the group drops it, rather than the consumer's whole default interval.
 */
class SlotWaitTest {
    private static final String MAX_POLL = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG;

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void withoutTheSettingTheWaitIsHalfTheConsumersDefaultInterval() {
        assertEquals(Duration.ofMillis(150_000), TurboKvKeyValueStore.slotWait(Map.of()));
    }

    @Test
    void theWaitIsHalfTheApplicationsMaxPollInterval() {
        assertEquals(Duration.ofSeconds(30), TurboKvKeyValueStore.slotWait(Map.of(MAX_POLL, 60_000)));
        assertEquals(Duration.ofSeconds(30), TurboKvKeyValueStore.slotWait(Map.of(MAX_POLL, " 60000 ")));
        assertEquals(Duration.ofMillis(1), TurboKvKeyValueStore.slotWait(Map.of(MAX_POLL, 1)));
    }

    @Test
    void theMainConsumersSettingWinsOverTheConsumersWhichWinsOverThePlainOne() {
        assertEquals(Duration.ofSeconds(20), TurboKvKeyValueStore.slotWait(Map.of(MAX_POLL, 60_000,
                StreamsConfig.consumerPrefix(MAX_POLL), 40_000)));
        assertEquals(Duration.ofSeconds(10), TurboKvKeyValueStore.slotWait(Map.of(MAX_POLL, 60_000,
                StreamsConfig.consumerPrefix(MAX_POLL), 40_000, StreamsConfig.mainConsumerPrefix(MAX_POLL), 20_000)));
    }

    @Test
    void aSettingThatIsNoWholeNonNegativeNumberIsRefusedNamingIt() {
        ConfigException notANumber = assertThrows(ConfigException.class,
                () -> TurboKvKeyValueStore.slotWait(Map.of(MAX_POLL, "soon")));
        assertTrue(notANumber.getMessage().contains(MAX_POLL), notANumber.getMessage());
        assertThrows(ConfigException.class, () -> TurboKvKeyValueStore.slotWait(
                Map.of(StreamsConfig.mainConsumerPrefix(MAX_POLL), -1)));
    }

    @Test
    void aStoreWithoutChangelogFailsItsCommitAfterHalfTheIntervalWhileTheCompactionHoldsTheSlot() throws Exception {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
        store.init(new StubStateStoreContext(stateDir, Map.of(MAX_POLL, 400)), store);
        try {
            assertEquals(Duration.ofMillis(200), store.slotWait());
            WriteOperationGuard guard = EngineSlots.guard(store);
            guard.claim("compaction");
            store.put(key("a"), value("1"));
            long start = System.nanoTime();
            assertThrows(ProcessorStateException.class, () -> store.commit(Map.of()));
            long waited = System.nanoTime() - start;
            assertTrue(waited >= 150_000_000L && waited < 60_000_000_000L, "waited " + waited + " ns");
            guard.release();
            store.commit(Map.of()); // the writes were kept: this commit writes them
            assertArrayEquals(value("1"), store.get(key("a")));
            assertEquals(1, store.metricsSnapshot().commits().commits());
        } finally {
            store.close();
        }
    }
}
