package io.turbokv.kafka;

import static io.turbokv.kafka.StateDirs.crashImage;
import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flush under exactly-once writes writes that may belong to a transaction that aborts; the key-value store then
 * forgets its offsets so that after a crash Streams rebuilds it. A window store writes such a flush as one batch per
 * segment: a crash between two segments' batches must not leave a store that reports offsets while it holds the
 * open transaction's writes.
 */
@SuppressWarnings("deprecation") // flush
class SegmentedFlushUnderExactlyOnceTest {
    private static final Duration RETENTION = Duration.ofMinutes(10);
    /** A time in the segment after the one of time 0 (segments of five minutes). */
    private static final long NEXT_SEGMENT = Duration.ofMinutes(6).toMillis();
    private static final Map<String, Object> EXACTLY_ONCE = Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
            StreamsConfig.EXACTLY_ONCE_V2);

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static TurboKvWindowStore open(Path directory) {
        TurboKvWindowStore store = (TurboKvWindowStore) TurboKvStores.persistentWindowStore("w", RETENTION,
                Duration.ofSeconds(10), false).get();
        store.init(KafkaStoreContext.of(new StubStateStoreContext(directory, EXACTLY_ONCE), true), store);
        return store;
    }

    @Test
    void aCrashBetweenTheSegmentsOfAFlushUnderExactlyOnceLeavesNoOffsetsOverUncommittedWrites() throws IOException {
        TopicPartition changelog = new TopicPartition("turbokv-test-w-changelog", 0);
        Path crash = stateDir.resolve("crash");
        TurboKvWindowStore store = open(stateDir);
        try {
            store.put(key("a"), value("committed"), 0);
            store.put(key("b"), value("committed"), NEXT_SEGMENT);
            store.commit(Map.of(changelog, 1L));
            store.flush(); // nothing buffered: both segments written with offset 1
            store.put(key("a"), value("open transaction"), 0);
            store.put(key("b"), value("open transaction"), NEXT_SEGMENT);
            crashImage(stateDir.resolve("w"), crash.resolve("w")); // both segments before the flush
            store.flush(); // writes the open transaction's writes: segment 0 first, then segment 300000
            // a crash after segment 0's batch and before segment 300000's
            Directories.deleteRecursively(crash.resolve("w").resolve("w.0"));
            crashImage(stateDir.resolve("w").resolve("w.0"), crash.resolve("w").resolve("w.0"));
        } finally {
            store.close();
        }
        TurboKvWindowStore reopened = open(crash);
        try {
            String a = string(reopened.fetch(key("a"), 0));
            assertNull(reopened.committedOffset(changelog), "offsets reported over the open transaction's write a="
                    + a + ": a restore after them never replaces it if the transaction aborts");
        } finally {
            reopened.close();
        }
    }
}
