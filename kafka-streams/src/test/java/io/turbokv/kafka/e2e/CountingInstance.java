package io.turbokv.kafka.e2e;

import io.turbokv.kafka.TurboKvStores;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * One instance of a counting application (words in, counts out) on TurboKV stores under exactly-once with
 * transactional state stores, run in a JVM of its own by {@link RestartEndToEndTest}, which kills it with SIGKILL
 * and starts it again on the same state directory. It runs until killed, and reports on standard output, one line
 * each: {@code restore <changelog partition> <start offset> <end offset>} when Streams starts restoring a store,
 * {@code restored <changelog partition> <records>} for each batch restored, and {@code running} once the instance
 * processes.
 */
public final class CountingInstance {
    /** The input topic: a word per record, the word as key. */
    static final String INPUT = "words";
    /** The output topic: each word's latest count. */
    static final String OUTPUT = "counts";
    /** The application id (so the changelog is {@code <id>-counts-changelog}). */
    static final String APPLICATION_ID = "turbokv-restart";

    private CountingInstance() {}

    /**
     * Runs the instance until the JVM is killed.
     *
     * @param args the bootstrap servers, then the state directory
     * @throws InterruptedException never in practice: the instance waits for ever
     */
    public static void main(String[] args) throws InterruptedException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.<String, Long>as(TurboKvStores.persistentTimestampedKeyValueStore("counts"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[1]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // the stores are committed after every transaction, so a killed instance's stores hold committed data only
        props.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true);
        // the stores keep those commits in memory up to 16 MiB or a minute by default, more than this run counts:
        // written every second, they leave the killed instance's disk with older offsets for the restart to resume
        props.put(TurboKvStores.COMMIT_BUFFER_MAX_AGE_MS_CONFIG, 1_000);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // the restarted instance takes the killed one's place at once rather than after its session times out
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "the-instance");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String store, long start, long end) {
                out.println("restore " + partition + " " + start + " " + end);
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String store, long end, long count) {
                out.println("restored " + partition + " " + count);
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long total) {}
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                out.println("running");
            }
        });
        streams.start();
        new CountDownLatch(1).await();
    }
}
