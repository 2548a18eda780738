package io.turbokv.kafka;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The context the segments of a {@link TurboKvWindowStore} are initialised with: the task's, but with the window
 * store's directory as state directory, and no registration with Kafka Streams (the window store registers itself
 * and restores its segments).
 */
final class SegmentContext implements StateStoreContext {
    private final StateStoreContext task;
    private final Path directory;

    SegmentContext(StateStoreContext task, Path directory) {
        this.task = task;
        this.directory = directory;
    }

    @Override
    public String applicationId() {
        return task.applicationId();
    }

    @Override
    public TaskId taskId() {
        return task.taskId();
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return task.recordMetadata();
    }

    @Override
    public Serde<?> keySerde() {
        return task.keySerde();
    }

    @Override
    public Serde<?> valueSerde() {
        return task.valueSerde();
    }

    @Override
    public File stateDir() {
        return directory.toFile();
    }

    @Override
    public StreamsMetrics metrics() {
        return task.metrics();
    }

    /** Does nothing: a segment is not a store of Kafka Streams'. */
    @Override
    public void register(StateStore store, StateRestoreCallback callback) {}

    /** Does nothing: a segment is not a store of Kafka Streams'. */
    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback checkpoint) {}

    @Override
    public Map<String, Object> appConfigs() {
        return task.appConfigs();
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        return task.appConfigsWithPrefix(prefix);
    }
}
