package io.turbokv.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ordered reads of TurboKV's stores against Kafka's RocksDB stores, driven side by side with the same random writes
 * and commits: keys of bytes that sort differently signed and unsigned ({@code 0x00}, {@code 0x7F}, {@code 0x80},
 * {@code 0xFF}) and that are prefixes of each other, ranges with null bounds, reversed, and prefixes ending in
 * {@code 0xFF} (whose increment, Kafka's upper bound, takes in shorter keys that do not start with them); window and
 * session stores' fetches and searches by one key, by key ranges with null bounds, forward and backward, over
 * segments that expire as stream time moves on; the same entries in the same order, before and after commits,
 * through Streams' typed layers with and without the record cache.
 */
class OrderedReadParityTest {
    private static final String STORE = "ordered";
    /** Random writes per test, a comparison every 25: a short run by default, 3,000 with {@code -Pkafka-long}. */
    private static final int STEPS = Integer.getInteger("turbokv.kafka.orderedSteps", 250);
    private static final Duration RETENTION = Duration.ofMinutes(2); // one-minute segments: 250 s expire two
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final byte[] ALPHABET = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFF};

    @TempDir(factory = StateDirs.class)
    Path stateDir;

    @ParameterizedTest(name = "cached: {0}")
    @ValueSource(booleans = {false, true})
    void keyValueRangesPrefixesAndFullScansMatchKafkasStore(boolean cached) {
        SplittableRandom random = new SplittableRandom(cached ? 7 : 11);
        withKeyValueStores(cached, (turbo, rocks) -> {
            for (int step = 0; step < STEPS; step++) {
                int op = random.nextInt(20);
                Bytes key = randomKey(random, 1);
                if (op < 12) {
                    byte[] value = {(byte) step, (byte) (step >> 8)};
                    turbo.put(key, value);
                    rocks.put(key, value);
                } else if (op < 17) {
                    turbo.delete(key);
                    rocks.delete(key);
                } else {
                    turbo.commit(Map.of());
                    rocks.commit(Map.of());
                }
                if (step % 25 == 0) {
                    compareOrderedReads(random, turbo, rocks, cached);
                }
            }
        });
    }

    private static void compareOrderedReads(SplittableRandom random, KeyValueStore<Bytes, byte[]> turbo,
                                            KeyValueStore<Bytes, byte[]> rocks, boolean cached) {
        assertEquals(entries(rocks.all()), entries(turbo.all()), "all");
        assertEquals(entries(rocks.reverseAll()), entries(turbo.reverseAll()), "reverseAll");
        for (int query = 0; query < 8; query++) {
            Bytes from = random.nextInt(4) == 0 ? null : randomKey(random, 1);
            Bytes to = random.nextInt(4) == 0 ? null : randomKey(random, 1);
            if (from != null && to != null && from.compareTo(to) > 0) { // an inverse range is empty in both (and
                Bytes swap = from; // Kafka's warns): see the contract test
                from = to;
                to = swap;
            }
            String bounds = " from " + hex(from) + " to " + hex(to);
            assertEquals(entries(rocks.range(from, to)), entries(turbo.range(from, to)), "range" + bounds);
            assertEquals(entries(rocks.reverseRange(from, to)), entries(turbo.reverseRange(from, to)),
                    "reverseRange" + bounds);
            Bytes prefix = randomKey(random, 0);
            if (cached && overflows(prefix)) {
                continue; // Kafka's record cache fails on a prefix with no increment (Bytes.increment throws)
            }
            assertEquals(entries(rocks.prefixScan(prefix, Serdes.Bytes().serializer())),
                    entries(turbo.prefixScan(prefix, Serdes.Bytes().serializer())), "prefixScan " + hex(prefix));
        }
    }

    @ParameterizedTest(name = "cached: {0}")
    @ValueSource(booleans = {false, true})
    void windowFetchesMatchKafkasStoreAcrossSegmentsAndExpiry(boolean cached) {
        SplittableRandom random = new SplittableRandom(cached ? 13 : 17);
        try (TopologyTestDriver turboDriver = windowDriver("turbokv", TurboKvStores.persistentWindowStore(STORE,
                RETENTION, WINDOW, false), cached);
             TopologyTestDriver rocksDriver = windowDriver("rocksdb", Stores.persistentWindowStore(STORE, RETENTION,
                     WINDOW, false), cached)) {
            WindowStore<Bytes, byte[]> turbo = turboDriver.getWindowStore(STORE);
            WindowStore<Bytes, byte[]> rocks = rocksDriver.getWindowStore(STORE);
            long time = 0;
            for (int step = 0; step < STEPS; step++) {
                time += random.nextLong(2_000);
                long start = Math.max(0, time - random.nextLong(20_000)) / 1_000 * 1_000;
                Bytes key = randomKey(random, 1);
                byte[] value = random.nextInt(8) == 0 ? null : new byte[] {(byte) step};
                turbo.put(key, value, start);
                rocks.put(key, value, start);
                if (random.nextInt(10) == 0) {
                    turbo.commit(Map.of());
                    rocks.commit(Map.of());
                }
                if (step % 25 == 0) {
                    compareWindowReads(random, turbo, rocks, time);
                }
            }
        }
    }

    private static void compareWindowReads(SplittableRandom random, WindowStore<Bytes, byte[]> turbo,
                                           WindowStore<Bytes, byte[]> rocks, long now) {
        assertEquals(windowed(rocks.all()), windowed(turbo.all()), "all");
        assertEquals(windowed(rocks.backwardAll()), windowed(turbo.backwardAll()), "backwardAll");
        for (int query = 0; query < 6; query++) {
            long from = Math.max(0, now - random.nextLong(RETENTION.toMillis() * 2));
            long to = from + random.nextLong(RETENTION.toMillis());
            Bytes key = randomKey(random, 1);
            String times = " " + from + ".." + to;
            assertEquals(windows(rocks.fetch(key, from, to)), windows(turbo.fetch(key, from, to)),
                    "fetch " + hex(key) + times);
            assertEquals(windows(rocks.backwardFetch(key, from, to)), windows(turbo.backwardFetch(key, from, to)),
                    "backwardFetch " + hex(key) + times);
            Bytes[] bounds = orderedBounds(random);
            String keys = " " + hex(bounds[0]) + ".." + hex(bounds[1]) + times;
            assertKeyRange(bounds[1], windowed(rocks.fetch(bounds[0], bounds[1], from, to)),
                    windowed(turbo.fetch(bounds[0], bounds[1], from, to)), "fetch" + keys);
            assertKeyRange(bounds[1], windowed(rocks.backwardFetch(bounds[0], bounds[1], from, to)),
                    windowed(turbo.backwardFetch(bounds[0], bounds[1], from, to)), "backwardFetch" + keys);
            assertEquals(windowed(rocks.fetchAll(from, to)), windowed(turbo.fetchAll(from, to)), "fetchAll" + times);
            assertEquals(windowed(rocks.backwardFetchAll(from, to)), windowed(turbo.backwardFetchAll(from, to)),
                    "backwardFetchAll" + times);
        }
    }

    @ParameterizedTest(name = "cached: {0}")
    @ValueSource(booleans = {false, true})
    void sessionSearchesMatchKafkasStoreAcrossSegmentsAndExpiry(boolean cached) {
        SplittableRandom random = new SplittableRandom(cached ? 19 : 23);
        try (TopologyTestDriver turboDriver = sessionDriver("turbokv", TurboKvStores.persistentSessionStore(STORE,
                RETENTION), cached);
             TopologyTestDriver rocksDriver = sessionDriver("rocksdb", Stores.persistentSessionStore(STORE,
                     RETENTION), cached)) {
            SessionStore<Bytes, byte[]> turbo = turboDriver.getSessionStore(STORE);
            SessionStore<Bytes, byte[]> rocks = rocksDriver.getSessionStore(STORE);
            long time = 0;
            for (int step = 0; step < STEPS; step++) {
                time += random.nextLong(2_000);
                long end = Math.max(0, time - random.nextLong(20_000));
                Windowed<Bytes> session = new Windowed<>(randomKey(random, 1),
                        new SessionWindow(Math.max(0, end - random.nextLong(30_000)), end));
                if (random.nextInt(8) == 0) {
                    turbo.remove(session);
                    rocks.remove(session);
                } else {
                    turbo.put(session, new byte[] {(byte) step});
                    rocks.put(session, new byte[] {(byte) step});
                }
                if (random.nextInt(10) == 0) {
                    turbo.commit(Map.of());
                    rocks.commit(Map.of());
                }
                if (step % 25 == 0) {
                    compareSessionReads(random, turbo, rocks, time);
                }
            }
        }
    }

    private static void compareSessionReads(SplittableRandom random, SessionStore<Bytes, byte[]> turbo,
                                            SessionStore<Bytes, byte[]> rocks, long now) {
        for (int query = 0; query < 6; query++) {
            long earliestEnd = Math.max(0, now - random.nextLong(RETENTION.toMillis() * 2));
            long latestStart = earliestEnd + random.nextLong(RETENTION.toMillis());
            Bytes key = randomKey(random, 1);
            String times = " " + earliestEnd + ".." + latestStart;
            assertEquals(outcome(() -> windowed(rocks.findSessions(key, earliestEnd, latestStart))),
                    outcome(() -> windowed(turbo.findSessions(key, earliestEnd, latestStart))),
                    "findSessions " + hex(key) + times);
            assertEquals(outcome(() -> windowed(rocks.backwardFindSessions(key, earliestEnd, latestStart))),
                    outcome(() -> windowed(turbo.backwardFindSessions(key, earliestEnd, latestStart))),
                    "backwardFindSessions " + hex(key) + times);
            assertEquals(outcome(() -> windowed(rocks.fetch(key))), outcome(() -> windowed(turbo.fetch(key))),
                    "fetch " + hex(key));
            assertEquals(outcome(() -> windowed(rocks.backwardFetch(key))),
                    outcome(() -> windowed(turbo.backwardFetch(key))),
                    "backwardFetch " + hex(key));
            Bytes[] bounds = orderedBounds(random);
            String keys = " " + hex(bounds[0]) + ".." + hex(bounds[1]);
            assertKeyRange(bounds[1],
                    outcome(() -> windowed(rocks.findSessions(bounds[0], bounds[1], earliestEnd, latestStart))),
                    outcome(() -> windowed(turbo.findSessions(bounds[0], bounds[1], earliestEnd, latestStart))),
                    "findSessions" + keys + times);
            assertKeyRange(bounds[1],
                    outcome(() -> windowed(rocks.backwardFindSessions(bounds[0], bounds[1], earliestEnd, latestStart))),
                    outcome(() -> windowed(turbo.backwardFindSessions(bounds[0], bounds[1], earliestEnd, latestStart))),
                    "backwardFindSessions" + keys + times);
            assertKeyRange(bounds[1], outcome(() -> windowed(rocks.fetch(bounds[0], bounds[1]))),
                    outcome(() -> windowed(turbo.fetch(bounds[0], bounds[1]))), "fetch" + keys);
            assertKeyRange(bounds[1], outcome(() -> windowed(rocks.backwardFetch(bounds[0], bounds[1]))),
                    outcome(() -> windowed(turbo.backwardFetch(bounds[0], bounds[1]))), "backwardFetch" + keys);
        }
    }

    /**
     * Asserts that a key-range read of TurboKV's window or session store gives what Kafka's gives, but for the
     * entries of keys that are proper prefixes of {@code keyTo}: Kafka's segmented stores bound their range scan by
     * {@code keyTo} followed by the largest suffix, with a heuristic for such keys that can miss their entries (a
     * key {@code 80 7f} under {@code keyTo = 80 7f 00}: its time bytes sort above {@code keyTo}'s last byte), while
     * TurboKV's bound takes them in ({@code KeyBounds.upper}). So Kafka's entries are all in TurboKV's, in the same
     * order, and without those keys both are equal.
     */
    private static void assertKeyRange(Bytes keyTo, List<String> rocks, List<String> turbo, String read) {
        assertTrue(turbo.containsAll(rocks), read + ": every entry of Kafka's store is in TurboKV's");
        if (keyTo == null) {
            assertEquals(rocks, turbo, read);
            return;
        }
        String to = hex(keyTo);
        java.util.function.Predicate<String> prefixOfKeyTo = entry -> {
            String key = entry.substring(0, entry.indexOf('@'));
            return key.length() < to.length() && to.startsWith(key);
        };
        assertEquals(rocks.stream().filter(prefixOfKeyTo.negate()).toList(),
                turbo.stream().filter(prefixOfKeyTo.negate()).toList(), read + ", keys that are no prefix of keyTo");
    }

    /**
     * {@return what a read gives, or the failure it throws} Kafka's record cache fails some backward session
     * searches ("segment interval has changed"), whichever store it caches: then both must fail alike.
     */
    private static List<String> outcome(java.util.function.Supplier<List<String>> read) {
        try {
            return read.get();
        } catch (IllegalStateException failure) {
            return List.of("threw " + failure.getMessage());
        }
    }

    /** Two key bounds, either null (open), the first not above the second. */
    private static Bytes[] orderedBounds(SplittableRandom random) {
        Bytes from = random.nextInt(4) == 0 ? null : randomKey(random, 1);
        Bytes to = random.nextInt(4) == 0 ? null : randomKey(random, 1);
        if (from != null && to != null && from.compareTo(to) > 0) {
            return new Bytes[] {to, from};
        }
        return new Bytes[] {from, to};
    }

    private static List<String> windowed(KeyValueIterator<Windowed<Bytes>, byte[]> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(entry -> entries.add(hex(entry.key.key()) + "@" + entry.key.window().start()
                    + "-" + entry.key.window().end() + "=" + hex(entry.value)));
        }
        return entries;
    }

    private static List<String> windows(WindowStoreIterator<byte[]> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(entry -> entries.add(entry.key + "=" + hex(entry.value)));
        }
        return entries;
    }

    private static boolean overflows(Bytes prefix) {
        for (byte b : prefix.get()) {
            if (b != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** A key of {@code minLength} to 4 bytes of {@link #ALPHABET}. */
    private static Bytes randomKey(SplittableRandom random, int minLength) {
        byte[] key = new byte[minLength + random.nextInt(5 - minLength)];
        for (int i = 0; i < key.length; i++) {
            key[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return Bytes.wrap(key);
    }

    private static String hex(Bytes bytes) {
        return bytes == null ? "null" : hex(bytes.get());
    }

    /** The bytes in hex; "null" for none (Streams' record cache hands out deleted entries with a null value). */
    private static String hex(byte[] bytes) {
        return bytes == null ? "null" : HexFormat.of().formatHex(bytes);
    }

    private static List<String> entries(KeyValueIterator<Bytes, byte[]> iterator) {
        List<String> entries = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(entry -> entries.add(hex(entry.key) + "=" + hex(entry.value)));
        }
        return entries;
    }

    /** Runs {@code test} on a TurboKV and a RocksDB key-value store, each in a topology of its own. */
    private void withKeyValueStores(boolean cached,
                                    BiConsumer<KeyValueStore<Bytes, byte[]>, KeyValueStore<Bytes, byte[]>> test) {
        try (TopologyTestDriver turbo = driver("turbokv", TurboKvStores.persistentKeyValueStore(STORE), cached);
             TopologyTestDriver rocks = driver("rocksdb", Stores.persistentKeyValueStore(STORE), cached)) {
            test.accept(turbo.getKeyValueStore(STORE), rocks.getKeyValueStore(STORE));
        }
    }

    private TopologyTestDriver windowDriver(String name, WindowBytesStoreSupplier supplier, boolean cached) {
        StoreBuilder<WindowStore<Bytes, byte[]>> builder = Stores.windowStoreBuilder(supplier, Serdes.Bytes(),
                Serdes.ByteArray());
        return driver(name, cached ? builder.withCachingEnabled() : builder.withCachingDisabled());
    }

    private TopologyTestDriver sessionDriver(String name, SessionBytesStoreSupplier supplier, boolean cached) {
        StoreBuilder<SessionStore<Bytes, byte[]>> builder = Stores.sessionStoreBuilder(supplier, Serdes.Bytes(),
                Serdes.ByteArray());
        return driver(name, cached ? builder.withCachingEnabled() : builder.withCachingDisabled());
    }

    private TopologyTestDriver driver(String name, KeyValueBytesStoreSupplier supplier, boolean cached) {
        StoreBuilder<KeyValueStore<Bytes, byte[]>> builder = Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(),
                Serdes.ByteArray());
        return driver(name, cached ? builder.withCachingEnabled() : builder.withCachingDisabled());
    }

    private TopologyTestDriver driver(String name, StoreBuilder<?> builder) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.Bytes().deserializer(), Serdes.ByteArray().deserializer(), "in");
        topology.addProcessor("ignore", Ignore::new, "in");
        topology.addStateStore(builder, "ignore");
        return new TopologyTestDriver(topology, properties(name));
    }

    private Properties properties(String name) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ordered-" + name);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(name).toString());
        return props;
    }

    /** Connects a store; the tests drive it directly. */
    private static final class Ignore implements Processor<Object, Object, Void, Void> {
        @Override
        public void process(Record<Object, Object> record) {}
    }
}
