package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.ModelData.KeyId;
import io.turbokv.ModelData.Value;
import io.turbokv.StoreModel.Fingerprint;
import io.turbokv.StoreModel.Snapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Checks the cursors of a key-ordered family against a {@link Snapshot} of the model: a walk of the whole family
 * must give the model's entries (compared as a {@link Fingerprint}) in ascending unsigned key order, and every
 * range and prefix cursor the slice of that walk its bounds select: ranges between keys found and keys absent
 * (just above a key, or a proper prefix of one), with each bound inclusive, exclusive or open, empty and reversed
 * ranges, and prefixes from the empty one to whole keys; and every walk again downwards, which must give the same
 * entries with the keys in reverse. A {@link Held} cursor is a walk spread over the steps of
 * a run, across later commits, compactions and reopens.
 */
final class ModelCursors {
    /** Range and prefix cursors per check. */
    private static final int RANGES = 5;

    private ModelCursors() {}

    /**
     * One entry a cursor yielded: its key, copied, its value as the model names it (null when only digested), and
     * a digest of the value (its size and edges), enough to tell the entries of one walk apart from another's.
     */
    record Entry(byte[] key, Value value, long digest) {}

    /** Walks every cursor form of {@code family} in {@code scope} and compares with {@code expected}. */
    static void check(ReadScope scope, int family, Snapshot expected, long salt, String when) throws IOException {
        String what = "cursor over family " + family + " at " + expected + ", " + when;
        List<Entry> all;
        try (Cursor cursor = scope.range(family, (MemorySegment) null, true, null, true)) {
            all = walk(cursor, what, true);
        }
        Fingerprint found = new Fingerprint();
        for (Entry entry : all) {
            KeyId id = ModelData.identify(MemorySegment.ofArray(entry.key()));
            assertFalse(id instanceof ModelData.Unknown, () -> what + " found a key never written: " + id);
            found.add(id, entry.value());
        }
        assertTrue(found.sameAs(expected.fingerprint(family)), () -> what + ": " + found.count()
                + " entries, expected " + expected.fingerprint(family).count() + " (or other entries)");
        boolean multiValued = family == StoreModel.MULTI;
        for (int i = 1; i < all.size(); i++) {
            int cmp = Arrays.compareUnsigned(all.get(i - 1).key(), all.get(i).key());
            if (cmp > 0 || (cmp == 0 && !multiValued)) {
                throw new AssertionError(what + ": entry " + i + " not above the one before it");
            }
        }
        try (Cursor cursor = scope.rangeReverse(family, (byte[]) null, true, null, true)) {
            assertEntries(descending(all), walk(cursor, what + ", walking down", false), what + ", walking down");
        }
        Random random = new Random(salt);
        for (int r = 0; r < RANGES; r++) {
            byte[] from = bound(all, random);
            byte[] to = random.nextInt(8) == 0 ? bound(all, random) : near(all, from, random);
            boolean fromInclusive = random.nextBoolean();
            boolean toInclusive = random.nextBoolean();
            List<Entry> want = new ArrayList<>();
            for (Entry entry : all) {
                if (inRange(entry.key(), from, fromInclusive, to, toInclusive)) {
                    want.add(entry);
                }
            }
            String range = what + ", range " + describe(from, fromInclusive) + " to " + describe(to, toInclusive);
            try (Cursor cursor = scope.range(family, from, fromInclusive, to, toInclusive)) {
                assertEntries(want, walk(cursor, range, false), range);
            }
            try (Cursor cursor = scope.rangeReverse(family, from, fromInclusive, to, toInclusive)) {
                assertEntries(descending(want), walk(cursor, range + ", walking down", false),
                        range + ", walking down");
            }
            byte[] prefix = prefix(all, random);
            List<Entry> withPrefix = new ArrayList<>();
            for (Entry entry : all) {
                if (startsWith(entry.key(), prefix)) {
                    withPrefix.add(entry);
                }
            }
            String prefixed = what + ", prefix " + describe(prefix, true);
            try (Cursor cursor = scope.prefix(family, prefix)) {
                assertEntries(withPrefix, walk(cursor, prefixed, false), prefixed);
            }
            try (Cursor cursor = scope.prefixReverse(family, prefix)) {
                assertEntries(descending(withPrefix), walk(cursor, prefixed + ", walking down", false),
                        prefixed + ", walking down");
            }
        }
    }

    /**
     * What a cursor walking down yields for {@code ascending}: its keys in reverse, each key's entries (a
     * multi-valued key's values) in the same order as walking up.
     */
    private static List<Entry> descending(List<Entry> ascending) {
        List<Entry> out = new ArrayList<>(ascending.size());
        int end = ascending.size();
        while (end > 0) {
            int start = end - 1;
            while (start > 0 && Arrays.equals(ascending.get(start - 1).key(), ascending.get(end - 1).key())) {
                start--;
            }
            out.addAll(ascending.subList(start, end));
            end = start;
        }
        return out;
    }

    /** Steps {@code cursor} to its end, copying each entry; decoding each value only when {@code decode}. */
    static List<Entry> walk(Cursor cursor, String what, boolean decode) throws IOException {
        List<Entry> entries = new ArrayList<>();
        while (cursor.next()) {
            entries.add(decode ? entry(cursor, what) : new Entry(cursor.keyBytes(), null, digest(cursor.value())));
        }
        assertFalse(cursor.next(), what + ": a cursor at its end stays there");
        return entries;
    }

    private static Entry entry(Cursor cursor, String what) {
        byte[] key = cursor.key().toArray(ValueLayout.JAVA_BYTE);
        MemorySegment value = cursor.value();
        return new Entry(key, ModelData.decode(value, () -> what + ", key "
                + ModelData.identify(MemorySegment.ofArray(key))), digest(value));
    }

    /** The value's size and its first and last 32 bytes, mixed. */
    private static long digest(MemorySegment value) {
        long size = value.byteSize();
        long digest = size;
        long edge = Math.min(32, size);
        for (long i = 0; i < edge; i++) {
            digest = digest * 31 + value.get(ValueLayout.JAVA_BYTE, i);
            digest = digest * 31 + value.get(ValueLayout.JAVA_BYTE, size - 1 - i);
        }
        return digest;
    }

    private static void assertEntries(List<Entry> want, List<Entry> got, String what) {
        assertEquals(want.size(), got.size(), what + ": entry count");
        for (int i = 0; i < want.size(); i++) {
            int index = i;
            assertTrue(Arrays.equals(want.get(i).key(), got.get(i).key()), () -> what + ": key of entry " + index);
            assertEquals(want.get(i).digest(), got.get(i).digest(), what + ": value of entry " + index);
        }
    }

    /** A bound: open (null), a key found, a key just above one (absent), or a proper prefix of one. */
    private static byte[] bound(List<Entry> all, Random random) {
        if (all.isEmpty() || random.nextInt(10) == 0) {
            return random.nextBoolean() ? null : new byte[] {(byte) random.nextInt(256)};
        }
        byte[] key = all.get(random.nextInt(all.size())).key();
        return switch (random.nextInt(3)) {
            case 0 -> key;
            case 1 -> Arrays.copyOf(key, key.length + 1); // just above key: absent unless written
            default -> Arrays.copyOf(key, random.nextInt(key.length + 1));
        };
    }

    /** A bound a few entries past {@code from}, so that most ranges are short; sometimes below it (empty). */
    private static byte[] near(List<Entry> all, byte[] from, Random random) {
        if (all.isEmpty()) {
            return null;
        }
        int at = from == null ? 0 : Math.max(0, insertionPoint(all, from));
        int index = Math.min(all.size() - 1, at + random.nextInt(40) - (random.nextInt(10) == 0 ? 20 : 0));
        return all.get(Math.max(0, index)).key();
    }

    private static int insertionPoint(List<Entry> all, byte[] key) {
        int low = 0;
        int high = all.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Arrays.compareUnsigned(all.get(mid).key(), key) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * A prefix: now and then the empty one or a short one (a walk of much of the family), mostly most of a key
     * (the fillers' 252-byte shared prefix and longer), which selects a few entries.
     */
    private static byte[] prefix(List<Entry> all, Random random) {
        if (all.isEmpty() || random.nextInt(16) == 0) {
            return new byte[0];
        }
        byte[] key = all.get(random.nextInt(all.size())).key();
        int length = random.nextInt(8) == 0 ? random.nextInt(key.length + 1)
                : Math.max(0, key.length - random.nextInt(3));
        return Arrays.copyOf(key, length);
    }

    private static boolean inRange(byte[] key, byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive) {
        if (from != null) {
            int cmp = Arrays.compareUnsigned(key, from);
            if (cmp < 0 || (cmp == 0 && !fromInclusive)) {
                return false;
            }
        }
        if (to != null) {
            int cmp = Arrays.compareUnsigned(key, to);
            return cmp < 0 || (cmp == 0 && toInclusive);
        }
        return true;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static String describe(byte[] bound, boolean inclusive) {
        if (bound == null) {
            return "(open)";
        }
        String shown = java.util.HexFormat.of().formatHex(bound, 0, Math.min(bound.length, 24));
        return shown + (bound.length > 24 ? "...(" + bound.length + " bytes)" : "") + (inclusive ? " incl" : " excl");
    }

    /**
     * A cursor over a whole family, opened with a scope and walked a few entries per step of the run: it must give
     * the scope's state however the store changed meanwhile.
     */
    static final class Held {
        private static final int STEPS_PER_CHECK = 700;
        private final Cursor cursor;
        private final int family;
        private final Snapshot snapshot;
        private final List<Entry> entries = new ArrayList<>();
        private boolean ended;

        Held(ReadScope scope, int family, Snapshot snapshot) throws IOException {
            this.cursor = scope.range(family, (byte[]) null, true, null, true);
            this.family = family;
            this.snapshot = snapshot;
        }

        /** Walks on by a few entries. */
        void step(String when) throws IOException {
            String what = "held cursor over family " + family + " of " + snapshot + ", " + when;
            for (int i = 0; i < STEPS_PER_CHECK && !ended; i++) {
                if (cursor.next()) {
                    entries.add(entry(cursor, what));
                } else {
                    ended = true;
                }
            }
        }

        /** Walks to the end and compares everything the cursor yielded with the snapshot. */
        void finish(String when) throws IOException {
            String what = "held cursor over family " + family + " of " + snapshot + ", " + when;
            while (!ended) {
                step(when);
            }
            Fingerprint found = new Fingerprint();
            for (int i = 0; i < entries.size(); i++) {
                Entry entry = entries.get(i);
                found.add(ModelData.identify(MemorySegment.ofArray(entry.key())), entry.value());
                if (i > 0) {
                    int cmp = Arrays.compareUnsigned(entries.get(i - 1).key(), entry.key());
                    assertTrue(cmp < 0 || (cmp == 0 && family == StoreModel.MULTI), what + ": order at " + i);
                }
            }
            assertTrue(found.sameAs(snapshot.fingerprint(family)), () -> what + ": " + found.count()
                    + " entries, expected " + snapshot.fingerprint(family).count() + " (or other entries)");
        }

        Cursor cursor() {
            return cursor;
        }
    }
}
