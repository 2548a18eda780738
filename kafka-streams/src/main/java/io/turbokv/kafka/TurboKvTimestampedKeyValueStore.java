package io.turbokv.kafka;

import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link TurboKvKeyValueStore} whose values are in Kafka Streams' timestamped format (an 8-byte big-endian record
 * timestamp, then the value); obtained through {@link TurboKvStores#persistentTimestampedKeyValueStore(String)}.
 *
 * <p>The store keeps the bytes it is given, as the plain store does: being a {@link TimestampedBytesStore} is what
 * tells Kafka Streams that those bytes carry the timestamp. So the DSL's {@code TimestampedKeyValueStore} writes
 * into it directly rather than through an adapter that drops timestamps, and a restore from the changelog (whose
 * records hold the plain value, the timestamp in the record's own) hands it values already converted to that
 * format.
 */
public final class TurboKvTimestampedKeyValueStore extends TurboKvKeyValueStore implements TimestampedBytesStore {
    TurboKvTimestampedKeyValueStore(String name, ConfigChoice configChoice) {
        super(name, configChoice);
    }
}
