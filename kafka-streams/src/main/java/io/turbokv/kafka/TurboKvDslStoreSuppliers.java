package io.turbokv.kafka;

import java.util.Map;
import org.apache.kafka.streams.DslStoreFormat;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Makes TurboKV the store of every DSL key-value store of an application, with one line of configuration:
 *
 * <pre>{@code
 * props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, TurboKvDslStoreSuppliers.class);
 * }</pre>
 *
 * <p>Aggregations, tables, the stores of foreign-key joins and every other key-value store the DSL creates without a
 * supplier of its own get {@link TurboKvStores#persistentTimestampedKeyValueStore(String)} (or
 * {@link TurboKvStores#persistentKeyValueStore(String)} where the DSL asks for plain values); windowed aggregations
 * and stream-stream joins get {@link TurboKvStores#persistentTimestampedWindowStore} (or its plain form), session
 * aggregations {@link TurboKvStores#persistentSessionStore}. A {@code Materialized} or {@code StreamJoined} that
 * names a supplier keeps it. A join's stores take the suppliers of the configuration its {@code StreamsBuilder} was
 * given ({@code new StreamsBuilder(new TopologyConfig(streamsConfig))}).
 *
 * <p><b>Delegated to Kafka's RocksDB stores</b> ({@link BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers}), until
 * TurboKV provides them: the time-ordered window and session stores of results emitted on close, the window stores
 * of sliding windows, and stores in the {@code headers} store format.
 */
public final class TurboKvDslStoreSuppliers implements DslStoreSuppliers {
    private final DslStoreSuppliers delegate = new BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers();

    /** Creates the suppliers; Kafka Streams calls this for {@code dsl.store.suppliers.class}. */
    public TurboKvDslStoreSuppliers() {}

    /** Hands the application's configuration to the delegate of window and session stores. */
    @Override
    public void configure(Map<String, ?> configs) {
        delegate.configure(configs);
    }

    /** A TurboKV store, timestamped or plain as the DSL asks; Kafka's RocksDB store for the headers format. */
    @Override
    public KeyValueBytesStoreSupplier keyValueStore(DslKeyValueParams params) {
        return switch (params.dslStoreFormat()) {
            case PLAIN -> TurboKvStores.persistentKeyValueStore(params.name());
            case TIMESTAMPED -> TurboKvStores.persistentTimestampedKeyValueStore(params.name());
            case HEADERS -> delegate.keyValueStore(params);
        };
    }

    /**
     * A TurboKV window store, timestamped or plain as the DSL asks; Kafka's RocksDB store for windows emitted on
     * close (a time-ordered store), for sliding windows and for the headers format.
     */
    @Override
    public WindowBytesStoreSupplier windowStore(DslWindowParams params) {
        if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE || params.isSlidingWindow()) {
            return delegate.windowStore(params);
        }
        return switch (params.dslStoreFormat()) {
            case PLAIN -> TurboKvStores.persistentWindowStore(params.name(), params.retentionPeriod(),
                    params.windowSize(), params.retainDuplicates());
            case TIMESTAMPED -> TurboKvStores.persistentTimestampedWindowStore(params.name(), params.retentionPeriod(),
                    params.windowSize(), params.retainDuplicates());
            case HEADERS -> delegate.windowStore(params);
        };
    }

    /**
     * A TurboKV session store; Kafka's RocksDB store for sessions emitted on close (a time-ordered store) and for the
     * headers format.
     */
    @Override
    public SessionBytesStoreSupplier sessionStore(DslSessionParams params) {
        if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE
                || params.storeFormat() == DslStoreFormat.HEADERS) {
            return delegate.sessionStore(params);
        }
        return TurboKvStores.persistentSessionStore(params.name(), params.retentionPeriod());
    }
}
