package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.ProcessorStateException;

/**
 * The changelog offsets a store committed with its data (Kafka Streams' {@code StateStore#commit(Map)}, the store
 * managing its own offsets), and their encoding in the store's metadata family. Big-endian:
 *
 * <table class="striped">
 *   <caption>encoded changelog offsets</caption>
 *   <thead><tr><th>bytes</th><th>field</th></tr></thead>
 *   <tbody>
 *     <tr><td>4</td><td>number of partitions n</td></tr>
 *     <tr><td colspan="2">then n times:</td></tr>
 *     <tr><td>2</td><td>length t of the topic name</td></tr>
 *     <tr><td>t</td><td>topic name, UTF-8</td></tr>
 *     <tr><td>4</td><td>partition</td></tr>
 *     <tr><td>8</td><td>offset, as Streams handed it (its sentinel for an unknown offset included)</td></tr>
 *   </tbody>
 * </table>
 */
final class ChangelogOffsets {
    private ChangelogOffsets() {}

    /**
     * {@return the offsets after a commit of {@code committing} on top of {@code current}} As Kafka's own stores: an
     * empty map forgets every offset (Streams commits so a store it keeps no changelog of, or one it found corrupt),
     * otherwise each partition given is set (or forgotten when its offset is null) and the others are kept.
     */
    static Map<TopicPartition, Long> apply(Map<TopicPartition, Long> current, Map<TopicPartition, Long> committing) {
        if (committing.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, Long> next = new HashMap<>(current);
        committing.forEach((partition, offset) -> {
            if (offset == null) {
                next.remove(partition);
            } else {
                next.put(partition, offset);
            }
        });
        return Map.copyOf(next);
    }

    /** {@return {@code offsets} encoded as the class comment lays out} */
    static byte[] encode(Map<TopicPartition, Long> offsets) {
        int bytes = Integer.BYTES;
        for (TopicPartition partition : offsets.keySet()) {
            bytes += Short.BYTES + partition.topic().getBytes(StandardCharsets.UTF_8).length + Integer.BYTES
                    + Long.BYTES;
        }
        ByteBuffer out = ByteBuffer.allocate(bytes).putInt(offsets.size());
        offsets.forEach((partition, offset) -> {
            byte[] topic = partition.topic().getBytes(StandardCharsets.UTF_8);
            out.putShort((short) topic.length).put(topic).putInt(partition.partition()).putLong(offset);
        });
        return out.array();
    }

    /**
     * {@return the offsets {@code encoded} holds; none when it is null}
     *
     * @throws ProcessorStateException when the bytes are not an encoding of offsets (named after {@code store})
     */
    static Map<TopicPartition, Long> decode(byte[] encoded, String store) {
        if (encoded == null) {
            return Map.of();
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(encoded);
            int count = in.getInt();
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (int i = 0; i < count; i++) {
                byte[] topic = new byte[Short.toUnsignedInt(in.getShort())];
                in.get(topic);
                offsets.put(new TopicPartition(new String(topic, StandardCharsets.UTF_8), in.getInt()), in.getLong());
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after " + count + " offsets");
            }
            return Map.copyOf(offsets);
        } catch (RuntimeException e) {
            throw new ProcessorStateException("store " + store + ": changelog offsets of " + encoded.length
                    + " bytes do not decode (expected: a count, then topic, partition and offset per partition)", e);
        }
    }
}
