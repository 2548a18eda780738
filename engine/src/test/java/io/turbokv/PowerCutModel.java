package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What {@link PowerCutTest}'s stores must hold: the committed contents of a single-valued family (48 small keys
 * with values of every size class, and up to {@value #BIG_KEYS} keys only large batches write) and a multi-valued
 * one (12 keys), built from {@link Batch}es whose contents follow from their seed, so that a failing run can be
 * replayed from its seed alone.
 */
final class PowerCutModel {
    /** Keys of family 0 that small batches write. */
    static final int SMALL_KEYS = 48;
    /** Keys of family 1 (multi-valued). */
    static final int MULTI_KEYS = 12;
    /** Keys of family 0 that large batches write: more than one SST's worth (262,144 entries). */
    static final int BIG_KEYS = 330_000;
    /** Value sizes of every class: empty, inline, small, medium. */
    private static final int[] SIZES = {0, 3, 8, 9, 100, 4096, 4097, 20_000};
    private static final byte[][] SMALL_KEY_BYTES = keys("s%02d", SMALL_KEYS);
    private static final byte[][] MULTI_KEY_BYTES = keys("m%02d", MULTI_KEYS);
    private static byte[][] bigKeyBytes;

    private final byte[][] small;
    private final List<List<String>> multi;
    /** Per big key, the number of the batch whose value it holds; 0 when absent. */
    private final int[] big;

    /** An empty store. */
    PowerCutModel() {
        this(new byte[SMALL_KEYS][], emptyMulti(), new int[0]);
    }

    private PowerCutModel(byte[][] small, List<List<String>> multi, int[] big) {
        this.small = small;
        this.multi = multi;
        this.big = big;
    }

    private static List<List<String>> emptyMulti() {
        List<List<String>> multi = new ArrayList<>();
        for (int i = 0; i < MULTI_KEYS; i++) {
            multi.add(List.of());
        }
        return multi;
    }

    private static byte[][] keys(String format, int count) {
        byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = String.format(Locale.ROOT, format, i).getBytes(UTF_8);
        }
        return keys;
    }

    private static synchronized byte[][] bigKeys() {
        if (bigKeyBytes == null) {
            bigKeyBytes = keys("b%06d", BIG_KEYS);
        }
        return bigKeyBytes;
    }

    /** Where a batch's puts and deletes go: a {@link WriteBatch} or a model. */
    interface Sink {
        /** Puts {@code value} under {@code key}. */
        void put(int family, byte[] key, byte[] value) throws IOException;

        /** Deletes {@code key}. */
        void delete(int family, byte[] key) throws IOException;
    }

    /**
     * One write batch: 1 to 40 random puts and deletes over both families from {@code seed}, after, when
     * {@code bigEntries > 0}, that many entries over the big keys (every 13th a delete, the rest puts of a value
     * naming the batch and the key).
     *
     * @param number distinct per batch of a run, so that the big keys tell which batch wrote them
     */
    record Batch(int number, long seed, int bigEntries) {
        /** Hands the batch's puts and deletes, in order, to {@code sink}. */
        void writeTo(Sink sink) throws IOException {
            if (bigEntries > 0) {
                byte[][] keys = bigKeys();
                for (int i = 0; i < bigEntries; i++) {
                    if (i % 13 == number % 13) {
                        sink.delete(0, keys[i]);
                    } else {
                        sink.put(0, keys[i], bigValue(number, i));
                    }
                }
            }
            Random random = new Random(seed);
            int count = 1 + random.nextInt(40);
            for (int i = 0; i < count; i++) {
                int kind = random.nextInt(10);
                if (kind < 5) {
                    byte[] value = new byte[SIZES[random.nextInt(SIZES.length)]];
                    random.nextBytes(value);
                    sink.put(0, SMALL_KEY_BYTES[random.nextInt(SMALL_KEYS)], value);
                } else if (kind < 6) {
                    sink.delete(0, SMALL_KEY_BYTES[random.nextInt(SMALL_KEYS)]);
                } else if (kind < 9) {
                    byte[] value = new byte[random.nextInt(40)];
                    random.nextBytes(value);
                    sink.put(1, MULTI_KEY_BYTES[random.nextInt(MULTI_KEYS)], value);
                } else {
                    sink.delete(1, MULTI_KEY_BYTES[random.nextInt(MULTI_KEYS)]);
                }
            }
        }

        @Override
        public String toString() {
            return "batch " + number + (bigEntries > 0 ? " (" + bigEntries + " big entries)" : "");
        }
    }

    private static byte[] bigValue(int batch, int key) {
        return ByteBuffer.allocate(8).putInt(batch).putInt(key).array();
    }

    /** This model with {@code batch} committed on top. */
    PowerCutModel with(Batch batch) throws IOException {
        byte[][] nextSmall = small.clone();
        int[] nextBig = batch.bigEntries() > 0 ? Arrays.copyOf(big, Math.max(big.length, batch.bigEntries())) : big;
        Map<Integer, List<String>> added = new HashMap<>();
        Set<Integer> deleted = new HashSet<>();
        batch.writeTo(new Sink() {
            @Override
            public void put(int family, byte[] key, byte[] value) {
                if (family == 1) {
                    added.computeIfAbsent(index(key), k -> new ArrayList<>()).add(HexFormat.of().formatHex(value));
                } else if (key[0] == 'b') {
                    nextBig[index(key)] = batch.number();
                } else {
                    nextSmall[index(key)] = value;
                }
            }

            @Override
            public void delete(int family, byte[] key) {
                if (family == 1) {
                    deleted.add(index(key)); // removes older values; the batch's own stay, before or after it
                } else if (key[0] == 'b') {
                    nextBig[index(key)] = 0;
                } else {
                    nextSmall[index(key)] = null;
                }
            }
        });
        List<List<String>> nextMulti = new ArrayList<>(multi);
        for (int key = 0; key < MULTI_KEYS; key++) {
            List<String> values = new ArrayList<>(deleted.contains(key) ? List.of() : multi.get(key));
            values.addAll(added.getOrDefault(key, List.of()));
            values.sort(null);
            nextMulti.set(key, List.copyOf(values));
        }
        return new PowerCutModel(nextSmall, nextMulti, nextBig);
    }

    private static int index(byte[] key) {
        return Integer.parseInt(new String(key, 1, key.length - 1, UTF_8));
    }

    /**
     * What a store holds, read through every read path: {@code get} and {@code batchGet} of every small key,
     * {@code getMultiple} of every multi-valued key, {@code batchGet} of the big keys when {@code bigKeys} (every
     * one when {@code complete}, else every 13th, which is enough to tell whether a large batch is there), and,
     * when {@code complete}, a full scan of each family; all after mapping and checking every live SST.
     *
     * @param singleEntries the entries a scan of family 0 found; -1 when not scanned
     */
    record Observed(byte[][] small, List<List<String>> multi, byte[][] big, int bigStride, long singleEntries,
                    long multiEntries) {
        static Observed read(TurboKV db, boolean bigKeys, boolean complete) throws IOException {
            db.prepareAllSstCaches();
            byte[][] small = db.batchGet(0, SMALL_KEY_BYTES);
            for (int i = 0; i < SMALL_KEYS; i++) {
                byte[] single = db.get(0, SMALL_KEY_BYTES[i]).orElse(null);
                if (!Arrays.equals(single, small[i])) {
                    throw new AssertionError("get and batchGet disagree on " + new String(SMALL_KEY_BYTES[i], UTF_8)
                            + ": " + hex(single) + " vs " + hex(small[i]));
                }
            }
            List<List<String>> multi = new ArrayList<>();
            for (byte[] key : MULTI_KEY_BYTES) {
                multi.add(db.getMultiple(1, key).stream().map(HexFormat.of()::formatHex).sorted().toList());
            }
            byte[][] big = new byte[0][];
            int stride = complete ? 1 : 13;
            if (bigKeys) {
                byte[][] keys = bigKeys();
                byte[][] probed = new byte[(BIG_KEYS + stride - 1) / stride][];
                for (int i = 0; i < probed.length; i++) {
                    probed[i] = keys[i * stride];
                }
                big = new byte[probed.length][];
                for (int from = 0; from < probed.length; from += 8192) {
                    byte[][] chunk = db.batchGet(0, Arrays.copyOfRange(probed, from,
                            Math.min(probed.length, from + 8192)));
                    System.arraycopy(chunk, 0, big, from, chunk.length);
                }
            }
            long[] entries = {-1, -1};
            for (int family = 0; complete && family < 2; family++) {
                entries[family] = 0;
                int f = family;
                db.forEach(family, (key, value) -> {
                    entries[f]++;
                    if (value.byteSize() > 0) {
                        value.get(ValueLayout.JAVA_BYTE, value.byteSize() - 1); // the value must be readable
                    }
                });
            }
            return new Observed(small, multi, big, stride, entries[0], entries[1]);
        }
    }

    /** Up to 6 differences between what the store holds and this model; empty when they agree. */
    List<String> differences(Observed observed) {
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < SMALL_KEYS && differences.size() < 6; i++) {
            if (!Arrays.equals(small[i], observed.small()[i])) {
                differences.add(String.format(Locale.ROOT, "s%02d: expected %s, found %s", i, hex(small[i]),
                        hex(observed.small()[i])));
            }
        }
        for (int i = 0; i < MULTI_KEYS && differences.size() < 6; i++) {
            if (!multi.get(i).equals(observed.multi().get(i))) {
                differences.add(String.format(Locale.ROOT, "m%02d: expected %s, found %s", i, multi.get(i),
                        observed.multi().get(i)));
            }
        }
        int bigPresent = 0;
        for (int i = 0; i < big.length; i++) {
            if (big[i] != 0) {
                bigPresent++;
            }
        }
        for (int p = 0; p < observed.big().length && differences.size() < 6; p++) {
            int i = p * observed.bigStride();
            byte[] expected = i < big.length && big[i] != 0 ? bigValue(big[i], i) : null;
            if (!Arrays.equals(expected, observed.big()[p])) {
                differences.add(String.format(Locale.ROOT, "b%06d: expected %s, found %s", i, describeBig(expected),
                        describeBig(observed.big()[p])));
            }
        }
        long smallPresent = Arrays.stream(small).filter(v -> v != null).count();
        if (differences.isEmpty() && observed.singleEntries() >= 0
                && observed.singleEntries() != smallPresent + bigPresent) {
            differences.add("a scan of family 0 found " + observed.singleEntries() + " entries, expected "
                    + (smallPresent + bigPresent));
        }
        long multiValues = multi.stream().mapToLong(List::size).sum();
        if (differences.isEmpty() && observed.multiEntries() >= 0 && observed.multiEntries() != multiValues) {
            differences.add("a scan of family 1 found " + observed.multiEntries() + " values, expected "
                    + multiValues);
        }
        return differences;
    }

    private static String describeBig(byte[] value) {
        if (value == null || value.length != 8) {
            return hex(value);
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        return "batch " + buffer.getInt() + "'s value";
    }

    private static String hex(byte[] value) {
        if (value == null) {
            return "nothing";
        }
        String hex = HexFormat.of().formatHex(value, 0, Math.min(value.length, 8));
        return value.length + " bytes " + hex + (value.length > 8 ? "…" : "");
    }
}
