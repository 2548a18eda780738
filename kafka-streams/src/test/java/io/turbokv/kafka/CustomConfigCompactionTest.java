package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CompactionPolicy;
import io.turbokv.DbConfig;
import io.turbokv.Durability;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store opened with a configuration of the application's own ({@link TurboKvStores#persistentKeyValueStore(String,
 * DbConfig)}) that names no compaction policy, or one a {@link TurboKvConfigSetter} set to manual: before the
 * background compaction, the store compacted every 16 commits itself; its SSTs must stay bounded still.
 */
class CustomConfigCompactionTest {
    @TempDir(factory = StateDirs.class)
    Path stateDir;

    private static DbConfig.Builder own() {
        return DbConfig.builder()
                .family(FamilyConfig.ordered("data", FamilyKind.SINGLE_VALUE))
                .family("position", FamilyKind.SINGLE_VALUE)
                .durability(Durability.NO_SYNC);
    }

    /** Sets the manual compaction policy, as an application's setter may. */
    public static final class ManualCompaction implements TurboKvConfigSetter {
        @Override
        public void setConfig(String storeName, DbConfig.Builder builder, Map<String, Object> configs) {
            builder.compactionPolicy(CompactionPolicy.manual());
        }
    }

    private static TurboKvKeyValueStore open(DbConfig config, Path directory, Map<String, Object> appConfigs) {
        TurboKvKeyValueStore store = (TurboKvKeyValueStore) (config == null
                ? TurboKvStores.persistentKeyValueStore("s")
                : TurboKvStores.persistentKeyValueStore("s", config)).get();
        store.init(new StubStateStoreContext(directory, appConfigs), store);
        return store;
    }

    /** Asserts that {@code store} opened with {@code policy}, held by the store's restores (its own hold). */
    private static void assertOpenedWith(CompactionPolicy policy, TurboKvKeyValueStore store) {
        CompactionPolicy opened = store.openedConfig().compactionPolicy();
        assertEquals(policy, opened.withHold(null));
        assertSame(store.compactionHold, opened.hold());
    }

    @Test
    void aStoreWithItsOwnConfigStillCompacts() throws Exception {
        TurboKvKeyValueStore store = open(own().build(), stateDir, Map.of());
        try {
            assertOpenedWith(TurboKvStores.COMPACTION_POLICY, store);
            for (int i = 0; i < 200; i++) {
                store.put(key("k" + i % 50), value("v" + i));
                store.commit(Map.of());
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            long live = store.metricsSnapshot().sstFiles();
            while (live > 2L * TurboKvStores.COMPACTION_POLICY.sstCountAbove() && System.nanoTime() < deadline) {
                Thread.sleep(50);
                live = store.metricsSnapshot().sstFiles();
            }
            assertTrue(live <= 2L * TurboKvStores.COMPACTION_POLICY.sstCountAbove(),
                    live + " live SSTs after 200 one-key commits: the store never compacts");
        } finally {
            store.close();
        }
    }

    @Test
    void aConfigSetterChoosingManualCompactionGetsTheBackgroundPolicy() {
        TurboKvKeyValueStore store = open(null, stateDir,
                Map.of(TurboKvConfigSetter.CONFIG, ManualCompaction.class));
        try {
            assertOpenedWith(TurboKvStores.COMPACTION_POLICY, store);
        } finally {
            store.close();
        }
    }

    @Test
    void anAutomaticPolicyOfTheApplicationsOwnIsKeptWithItsOtherSettings() {
        CompactionPolicy own = CompactionPolicy.whenSstCountAbove(4);
        TurboKvKeyValueStore store = open(own().compactionPolicy(own).build(), stateDir, Map.of());
        try {
            assertOpenedWith(own, store);
        } finally {
            store.close();
        }
    }

    @Test
    void theManualPolicyIsReplacedAndEveryOtherSettingKept() {
        DbConfig given = own().keyBlockCacheBytes(1L << 20).valueBlockCacheBytes(2L << 20).writeThreads(1)
                .jmx(false).build();
        DbConfig opened = TurboKvStores.compactingInBackground(given);
        assertEquals(TurboKvStores.COMPACTION_POLICY, opened.compactionPolicy());
        assertEquals(given.families(), opened.families());
        assertEquals(given.keyBlockCacheBytes(), opened.keyBlockCacheBytes());
        assertEquals(given.valueBlockCacheBytes(), opened.valueBlockCacheBytes());
        assertEquals(given.durability(), opened.durability());
        assertEquals(given.writeThreads(), opened.writeThreads());
        assertEquals(given.logFileBytes(), opened.logFileBytes());
        assertEquals(given.spillBytes(), opened.spillBytes());
        assertEquals(given.spillEntries(), opened.spillEntries());
        assertEquals(given.compression(), opened.compression());
    }
}
