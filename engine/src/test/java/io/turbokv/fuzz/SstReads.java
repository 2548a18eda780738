package io.turbokv.fuzz;

import io.turbokv.CorruptionException;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.EntryVisitor;
import io.turbokv.sst.LookupResult;
import io.turbokv.sst.LookupScratch;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.sst.SstReader;
import io.turbokv.sst.TestEntry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads an open SST the two ways the store does, lookup and iteration, collecting what comes back. */
final class SstReads {
    /** Iteration stops after this many entries: a damaged count can claim millions in a small input. */
    static final int MAX_ENTRIES = 4096;
    /** Entries found by iteration that are also looked up. */
    static final int MAX_LOOKUPS = 256;

    private SstReads() {}

    /**
     * Reads {@code reader} as far as it lets itself be read: iterates (up to {@link #MAX_ENTRIES}), looks up
     * each iterated key (up to {@link #MAX_LOOKUPS}) and a few keys that are not there. Every value is copied, so
     * each byte the reader hands out is actually read. A {@link CorruptionException} ends one lookup or the
     * iteration; any other exception escapes.
     */
    static void readEverything(SstReader reader) {
        List<TestEntry> iterated = new ArrayList<>();
        try {
            iterate(reader, iterated, MAX_ENTRIES);
        } catch (CorruptionException e) {
            // Damage found while iterating: allowed; the entries before it are still looked up.
        }
        try (LookupScratch scratch = new LookupScratch()) {
            int lookups = 0;
            for (TestEntry entry : iterated) {
                if (lookups++ == MAX_LOOKUPS) {
                    break;
                }
                lookupIgnoringDamage(reader, scratch, entry.hash(), entry.key());
                lookupIgnoringDamage(reader, scratch, entry.hash(), new byte[] {0});
                lookupIgnoringDamage(reader, scratch, entry.hash() + 1, entry.key());
            }
            lookupIgnoringDamage(reader, scratch, 0, new byte[0]);
            lookupIgnoringDamage(reader, scratch, -1, new byte[] {-1});
        }
        if (reader.keyOrdered()) { // a cursor's seeks, both ways, from keys that are there and keys that are not
            for (int i = 0; i < Math.min(iterated.size(), MAX_LOOKUPS); i += 7) {
                byte[] key = iterated.get(i).key();
                seekIgnoringDamage(reader, key);
                seekIgnoringDamage(reader, Arrays.copyOf(key, key.length + 1));
            }
            seekIgnoringDamage(reader, new byte[0]);
            seekIgnoringDamage(reader, new byte[] {-1, -1});
        }
    }

    /** Reads a few entries up and down from {@code key} with a key-ordered SST's cursor iterators. */
    private static void seekIgnoringDamage(SstReader reader, byte[] key) {
        for (boolean reverse : new boolean[] {false, true}) {
            MemorySegment from = MemorySegment.ofArray(key);
            try (SstEntryIterator it = reverse ? reader.keyIteratorReverse(from) : reader.keyIterator(from)) {
                for (int i = 0; i < 3 && it.next(); i++) {
                    it.key().toArray(ValueLayout.JAVA_BYTE);
                }
            } catch (CorruptionException e) {
                // Allowed: the block on the way is damaged.
            }
        }
    }

    private static void lookupIgnoringDamage(SstReader reader, LookupScratch scratch, long hash, byte[] key) {
        try {
            lookup(reader, scratch, hash, key);
        } catch (CorruptionException e) {
            // Allowed: the block on the way is damaged.
        }
    }

    /**
     * Adds the entries of {@code reader} in iteration order to {@code into}, at most {@code limit}; entries read
     * before a {@link CorruptionException} stay in {@code into}.
     */
    static void iterate(SstReader reader, List<TestEntry> into, int limit) throws CorruptionException {
        try (SstEntryIterator it = reader.iterator()) {
            while (into.size() < limit && it.next()) {
                byte[] key = it.key().toArray(ValueLayout.JAVA_BYTE);
                into.add(switch (it.kind()) {
                    case VALUE -> TestEntry.value(it.hash(), key, it.value().toArray(ValueLayout.JAVA_BYTE));
                    case BLOB -> TestEntry.blob(it.hash(), key, it.blobSeq());
                    case TOMBSTONE -> TestEntry.tombstone(it.hash(), key);
                });
            }
        }
    }

    /**
     * The entries a lookup of {@code (hash, key)} hands to its visitor, in order.
     *
     * @throws AssertionError when the lookup's result code disagrees with the entries it handed out
     */
    static List<TestEntry> lookup(SstReader reader, LookupScratch scratch, long hash, byte[] key)
            throws CorruptionException {
        Collector collector = new Collector(hash, key);
        LookupResult result = reader.lookup(hash, MemorySegment.ofArray(key), scratch, collector);
        LookupResult expected = collector.found.isEmpty() ? LookupResult.ABSENT
                : collector.found.getLast().kind() == EntryKind.TOMBSTONE ? LookupResult.DELETED
                : LookupResult.FOUND;
        if (result != expected) {
            throw new AssertionError("lookup returned " + result + " after handing out " + collector.found);
        }
        return collector.found;
    }

    /** Collects a lookup's entries; a tombstone must be the last call. */
    private static final class Collector implements EntryVisitor {
        private final long hash;
        private final byte[] key;
        final List<TestEntry> found = new ArrayList<>();

        Collector(long hash, byte[] key) {
            this.hash = hash;
            this.key = key;
        }

        @Override
        public void onValue(MemorySegment bytes, long offset, long length) {
            checkNoTombstoneYet();
            found.add(TestEntry.value(hash, key, bytes.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE)));
        }

        @Override
        public void onBlob(int blobSeq) {
            checkNoTombstoneYet();
            found.add(TestEntry.blob(hash, key, blobSeq));
        }

        @Override
        public void onTombstone() {
            checkNoTombstoneYet();
            found.add(TestEntry.tombstone(hash, key));
        }

        private void checkNoTombstoneYet() {
            if (!found.isEmpty() && found.getLast().kind() == EntryKind.TOMBSTONE) {
                throw new AssertionError("lookup handed out an entry after the tombstone: " + found);
            }
        }
    }
}
