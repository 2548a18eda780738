package io.turbokv.kafka;

import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link TurboKvWindowStore} whose values are in Kafka Streams' timestamped format (an 8-byte big-endian record
 * timestamp, then the value), for the DSL's windowed aggregations; obtained through
 * {@link TurboKvStores#persistentTimestampedWindowStore}. As for {@link TurboKvTimestampedKeyValueStore}, being a
 * {@link TimestampedBytesStore} is what tells Kafka Streams the values carry their timestamps.
 */
public final class TurboKvTimestampedWindowStore extends TurboKvWindowStore implements TimestampedBytesStore {
    TurboKvTimestampedWindowStore(String name, long retentionPeriod, long segmentInterval, long windowSize,
                                  boolean retainDuplicates, TurboKvKeyValueStore.ConfigChoice configChoice) {
        super(name, retentionPeriod, segmentInterval, windowSize, retainDuplicates, configChoice);
    }
}
