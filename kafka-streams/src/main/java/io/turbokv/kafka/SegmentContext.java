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
 * The context the stores inside another store are initialised with (the segments of a {@link SegmentedStore}, the
 * entries of a {@link TurboKvVersionedStore}): the task's, but with the owner's directory as state directory, no
 * registration with Kafka Streams (the owner registers itself and restores them), and the owner's word on whether
 * the store has a changelog.
 */
final class SegmentContext implements StateStoreContext {
    private final StateStoreContext task;
    private final Path directory;
    private final boolean hasChangelog;

    SegmentContext(StateStoreContext task, Path directory, boolean hasChangelog) {
        this.task = task;
        this.directory = directory;
        this.hasChangelog = hasChangelog;
    }

    /** {@return whether the store opened with this context is to be treated as one with a changelog} */
    boolean hasChangelog() {
        return hasChangelog;
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
