package io.turbokv.kafka;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.processor.internals.Task;

/**
 * The context Kafka's own stores (RocksDB) need to be driven directly, outside a topology: they take Streams'
 * internal context ({@link InternalProcessorContext}) at {@code init}, where TurboKV's take any
 * {@code StateStoreContext}. It answers from a {@link StubStateStoreContext} (state directory, configuration,
 * metrics, the record being processed, the restore and commit callbacks registered), so that a parity test feeds both stores
 * the same calls and restore batches; any other method of the internal context fails, naming itself, so that a
 * test never runs Kafka's store on an answer made up here.
 */
final class KafkaStoreContext {
    private KafkaStoreContext() {}

    /** {@return an internal context answering from {@code stub}, for stores without a changelog} */
    static InternalProcessorContext<?, ?> of(StubStateStoreContext stub) {
        return of(stub, false);
    }

    /**
     * {@return an internal context answering from {@code stub}; with {@code logged}, every store has a changelog,
     * {@code <application id>-<store name>-changelog}, as Streams names it}
     */
    static InternalProcessorContext<?, ?> of(StubStateStoreContext stub, boolean logged) {
        return of(stub, logged, Task.TaskType.ACTIVE);
    }

    /** {@return an internal context as {@link #of(StubStateStoreContext, boolean)}, of a task of {@code taskType}} */
    static InternalProcessorContext<?, ?> of(StubStateStoreContext stub, boolean logged, Task.TaskType taskType) {
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            case "applicationId" -> stub.applicationId();
            case "taskId" -> stub.taskId();
            case "stateDir" -> stub.stateDir();
            case "appConfigs" -> stub.appConfigs();
            case "appConfigsWithPrefix" -> stub.appConfigsWithPrefix((String) args[0]);
            case "metrics" -> stub.metrics;
            case "keySerde" -> stub.keySerde();
            case "valueSerde" -> stub.valueSerde();
            case "recordMetadata" -> stub.recordMetadata();
            case "recordContext" -> stub.recordMetadata == null ? null : new ProcessorRecordContext(0,
                    stub.recordMetadata.offset(), stub.recordMetadata.partition(), stub.recordMetadata.topic(),
                    new RecordHeaders());
            case "register" -> {
                stub.register((StateStore) args[0], (StateRestoreCallback) args[1],
                        args.length > 2 ? (CommitCallback) args[2] : null);
                yield null;
            }
            case "currentSystemTimeMs" -> System.currentTimeMillis();
            case "taskType" -> taskType;
            case "changelogFor" -> logged ? stub.applicationId() + "-" + args[0] + "-changelog" : null;
            case "toString" -> "KafkaStoreContext(" + stub.stateDir() + ")";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new UnsupportedOperationException(describe(method));
        };
        return (InternalProcessorContext<?, ?>) Proxy.newProxyInstance(KafkaStoreContext.class.getClassLoader(),
                new Class<?>[] {InternalProcessorContext.class}, handler);
    }

    private static String describe(Method method) {
        return "not answered by the test's context: " + method;
    }
}
