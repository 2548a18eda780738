package io.turbokv.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Map;

/**
 * Answers interactive queries (IQv2) on a bytes key-value store, with the semantics of Kafka's own stores: a
 * {@link KeyQuery} or {@link RangeQuery} on {@link Bytes} keys and {@code byte[]} values, answered only when the
 * store's position has reached the query's bound on the store's input partition. Kafka Streams' typed layers turn
 * {@code TimestampedKeyQuery} and {@code TimestampedRangeQuery} (and typed key and range queries) into these raw
 * ones, and deserialize the answer; any other query type is "unknown", as in Kafka's key-value stores.
 */
final class StoreQueries {
    private StoreQueries() {}

    /**
     * Answers {@code query}; the caller holds the store's lock, so the data read and the position reported agree.
     *
     * @param partition the store's input partition (its task's), or null when the store is not initialised
     */
    @SuppressWarnings("unchecked")
    static <R> QueryResult<R> answer(Query<R> query, PositionBound bound, QueryConfig config,
            KeyValueStore<Bytes, byte[]> store, Position position, Integer partition) {
        long start = config.isCollectExecutionInfo() ? System.nanoTime() : 0;
        QueryResult<R> result;
        if (!(query instanceof KeyQuery<?, ?>) && !(query instanceof RangeQuery<?, ?>)) {
            result = QueryResult.forUnknownQueryType(query, store);
        } else if (partition == null || !reached(position, bound, partition)) {
            result = QueryResult.notUpToBound(position, bound, partition);
        } else {
            try {
                Object answer = query instanceof KeyQuery<?, ?> key
                        ? store.get(((KeyQuery<Bytes, byte[]>) key).getKey())
                        : range(store, (RangeQuery<Bytes, byte[]>) query);
                result = QueryResult.forResult((R) answer);
            } catch (RuntimeException e) {
                result = QueryResult.forFailure(FailureReason.STORE_EXCEPTION,
                        query + " failed on store " + store.name() + ": " + e);
            }
        }
        if (config.isCollectExecutionInfo()) {
            result.addExecutionInfo("Handled in " + store.getClass() + " in " + (System.nanoTime() - start) + "ns");
        }
        result.setPosition(position.copy());
        return result;
    }

    /**
     * Whether {@code position} is at or past {@code bound} on {@code partition}: for every topic the bound names
     * with this partition, the store has seen that partition at an offset not below the bound's. Topics or
     * partitions the bound does not name do not constrain; an unbounded bound names none.
     */
    static boolean reached(Position position, PositionBound bound, int partition) {
        Position required = bound.position();
        for (String topic : required.getTopics()) {
            Long requiredOffset = required.getPartitionPositions(topic).get(partition);
            if (requiredOffset == null) {
                continue;
            }
            Map<Integer, Long> seen = position.getPartitionPositions(topic);
            Long seenOffset = seen.get(partition);
            if (seenOffset == null || seenOffset < requiredOffset) {
                return false;
            }
        }
        return true;
    }

    private static KeyValueIterator<Bytes, byte[]> range(KeyValueStore<Bytes, byte[]> store,
            RangeQuery<Bytes, byte[]> query) {
        Bytes lower = query.getLowerBound().orElse(null);
        Bytes upper = query.getUpperBound().orElse(null);
        return query.resultOrder() == ResultOrder.DESCENDING
                ? store.reverseRange(lower, upper)
                : store.range(lower, upper);
    }
}
