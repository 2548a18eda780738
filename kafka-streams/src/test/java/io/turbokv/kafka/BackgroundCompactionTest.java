package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stores compact in the background, on the engine's shared pool of compaction threads, never on the thread that
 * writes and commits (the stream thread): every compaction the engine runs is a JFR {@code io.turbokv.Compaction} event,
 * whose thread this test checks, and the live SSTs of a store that writes every commit stay bounded all the same.
 */
class BackgroundCompactionTest {
    /** The JFR event of one compaction, recorded on the thread that ran it. */
    private static final String COMPACTION_EVENT = "io.turbokv.Compaction";
    /** The prefix of the engine's compaction threads' names ({@code CompactionPolicy}). */
    private static final String COMPACTION_THREAD = "turbokv-compaction";

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    /** {@return a started recording of the engine's compactions} */
    private static Recording recordCompactions() {
        Recording recording = new Recording();
        recording.enable(COMPACTION_EVENT);
        recording.start();
        return recording;
    }

    /** Stops {@code recording} and {@return the name of the thread of each compaction it saw} */
    private List<String> compactionThreads(Recording recording) throws IOException {
        recording.stop();
        Path dump = stateDir.resolve("compactions.jfr");
        recording.dump(dump);
        return RecordingFile.readAllEvents(dump).stream()
                .filter(event -> event.getEventType().getName().equals(COMPACTION_EVENT))
                .map(BackgroundCompactionTest::threadName)
                .toList();
    }

    private static String threadName(RecordedEvent event) {
        return event.getThread() == null ? "(no thread)" : event.getThread().getJavaName();
    }

    /** Waits, 60 s at most, for the compaction thread to bring {@code liveSsts} to the policy's bound. */
    private static long awaitCompacted(LongSupplier liveSsts) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        long live = liveSsts.getAsLong();
        while (live > TurboKvStores.COMPACTION_POLICY.sstCountAbove() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            live = liveSsts.getAsLong();
        }
        return live;
    }

    private static void assertAllOnCompactionThreads(List<String> threads, String writer) {
        assertFalse(threads.isEmpty(), "no compaction ran");
        assertTrue(threads.stream().allMatch(thread -> thread.startsWith(COMPACTION_THREAD)),
                "compactions ran on " + threads);
        assertFalse(threads.contains(writer), "a compaction ran on the writing thread " + writer);
    }

    /**
     * A store without a changelog writes each of its 296 one-key commits as a write batch of its own (an SST per
     * family): the compaction thread merges them behind the commits, and the store answers as a map would.
     */
    @Test
    void oneKeyCommitsAreCompactedOnTheStoresThreadAndTheSstCountStaysBounded() throws Exception {
        try (Recording recording = recordCompactions()) {
            TurboKvKeyValueStore store = (TurboKvKeyValueStore) TurboKvStores.persistentKeyValueStore("s").get();
            store.init(new StubStateStoreContext(stateDir, Map.of()), store);
            Map<String, String> expected = new TreeMap<>();
            for (int i = 0; i < 296; i++) {
                String k = "k" + (i * 7919 % 300);
                if (i % 10 == 9) {
                    store.delete(key(k));
                    expected.remove(k);
                } else {
                    store.put(key(k), value("v" + i));
                    expected.put(k, "v" + i);
                }
                store.commit(Map.of());
            }
            long live = awaitCompacted(() -> store.metricsSnapshot().sstFiles());
            assertTrue(live <= TurboKvStores.COMPACTION_POLICY.sstCountAbove(), live + " live SSTs after 296 commits");
            for (int i = 0; i < 300; i++) {
                String k = "k" + i;
                byte[] read = store.get(key(k));
                assertEquals(expected.get(k), read == null ? null : new String(read,
                        java.nio.charset.StandardCharsets.UTF_8), k);
            }
            store.close();
            assertAllOnCompactionThreads(compactionThreads(recording), Thread.currentThread().getName());
        }
    }

    /**
     * Under the test driver, whose thread is the stream thread and commits after every record, a count and a
     * windowed count whose stores write every commit ({@code turbokv.commit.buffer.bytes=0}) are compacted, and
     * never on the driver's thread.
     */
    @Test
    void underTheTestDriverNoCompactionRunsOnTheStreamThread() throws Exception {
        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, String> grouped = builder.stream("in", Consumed.with(Serdes.String(),
                Serdes.String())).groupByKey();
        grouped.count(Materialized.as(TurboKvStores.persistentTimestampedKeyValueStore("counts")));
        grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(java.time.Duration.ofSeconds(10)))
                .count(Materialized.as(TurboKvStores.persistentTimestampedWindowStore("windowed",
                        java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(10), false)));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "background");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("state").toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(TurboKvStores.COMMIT_BUFFER_BYTES_CONFIG, 0);
        Map<String, Long> expected = new HashMap<>();
        try (Recording recording = recordCompactions()) {
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
                TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                        Serdes.String().serializer());
                for (int i = 0; i < 200; i++) {
                    String k = "k" + (i % 13);
                    in.pipeInput(k, "x", 1_000L + i);
                    expected.merge(k, 1L, Long::sum);
                }
                Map<String, Long> read = new HashMap<>();
                try (KeyValueIterator<String, ValueAndTimestamp<Long>> all =
                        driver.<String, Long>getTimestampedKeyValueStore("counts").all()) {
                    all.forEachRemaining((KeyValue<String, ValueAndTimestamp<Long>> kv) -> read.put(kv.key,
                            kv.value.value()));
                }
                assertEquals(expected, read);
            }
            assertAllOnCompactionThreads(compactionThreads(recording), Thread.currentThread().getName());
        }
    }
}
