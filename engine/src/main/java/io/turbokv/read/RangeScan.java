package io.turbokv.read;

import io.turbokv.io.Bytes;
import io.turbokv.meta.MetaEntry;
import io.turbokv.sst.EntryKind;
import io.turbokv.sst.MergeIterator;
import io.turbokv.sst.SstEntryIterator;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The live entries of one key-ordered family in one store state whose keys lie in a range, in ascending (or
 * descending) unsigned key order, one step at a time: the engine side of a cursor ({@code io.turbokv.Cursor}).
 *
 * <p>A {@link MergeIterator} by key over the family's live SSTs whose key range (their meta entry's) meets the
 * range, each read by its own iterator from the first key block that may hold the range's lower bound
 * ({@code SstReader.keyIterator}), the newer SST (the earlier in the state's newest-first order) ranked higher. Per key, a single-valued family yields the newest entry unless it is a
 * tombstone; a multi-valued one yields its values down to its first tombstone (the rules of point reads and of
 * {@link FamilyScan}). A range of {@code m} entries over SSTs of {@code n} entries reads {@code O(log n + m)}
 * blocks per SST: one index search, then block after block.
 *
 * <p>Memory and lifetimes: keys and values are ranges of the SSTs' mappings or of the iterators' decode buffers,
 * valid until the next {@link #next()}; the buffers stay allocated until {@link #close()} (they never free memory
 * while the scan is open: {@code SstEntryIterator}), and the mappings as long as the caller's lease on the state.
 * A blob value is read into an arena of its own, closed by the next step. Confined: the thread that makes the
 * first step makes every later call, {@link #close()} included.
 */
public final class RangeScan implements AutoCloseable {
    private final BlobFiles blobs;
    private final boolean multiValued;
    private final List<SstEntryIterator> sources = new ArrayList<>();
    private final MergeIterator merge;
    private final MemorySegment from;
    private final boolean fromInclusive;
    private final MemorySegment to;
    private final boolean toInclusive;
    /** Whether keys descend: the walk starts at {@link #to} and ends at {@link #from}. */
    private final boolean reverse;
    /** Whether the current key's older entries are shadowed (its newest entry decided it). */
    private boolean decided;
    private boolean ended;
    /** The current entry's key and value ranges; the value is a blob's when {@link #blobArena} is not null. */
    private MemorySegment keySegment;
    private long keyOffset;
    private long keyLength;
    private MemorySegment valueSegment;
    private long valueOffset;
    private long valueLength;
    private Arena blobArena;

    /**
     * A scan of {@code family} in {@code state} over keys from {@code from} to {@code to} (either null for an open
     * end), or, when {@code prefix} is not null, over the keys that start with it (then {@code from} and
     * {@code to} are ignored); in ascending key order, or descending when {@code reverse}.
     *
     * @param blobs         the store's blob files, which blob values are read from
     * @param state         the state to scan, on which the caller holds a lease until {@link #close()}
     * @param family        the family's index; a key-ordered family
     * @param multiValued   whether the family keeps every value of a key (down to its first tombstone)
     * @param from          the lowest key, or null
     * @param fromInclusive whether {@code from} itself is in the range
     * @param to            the highest key, or null
     * @param toInclusive   whether {@code to} itself is in the range
     * @param prefix        the prefix every key of the range starts with, or null
     * @param reverse       whether to walk keys downwards, from {@code to}
     * @throws IOException when an SST cannot be mapped
     */
    public RangeScan(BlobFiles blobs, StoreState state, int family, boolean multiValued, MemorySegment from,
                     boolean fromInclusive, MemorySegment to, boolean toInclusive, MemorySegment prefix,
                     boolean reverse)
            throws IOException {
        this.blobs = blobs;
        this.multiValued = multiValued;
        this.reverse = reverse;
        // the keys starting with a prefix are those from the prefix up to, not including, its successor
        this.from = prefix != null ? prefix : from;
        this.fromInclusive = prefix != null || fromInclusive;
        this.to = prefix != null ? successor(prefix) : to;
        this.toInclusive = prefix == null && toInclusive;
        try {
            for (LiveMeta meta : state.metas()) {
                if (meta.family() == family) {
                    for (SstSlot slot : meta.ssts()) {
                        MetaEntry.KeyRange keys = slot.entry().keyRange();
                        if (keys != null && !keys.meets(this.from, this.to)) {
                            continue; // no key of the SST is in the range: not even mapped
                        }
                        sources.add(reverse ? slot.reader().keyIteratorReverse(this.to)
                                : slot.reader().keyIterator(this.from));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        int[] ranks = new int[sources.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = ranks.length - 1 - i; // newest first in the state: the highest rank
        }
        merge = new MergeIterator(sources, ranks, true, reverse);
    }

    /**
     * The lowest key above every key that starts with {@code prefix}: the prefix without its trailing 0xFF bytes,
     * its last byte incremented; null when there is none (an empty prefix, or one of 0xFF bytes only).
     */
    static MemorySegment successor(MemorySegment prefix) {
        byte[] bytes = prefix.toArray(ValueLayout.JAVA_BYTE);
        int length = bytes.length;
        while (length > 0 && bytes[length - 1] == (byte) 0xFF) {
            length--;
        }
        if (length == 0) {
            return null;
        }
        byte[] successor = Arrays.copyOf(bytes, length);
        successor[length - 1]++;
        return MemorySegment.ofArray(successor);
    }

    /**
     * Moves to the next live entry of the range.
     *
     * @return false when the range has no entry left (and from then on)
     * @throws IOException when a file cannot be read or is damaged
     */
    public boolean next() throws IOException {
        closeBlob();
        while (!ended && merge.next()) {
            if (merge.startsNewKey()) {
                decided = false;
                if (beyondEnd()) {
                    break;
                }
            }
            if (decided) {
                continue;
            }
            EntryKind kind = merge.kind();
            decided = !multiValued || kind == EntryKind.TOMBSTONE;
            if (kind == EntryKind.TOMBSTONE || atExcludedStart()) {
                continue;
            }
            keySegment = merge.keySegment();
            keyOffset = merge.keyOffset();
            keyLength = merge.keyLength();
            if (kind == EntryKind.VALUE) {
                valueSegment = merge.valueSegment();
                valueOffset = merge.valueOffset();
                valueLength = merge.valueLength();
            } else {
                blobArena = Arena.ofConfined();
                valueSegment = blobs.readUnleased(merge.blobSeq(), blobArena);
                valueOffset = 0;
                valueLength = valueSegment.byteSize();
            }
            return true;
        }
        ended = true;
        keySegment = null;
        valueSegment = null;
        return false;
    }

    /**
     * Whether the merge's current key lies past the range's end: above {@code to} (below {@code from}, walking
     * down), or equal to it when it is excluded.
     */
    private boolean beyondEnd() {
        MemorySegment end = reverse ? from : to;
        if (end == null) {
            return false;
        }
        int cmp = Bytes.compareUnsigned(merge.keySegment(), merge.keyOffset(), merge.keyLength(), end, 0,
                end.byteSize());
        return reverse ? cmp < 0 || (cmp == 0 && !fromInclusive) : cmp > 0 || (cmp == 0 && !toInclusive);
    }

    /**
     * Whether the merge's current key is the range's start and the start is excluded: the iterators start at the
     * first key not below {@code from} (not above {@code to}, walking down), so only that key may be out.
     */
    private boolean atExcludedStart() {
        MemorySegment start = reverse ? to : from;
        boolean inclusive = reverse ? toInclusive : fromInclusive;
        return start != null && !inclusive && Bytes.equal(merge.keySegment(), merge.keyOffset(), merge.keyLength(),
                start, 0, start.byteSize());
    }

    /** {@return the segment holding the current key, at {@link #keyOffset()}; valid until the next step} */
    public MemorySegment keySegment() {
        return keySegment;
    }

    /** {@return where the current key starts in {@link #keySegment()}} */
    public long keyOffset() {
        return keyOffset;
    }

    /** {@return the current key's length in bytes} */
    public long keyLength() {
        return keyLength;
    }

    /** {@return the segment holding the current value, at {@link #valueOffset()}; valid until the next step} */
    public MemorySegment valueSegment() {
        return valueSegment;
    }

    /** {@return where the current value starts in {@link #valueSegment()}} */
    public long valueOffset() {
        return valueOffset;
    }

    /** {@return the current value's length in bytes} */
    public long valueLength() {
        return valueLength;
    }

    /** {@return whether the current value was read from a blob file into memory of its own, freed by the next step} */
    public boolean valueIsBlob() {
        return blobArena != null;
    }

    private void closeBlob() {
        if (blobArena != null) {
            Arena arena = blobArena;
            blobArena = null;
            arena.close();
        }
    }

    /** Frees the iterators' memory and the current blob value. Idempotent. */
    @Override
    public void close() {
        ended = true;
        keySegment = null;
        valueSegment = null;
        closeBlob();
        sources.forEach(SstEntryIterator::close);
    }
}
