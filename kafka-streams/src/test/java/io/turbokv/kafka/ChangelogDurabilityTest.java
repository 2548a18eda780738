package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.turbokv.DbConfig;
import io.turbokv.Durability;
import io.turbokv.SharedBlockCache;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default suppliers open a store without fsync when Kafka Streams keeps a changelog of it (the changelog is the
 * durable copy, as for Kafka's RocksDB store without its write-ahead log) and with fsync when it keeps none; a
 * configuration given explicitly is kept as it is.
 */
class ChangelogDurabilityTest {
    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @Test
    void defaultSuppliersCommitWithoutFsyncOnlyWhenTheStoreHasAChangelog() {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("write", Ignore::new, "in");
        topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("logged")), "write");
        topology.addStateStore(builder(TurboKvStores.persistentTimestampedKeyValueStore("loggedTimestamped")),
                "write");
        topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("unlogged")).withLoggingDisabled(),
                "write");
        topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("explicit",
                TurboKvStores.defaultConfig())), "write");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "durability");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            assertEquals(Durability.NO_SYNC, durabilityOf(driver, "logged"));
            assertEquals(Durability.NO_SYNC, durabilityOf(driver, "loggedTimestamped"));
            assertEquals(Durability.SYNC, durabilityOf(driver, "unlogged"));
            assertEquals(Durability.SYNC, durabilityOf(driver, "explicit"));
        }
    }

    @Test
    void aStoreWithAChangelogDamagedByAPowerCutIsRebuiltNotFatal() throws java.io.IOException {
        // a store committed without fsync, whose CURRENT a power cut left damaged
        Path damaged = stateDir.resolve("durability").resolve("0_0").resolve("logged");
        try (io.turbokv.TurboKV db = io.turbokv.TurboKV.open(damaged, TurboKvStores.defaultConfig(
                Durability.NO_SYNC));
             io.turbokv.WriteBatch batch = db.writeBatch()) {
            batch.put(TurboKvKeyValueStore.FAMILY, "a".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "stale".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            batch.put(TurboKvKeyValueStore.POSITION_FAMILY, TurboKvKeyValueStore.OFFSETS_KEY, ChangelogOffsets
                    .encode(Map.of(new org.apache.kafka.common.TopicPartition("durability-logged-changelog", 0),
                            9L)));
            batch.commit();
        }
        java.nio.file.Files.write(damaged.resolve("CURRENT"), new byte[] {1, 2, 3});
        try (CapturedWarnings warnings = new CapturedWarnings();
             TopologyTestDriver driver = storeDriver(true)) { // no failure: a fresh store
            KeyValueStore<String, String> store = driver.getKeyValueStore("logged");
            assertNull(store.get("a"), "rebuilt empty, for Streams to restore from the changelog");
            store.put("b", "new");
            assertEquals("new", store.get("b"));
            assertEquals(1, warnings.messages().size(), warnings.messages().toString());
            org.junit.jupiter.api.Assertions.assertTrue(warnings.messages().getFirst().contains("CURRENT"),
                    warnings.messages().getFirst());
        }
    }

    @Test
    void aStoreWithAChangelogInAnOlderFormatIsRebuiltNotFatal() throws java.io.IOException {
        writeOlderFormatStore(stateDir.resolve("durability").resolve("0_0").resolve("logged"));
        try (CapturedWarnings warnings = new CapturedWarnings();
             TopologyTestDriver driver = storeDriver(true)) { // no failure: a fresh store
            KeyValueStore<String, String> store = driver.getKeyValueStore("logged");
            assertNull(store.get("a"), "rebuilt empty, for Streams to restore from the changelog");
            assertEquals(1, warnings.messages().size(), warnings.messages().toString());
            org.junit.jupiter.api.Assertions.assertTrue(warnings.messages().getFirst().contains("older format"),
                    warnings.messages().getFirst());
        }
    }

    @Test
    void aStoreWithoutAChangelogInAnOlderFormatIsRefusedNamingBothVersionsAndKept() throws java.io.IOException {
        Path older = stateDir.resolve("durability").resolve("0_0").resolve("logged");
        writeOlderFormatStore(older);
        RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> storeDriver(false).close());
        Throwable cause = refused;
        while (cause != null && !(cause instanceof io.turbokv.UnsupportedFormatVersionException)) {
            cause = cause.getCause();
        }
        io.turbokv.UnsupportedFormatVersionException foreign = org.junit.jupiter.api.Assertions.assertInstanceOf(
                io.turbokv.UnsupportedFormatVersionException.class, cause, refused::toString);
        org.junit.jupiter.api.Assertions.assertTrue(foreign.getMessage().contains(String.valueOf(foreign
                .foundVersion())) && foreign.getMessage().contains(String.valueOf(
                        foreign.supportedVersions()
                                .getFirst())),
                foreign.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.exists(older.resolve("CURRENT")),
                "the only copy of the data is kept");
    }

    /** Writes a store with one entry, then lowers its meta files' format version, as an earlier build wrote them. */
    private static void writeOlderFormatStore(Path older) throws java.io.IOException {
        try (io.turbokv.TurboKV db = io.turbokv.TurboKV.open(older, TurboKvStores.defaultConfig());
             io.turbokv.WriteBatch batch = db.writeBatch()) {
            batch.put(TurboKvKeyValueStore.FAMILY, "a".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "old".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            batch.commit();
        }
        // the CRC-32 trailer kept valid
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(older)) {
            for (Path meta : files.filter(f -> f.toString().endsWith(".meta")).toList()) {
                byte[] bytes = java.nio.file.Files.readAllBytes(meta);
                bytes[4]--; // the version byte
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(bytes, 0, bytes.length - 4);
                java.nio.ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
                java.nio.file.Files.write(meta, bytes);
            }
        }
    }

    @Test
    void windowAndSessionSegmentsCommitWithFsyncChangelogOrNot() {
        // each segment is a store of its own: without fsync a power cut could roll them back independently, past
        // what their commit records can detect
        assertEquals(Durability.SYNC, TurboKvStores.configForSegments("w", true, Map.of()).durability());
        assertEquals(Durability.SYNC, TurboKvStores.configForSegments("w", false, Map.of()).durability());
    }

    /**
     * A driver of one application, {@code durability}, with one store, {@code logged}, in {@link #stateDir}; with
     * {@code changelog} false, its changelog disabled.
     */
    private TopologyTestDriver storeDriver(boolean changelog) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("write", Ignore::new, "in");
        StoreBuilder<KeyValueStore<String, String>> logged = builder(TurboKvStores.persistentKeyValueStore("logged"));
        topology.addStateStore(changelog ? logged : logged.withLoggingDisabled(), "write");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "durability");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new TopologyTestDriver(topology, props);
    }

    /** Connects the stores; Streams initialises them whether or not they are written. */
    private static final class Ignore implements Processor<String, String, Void, Void> {
        @Override
        public void process(Record<String, String> record) {}
    }

    private static StoreBuilder<KeyValueStore<String, String>> builder(KeyValueBytesStoreSupplier supplier) {
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.String());
    }

    /** The durability of the TurboKV store under Kafka Streams' layers (metered, logging). */
    private static Durability durabilityOf(TopologyTestDriver driver, String name) {
        return openedConfig(driver, name).durability();
    }

    private static DbConfig openedConfig(TopologyTestDriver driver, String name) {
        StateStore store = driver.getKeyValueStore(name);
        while (store instanceof WrappedStateStore<?, ?, ?> wrapped) {
            store = wrapped.wrapped();
        }
        return ((TurboKvKeyValueStore) store).openedConfig();
    }

    @Test
    void versionedStoresCommitWithoutFsyncOnlyWhenTheyHaveAChangelog() {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("write", Ignore::new, "in");
        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(TurboKvStores.persistentVersionedKeyValueStore(
                "versionedLogged", java.time.Duration.ofMinutes(1)), Serdes.String(), Serdes.String()), "write");
        topology.addStateStore(Stores.versionedKeyValueStoreBuilder(TurboKvStores.persistentVersionedKeyValueStore(
                "versionedUnlogged", java.time.Duration.ofMinutes(1)), Serdes.String(), Serdes.String())
                .withLoggingDisabled(), "write");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "versioned-durability");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(TurboKvConfigSetter.CONFIG, RecordDurability.class);
        RecordDurability.chosen.clear();
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            assertNotNull(driver.getVersionedKeyValueStore("versionedLogged"));
            assertEquals(Map.of("versionedLogged", Durability.NO_SYNC, "versionedUnlogged", Durability.SYNC),
                    RecordDurability.chosen);
        }
    }

    /** Records the durability the default configuration chose for each store; changes nothing. */
    public static final class RecordDurability implements TurboKvConfigSetter {
        static final Map<String, Durability> chosen = new java.util.concurrent.ConcurrentHashMap<>();

        /** Creates the setter; the store calls this. */
        public RecordDurability() {}

        @Override
        public void setConfig(String storeName, DbConfig.Builder builder, Map<String, Object> configs) {
            chosen.put(storeName, builder.build().durability());
        }
    }

    @Test
    void theConfigSetterNamedInTheStreamsConfigAdjustsEveryStoreOpenedWithTheDefaults() {
        for (Object setter : List.of(SmallCaches.class, SmallCaches.class.getName())) {
            Topology topology = new Topology();
            topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
            topology.addProcessor("write", Ignore::new, "in");
            topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("defaults")), "write");
            topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("explicit",
                    TurboKvStores.defaultConfig())), "write");
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "setter");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(String.valueOf(setter.hashCode())).toString());
            props.put(TurboKvConfigSetter.CONFIG, setter);
            try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
                DbConfig adjusted = openedConfig(driver, "defaults");
                assertEquals(1L << 20, adjusted.keyBlockCacheBytes());
                assertEquals(2L << 20, adjusted.valueBlockCacheBytes());
                assertEquals(Durability.SYNC, adjusted.durability(), "the setter overrides the changelog's choice");
                assertEquals(TurboKvStores.DEFAULT_CACHE_BYTES,
                        openedConfig(driver, "explicit").keyBlockCacheBytes(), "an explicit config is kept");
            }
        }
    }

    @Test
    void theBlockCacheSettingGivesEveryStoreOfTheApplicationOneSharedCache() {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("write", Ignore::new, "in");
        topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("first")), "write");
        topology.addStateStore(builder(TurboKvStores.persistentTimestampedKeyValueStore("second")), "write");
        topology.addStateStore(builder(TurboKvStores.persistentKeyValueStore("explicit",
                TurboKvStores.defaultConfig())), "write");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "shared-cache");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(TurboKvStores.BLOCK_CACHE_BYTES_CONFIG, 7L << 20);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            SharedBlockCache shared = openedConfig(driver, "first").blockCache();
            assertNotNull(shared);
            assertSame(shared, openedConfig(driver, "second").blockCache(), "one cache for the application");
            assertEquals(7L << 20, shared.keyBlockStatistics().capacityBytes()
                    + shared.valueBlockStatistics().capacityBytes());
            assertEquals(2, shared.stores());
            assertNull(openedConfig(driver, "explicit").blockCache(), "an explicit config is kept");
        }
    }

    /** Smaller caches and fsynced commits for every store; a setter as an application would write one. */
    public static final class SmallCaches implements TurboKvConfigSetter {
        /** Creates the setter; the store calls this. */
        public SmallCaches() {}

        @Override
        public void setConfig(String storeName, DbConfig.Builder builder, Map<String, Object> configs) {
            assertEquals("defaults", storeName);
            assertEquals("setter", configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
            builder.keyBlockCacheBytes(1L << 20).valueBlockCacheBytes(2L << 20).durability(Durability.SYNC);
        }
    }
}
