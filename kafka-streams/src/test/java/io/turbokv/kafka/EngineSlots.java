package io.turbokv.kafka;

import io.turbokv.TurboKV;
import io.turbokv.commit.WriteOperationGuard;
import java.lang.reflect.Field;

/**
 * Reaches a store's engine write slot from a test, to hold it as the store's background compaction holds it: the
 * engine offers no public way to, and the tests of deferred and waiting commits need one.
 */
final class EngineSlots {
    private EngineSlots() {}

    /** {@return the write-slot guard of {@code store}'s engine, which its compaction thread claims} */
    static WriteOperationGuard guard(TurboKvKeyValueStore store) throws ReflectiveOperationException {
        TurboKV db = (TurboKV) field(store, TurboKvKeyValueStore.class, "db");
        Object core = field(db, TurboKV.class, "core");
        Object writer = field(core, core.getClass(), "writer");
        return (WriteOperationGuard) field(writer, writer.getClass(), "guard");
    }

    private static Object field(Object owner, Class<?> type, String name) throws ReflectiveOperationException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(owner);
    }
}
