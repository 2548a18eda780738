package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.internals.PositionSerde;

/**
 * What one commit of a window or session store ({@link SegmentedStore}) wrote, as each segment it touched keeps it,
 * under {@link #KEY} in the segment's metadata family, in the same write batch as the segment's data. The segments
 * are TurboKV stores of their own, so a commit that touches several is one write batch per segment, and a crash may
 * come between two: the record lists every segment of its commit, so that a reopened store sees whether the newest
 * commit reached all of them, and falls back to the position and offsets of the commit before it when it did not
 * (replaying changelog records after those offsets again is harmless: each sets its key's value). Big-endian:
 *
 * <table class="striped">
 *   <caption>commit record</caption>
 *   <thead><tr><th>bytes</th><th>field</th></tr></thead>
 *   <tbody>
 *     <tr><td>8</td><td>epoch: the store's commit count, one more at each commit</td></tr>
 *     <tr><td>4</td><td>number of segments n the commit wrote</td></tr>
 *     <tr><td>8 n</td><td>their ids</td></tr>
 *     <tr><td>4 + p</td><td>length p, then the store's position after the commit ({@code PositionSerde})</td></tr>
 *     <tr><td>4 + o</td><td>length o, then the changelog offsets of the commit ({@link ChangelogOffsets})</td></tr>
 *     <tr><td>4 + p'</td><td>length p', then the position of the commit before</td></tr>
 *     <tr><td>4 + o'</td><td>length o', then the changelog offsets of the commit before</td></tr>
 *   </tbody>
 * </table>
 *
 * @param epoch           the store's commit count
 * @param segments        the ids of the segments the commit wrote, ascending
 * @param position        the store's position after the commit
 * @param offsets         the changelog offsets of the commit
 * @param previousPosition the position of the commit before
 * @param previousOffsets the changelog offsets of the commit before
 */
record CommitRecord(long epoch, long[] segments, Position position, Map<TopicPartition, Long> offsets,
                    Position previousPosition, Map<TopicPartition, Long> previousOffsets) {
    /** The key of the record in a segment's metadata family. */
    static final byte[] KEY = "commit".getBytes(StandardCharsets.UTF_8);

    /** The state of a store that never committed. */
    static final CommitRecord NONE = new CommitRecord(0, new long[0], Position.emptyPosition(), Map.of(),
            Position.emptyPosition(), Map.of());

    /**
     * {@return the record of a commit after this one, numbered {@code nextEpoch}, that writes the segments
     * {@code written} with the store at {@code newPosition} and {@code newOffsets}}
     */
    CommitRecord next(long nextEpoch, long[] written, Position newPosition, Map<TopicPartition, Long> newOffsets) {
        return new CommitRecord(nextEpoch, written, newPosition.copy(), newOffsets, position.copy(), offsets);
    }

    /**
     * {@return as {@link #next}, for writes that may belong to a transaction that aborts: neither the record nor the
     * fallback to the commit before has offsets, so that after a crash Kafka Streams rebuilds the store}
     */
    CommitRecord nextForgettingOffsets(long nextEpoch, long[] written, Position newPosition) {
        return new CommitRecord(nextEpoch, written, newPosition.copy(), Map.of(), position.copy(), Map.of());
    }

    /**
     * {@return the record of the newest commit whose every segment holds it} (or the commit before the newest, when
     * the newest did not reach all its segments), given each segment's record ({@code null} for a segment without
     * one); its {@link #position} and {@link #offsets} are the store's. A segment that a record lists and that no
     * longer exists was dropped by retention after that commit completed (segments are dropped between commits only).
     */
    static CommitRecord latestComplete(Map<Long, CommitRecord> bySegment) {
        CommitRecord newest = NONE;
        for (CommitRecord record : bySegment.values()) {
            if (record != null && record.epoch > newest.epoch) {
                newest = record;
            }
        }
        for (long id : newest.segments) {
            CommitRecord held = bySegment.get(id);
            if (bySegment.containsKey(id) && (held == null || held.epoch < newest.epoch)) {
                // the newest commit did not reach this segment: the store is as the commit before left it, plus
                // the newest commit's writes to some segments, which the changelog after the earlier offsets repeats
                return new CommitRecord(newest.epoch, new long[0], newest.previousPosition, newest.previousOffsets,
                        newest.previousPosition, newest.previousOffsets);
            }
        }
        return newest;
    }

    /** {@return the record encoded as the class comment lays out} */
    byte[] encode() {
        byte[][] parts = {bytes(position), ChangelogOffsets.encode(offsets), bytes(previousPosition),
                ChangelogOffsets.encode(previousOffsets)};
        int size = Long.BYTES + Integer.BYTES + Long.BYTES * segments.length;
        for (byte[] part : parts) {
            size += Integer.BYTES + part.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putLong(epoch).putInt(segments.length);
        for (long id : segments) {
            out.putLong(id);
        }
        for (byte[] part : parts) {
            out.putInt(part.length).put(part);
        }
        return out.array();
    }

    /**
     * {@return the record {@code encoded} holds, or null when it is null}
     *
     * @throws ProcessorStateException when the bytes are not a commit record (named after {@code segment})
     */
    static CommitRecord decode(byte[] encoded, String segment) {
        if (encoded == null) {
            return null;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(encoded);
            long epoch = in.getLong();
            long[] segments = new long[in.getInt()];
            for (int i = 0; i < segments.length; i++) {
                segments[i] = in.getLong();
            }
            Position position = PositionSerde.deserialize(ByteBuffer.wrap(part(in)));
            Map<TopicPartition, Long> offsets = ChangelogOffsets.decode(part(in), segment);
            Position previousPosition = PositionSerde.deserialize(ByteBuffer.wrap(part(in)));
            Map<TopicPartition, Long> previousOffsets = ChangelogOffsets.decode(part(in), segment);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the record");
            }
            return new CommitRecord(epoch, segments, position, offsets, previousPosition, previousOffsets);
        } catch (RuntimeException e) {
            throw new ProcessorStateException("segment " + segment + ": commit record of " + encoded.length
                    + " bytes does not decode (expected: epoch, segments, positions and offsets)", e);
        }
    }

    private static byte[] part(ByteBuffer in) {
        byte[] part = new byte[in.getInt()];
        in.get(part);
        return part;
    }

    private static byte[] bytes(Position position) {
        ByteBuffer encoded = PositionSerde.serialize(position);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CommitRecord that && epoch == that.epoch && Arrays.equals(segments, that.segments)
                && position.equals(that.position) && offsets.equals(that.offsets)
                && previousPosition.equals(that.previousPosition) && previousOffsets.equals(that.previousOffsets);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(segments);
    }

    @Override
    public String toString() {
        return "CommitRecord[epoch=" + epoch + ", segments=" + Arrays.toString(segments) + ", position=" + position
                + ", offsets=" + offsets + "]";
    }
}
