package io.turbokv.kafka;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;

/**
 * The context a store is initialised with, outside Kafka Streams: a state directory, the application's
 * configuration, the record being processed (settable) and the restore callback.
 */
final class StubStateStoreContext implements StateStoreContext {
    private final Path stateDir;
    private final Map<String, Object> appConfigs;
    StateRestoreCallback restoreCallback;
    /** What the store asked to run when Kafka Streams checkpoints it (Kafka's stores persist their position so). */
    CommitCallback commitCallback;
    RecordMetadata recordMetadata;
    final StreamsMetricsImpl metrics = new StreamsMetricsImpl(new Metrics(), "stub", Time.SYSTEM);

    StubStateStoreContext(Path stateDir) {
        this(stateDir, Map.of());
    }

    StubStateStoreContext(Path stateDir, Map<String, Object> appConfigs) {
        this.stateDir = stateDir;
        this.appConfigs = appConfigs;
    }

    @Override
    public String applicationId() {
        return "turbokv-test";
    }

    @Override
    public TaskId taskId() {
        return new TaskId(0, 0);
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return Optional.ofNullable(recordMetadata);
    }

    @Override
    public Serde<?> keySerde() {
        return Serdes.Bytes();
    }

    @Override
    public Serde<?> valueSerde() {
        return Serdes.ByteArray();
    }

    @Override
    public File stateDir() {
        return stateDir.toFile();
    }

    /** Kafka Streams' own metrics, as a task hands them to its stores. */
    @Override
    public StreamsMetrics metrics() {
        return metrics;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
        this.restoreCallback = callback;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback checkpoint) {
        this.restoreCallback = callback;
        this.commitCallback = checkpoint;
    }

    @Override
    public Map<String, Object> appConfigs() {
        return appConfigs;
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        return Map.of();
    }
}
