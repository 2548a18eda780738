package io.turbokv.kafka;

import org.apache.kafka.streams.processor.api.RecordMetadata;

/** The input record a store write comes from, as a stub context reports it. */
record StubRecordMetadata(String topic, int partition, long offset) implements RecordMetadata {}
