package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.string;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;

/**
 * Renders the answers of versioned stores to interactive queries as strings, so that parity tests compare two
 * stores' answers (Kafka's and TurboKV's, or a store and its restored copy) as lists of lines.
 */
final class QueryAnswers {
    private QueryAnswers() {}

    /**
     * {@return {@code store}'s answer to {@code query} without a position bound: each version found ({@link
     * #render}), the failure's reason (and message, with {@code failureMessage}: not where two stores' messages may
     * differ in wording), or the result as a string}
     */
    static String ask(StateStore store, Query<?> query, QueryConfig config, boolean failureMessage) {
        QueryResult<?> result = store.query(query, PositionBound.unbounded(), config);
        if (result.isFailure()) {
            return failureMessage ? result.getFailureReason() + ": " + result.getFailureMessage()
                    : result.getFailureReason().toString();
        }
        Object value = result.getResult();
        if (value instanceof VersionedRecordIterator<?> iterator) {
            List<String> versions = new ArrayList<>();
            try (iterator) {
                iterator.forEachRemaining(record -> versions.add(render(record)));
            }
            return versions.toString();
        }
        return value instanceof VersionedRecord<?> record ? render(record) : String.valueOf(value);
    }

    /** {@return a version of bytes as {@code value@timestamp validTo validTo}} */
    static String render(VersionedRecord<?> record) {
        return string((byte[]) record.value()) + "@" + record.timestamp() + " validTo " + record.validTo();
    }
}
