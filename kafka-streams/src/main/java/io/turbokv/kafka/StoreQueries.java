package io.turbokv.kafka;

import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Answers interactive queries (IQv2) on a bytes store, with the semantics of Kafka's own stores, only when the
 * store's position has reached the query's bound on the store's input partition: on a key-value store a
 * {@link KeyQuery} or {@link RangeQuery}; on a window store a {@link WindowKeyQuery} or a {@link WindowRangeQuery}
 * with both time bounds; on a session store a {@link WindowRangeQuery} with a key; on a versioned store a
 * {@link VersionedKeyQuery} or a {@link MultiVersionedKeyQuery}. Keys are {@link Bytes} and
 * values {@code byte[]}: Kafka Streams' typed layers turn typed and timestamped queries into these raw ones and
 * deserialize the answer. Any other query is "unknown". The isolation level of a query matters to a store with
 * {@code enable.transactional.statestores} (see {@link StreamsStore#readsCommittedOnly}): a {@code READ_COMMITTED}
 * query of a key-value, versioned, window or session store reads what the store committed only. A read-committed window or session query
 * opens each segment's read when its iterator reaches the segment: every segment read holds committed entries only,
 * but a segment reached after a later Streams commit holds that commit's entries too, newer than the position the
 * answer reports.
 */
final class StoreQueries {
    private StoreQueries() {}

    /**
     * Answers {@code query}; the caller holds the store's lock, so the data read and the position reported agree.
     *
     * @param partition the store's input partition (its task's), or null when the store is not initialised
     */
    static <R> QueryResult<R> answer(Query<R> query, PositionBound bound, QueryConfig config, StateStore store,
                                     Position position, Integer partition) {
        long start = config.isCollectExecutionInfo() ? System.nanoTime() : 0;
        QueryResult<R> result;
        if (!answerable(query, store)) {
            result = QueryResult.forUnknownQueryType(query, store);
        } else if (partition == null || !reached(position, bound, partition)) {
            result = QueryResult.notUpToBound(position, bound, partition);
        } else {
            try {
                result = run(query, store, config);
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

    private static boolean answerable(Query<?> query, StateStore store) {
        return switch (query) {
            case KeyQuery<?, ?> key -> store instanceof KeyValueStore<?, ?>;
            case RangeQuery<?, ?> range -> store instanceof KeyValueStore<?, ?>;
            case WindowKeyQuery<?, ?> windowKey -> store instanceof WindowStore<?, ?>;
            case WindowRangeQuery<?, ?> windowRange -> store instanceof WindowStore<?, ?>
                    || store instanceof SessionStore<?, ?>;
            case VersionedKeyQuery<?, ?> versionedKey -> store instanceof TurboKvVersionedStore;
            case MultiVersionedKeyQuery<?, ?> versions -> store instanceof TurboKvVersionedStore;
            default -> false;
        };
    }

    /**
     * Runs an {@link #answerable} query; a window query without the bounds the store needs is unknown. A key or range
     * query of a key-value store, a versioned query, and a window or session query, reads only the store's committed
     * entries when the store {@link StreamsStore#readsCommittedOnly reads committed only} at the query's isolation
     * level.
     */
    private static <R> QueryResult<R> run(Query<R> query, StateStore store, QueryConfig config) {
        if (store instanceof SegmentedStore segmented && segmented.readsCommittedOnly(config)) {
            return segmented.readingCommitted(() -> read(query, store, null));
        }
        if (store instanceof TurboKvVersionedStore versioned && versioned.readsCommittedOnly(config)) {
            return versioned.readingCommitted(() -> read(query, store, null));
        }
        return read(query, store, store instanceof TurboKvKeyValueStore keyValue
                && keyValue.readsCommittedOnly(config) ? keyValue : null);
    }

    /**
     * Reads the answer to {@code query}: of a key-value store's committed entries only when {@code committedOnly} is
     * that store.
     */
    @SuppressWarnings("unchecked")
    private static <R> QueryResult<R> read(Query<R> query, StateStore store, TurboKvKeyValueStore committedOnly) {
        Object answer;
        if (query instanceof KeyQuery<?, ?> key) {
            Bytes wanted = ((KeyQuery<Bytes, byte[]>) key).getKey();
            answer = committedOnly != null ? committedOnly.committedGet(wanted)
                    : ((KeyValueStore<Bytes, byte[]>) store).get(wanted);
        } else if (query instanceof RangeQuery<?, ?> range) {
            RangeQuery<Bytes, byte[]> typed = (RangeQuery<Bytes, byte[]>) range;
            answer = committedOnly != null ? committedOnly.committedRange(typed.getLowerBound().orElse(null),
                    typed.getUpperBound().orElse(null), typed.resultOrder() == ResultOrder.DESCENDING)
                    : range((KeyValueStore<Bytes, byte[]>) store, typed);
        } else if (query instanceof VersionedKeyQuery<?, ?> versionedKey) {
            VersionedKeyQuery<Bytes, byte[]> typed = (VersionedKeyQuery<Bytes, byte[]>) versionedKey;
            TurboKvVersionedStore versioned = (TurboKvVersionedStore) store;
            answer = typed.asOfTimestamp().isPresent()
                    ? versioned.get(typed.key(), typed.asOfTimestamp().get().toEpochMilli())
                    : versioned.get(typed.key());
        } else if (query instanceof MultiVersionedKeyQuery<?, ?> versions) {
            MultiVersionedKeyQuery<Bytes, byte[]> typed = (MultiVersionedKeyQuery<Bytes, byte[]>) versions;
            answer = ((TurboKvVersionedStore) store).versions(typed.key(),
                    typed.fromTime().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE),
                    typed.toTime().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE), typed.resultOrder());
        } else if (query instanceof WindowKeyQuery<?, ?> windowKey) {
            WindowKeyQuery<Bytes, byte[]> typed = (WindowKeyQuery<Bytes, byte[]>) windowKey;
            if (typed.getTimeFrom().isEmpty() || typed.getTimeTo().isEmpty()) {
                return QueryResult.forFailure(FailureReason.UNKNOWN_QUERY_TYPE, "store " + store.name()
                        + " answers " + query + " only with both time bounds, as Kafka's window stores");
            }
            answer = ((WindowStore<Bytes, byte[]>) store).fetch(typed.getKey(), typed.getTimeFrom().get(),
                    typed.getTimeTo().get());
        } else {
            WindowRangeQuery<Bytes, byte[]> typed = (WindowRangeQuery<Bytes, byte[]>) query;
            if (store instanceof SessionStore<?, ?>) {
                if (typed.getKey().isEmpty()) {
                    return QueryResult.forFailure(FailureReason.UNKNOWN_QUERY_TYPE, "store " + store.name()
                            + " answers " + query + " only with a key, as Kafka's session stores");
                }
                answer = ((SessionStore<Bytes, byte[]>) store).fetch(typed.getKey().get());
            } else {
                if (typed.getTimeFrom().isEmpty() || typed.getTimeTo().isEmpty()) {
                    return QueryResult.forFailure(FailureReason.UNKNOWN_QUERY_TYPE, "store " + store.name()
                            + " answers " + query + " only with both time bounds, as Kafka's window stores");
                }
                answer = ((WindowStore<Bytes, byte[]>) store).fetchAll(typed.getTimeFrom().get(),
                        typed.getTimeTo().get());
            }
        }
        return QueryResult.forResult((R) answer);
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
