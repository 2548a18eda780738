package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;

/**
 * Walks every entry of one SST in file order, which is (unsigned hash, unsigned key bytes) order (unsigned key
 * order in a key-ordered SST) with each key's values before its tombstone; for compaction and scans. A cursor's
 * iterator ({@link SstReader#keyIterator}, {@link SstReader#keyIteratorReverse}) starts at a key, and may walk keys
 * downwards. It decodes blocks into working memory of its own, which
 * {@link #close()} frees, and keeps the value block it decoded last: the small values of one block cost one load,
 * CRC check and LZ4 decode of that block, not one each. An iterator made by
 * {@link SstReader#iterator(boolean) iterator(true)} leaves medium values as their on-disk blocks
 * ({@link #isRawMediumValue()}).
 *
 * <pre>{@code
 * try (SstEntryIterator it = reader.iterator()) {
 *     while (it.next()) {
 *         switch (it.kind()) { case VALUE -> use(it.hash(), it.key(), it.value()); ... }
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #key()} and {@link #value()} are views valid until the next call of {@link #next()}; each call makes a
 * new slice. A loop over many entries (compaction) uses {@link #keySegment()}, {@link #keyOffset()},
 * {@link #keyLength()} and the value's counterparts instead, which allocate nothing: the segment is the mapping or
 * this iterator's decode buffer, the range is valid until the next call of {@link #next()}. Not thread-safe.
 */
public final class SstEntryIterator implements AutoCloseable {
    private final SstReader reader;
    private final BlockBuffer keyBuffer;
    private final BlockBuffer valueBuffer;
    private final BlockView keyView = new BlockView();
    private final BlockView valueView = new BlockView();
    private final KeyBlock keyBlock = new KeyBlock();
    private final BlockChecksum checksum;
    private final LastValueBlock lastValueBlock = new LastValueBlock();
    /** Where the current raw medium value's block is; only in an iterator that leaves them raw. */
    private final BlockView rawBlockView;
    private final boolean rawMediumValues;
    /** Entries with a lower hash (unsigned) are skipped without loading their values. */
    private final long fromHash;
    /** A key-ordered SST's first key: entries of the first key block below it are passed over; or null. */
    private MemorySegment fromKey;
    // Reverse iterators (a cursor walking down): the bound to start at, the current key (its first entry is found
    // through the index, then its entries are walked forward), the index position of the loaded key block.
    private boolean reverse;
    private MemorySegment reverseFrom;
    private byte[] groupKey; // allocated by the first setGroupKey: forward iterators never need it
    private MemorySegment groupKeySegment;
    private long groupKeyLength = -1;
    private int position;
    /** Whether the key block at {@link #position} is the one loaded. */
    private boolean positionLoaded;
    /** Where the current group's first entry is: the index position of its block, and its entry there. */
    private int groupPosition;
    private int groupEntry;
    private boolean exhausted;
    private boolean rawMedium;
    private int nextKeyBlock;
    private int entry;
    private int entryCount;
    private long hash;
    /**
     * Whether {@link #hash} is the current entry's: a key-ordered SST stores no hashes ({@link KeyBlock}), so
     * {@link #hash()} computes one only when asked (a cursor never asks).
     */
    private boolean hashKnown;
    private final boolean keyOrdered;
    private EntryKind kind;
    private int blobSeq;

    SstEntryIterator(SstReader reader, boolean rawMediumValues, int firstKeyBlock, long fromHash) {
        this(reader, rawMediumValues, firstKeyBlock, fromHash, false);
    }

    private SstEntryIterator(SstReader reader, boolean rawMediumValues, int firstKeyBlock, long fromHash,
                             boolean forCursor) {
        this.reader = reader;
        this.rawMediumValues = rawMediumValues;
        this.nextKeyBlock = firstKeyBlock;
        this.fromHash = fromHash;
        this.keyOrdered = reader.keyOrdered();
        this.rawBlockView = rawMediumValues ? new BlockView() : null;
        this.keyBuffer = new BlockBuffer(forCursor);
        this.valueBuffer = new BlockBuffer(forCursor);
        this.checksum = new BlockChecksum(forCursor);
    }

    /** A cursor's iterator over a key-ordered SST from {@code fromKey} (see {@link SstReader#keyIterator}). */
    static SstEntryIterator byKey(SstReader reader, MemorySegment fromKey) {
        SstEntryIterator iterator = new SstEntryIterator(reader, false,
                fromKey == null ? 0 : reader.firstPositionByKey(fromKey), 0, true);
        iterator.fromKey = fromKey;
        return iterator;
    }

    /**
     * A cursor's iterator over a key-ordered SST in descending key order from the largest key not above
     * {@code fromKey} (see {@link SstReader#keyIteratorReverse}).
     */
    static SstEntryIterator byKeyReverse(SstReader reader, MemorySegment fromKey) {
        SstEntryIterator iterator = new SstEntryIterator(reader, false, 0, 0, true);
        iterator.reverse = true;
        iterator.reverseFrom = fromKey;
        return iterator;
    }

    /**
     * Moves to the next entry.
     *
     * @return false when there is none left
     * @throws CorruptionException when a block is damaged
     */
    public boolean next() throws CorruptionException {
        if (reverse) {
            if (!nextReverse()) {
                kind = null;
                rawMedium = false;
                return false;
            }
            hashKnown = false; // reverse iterators are key-ordered
            return loadEntry();
        }
        do {
            while (entry + 1 >= entryCount) {
                if (nextKeyBlock >= reader.keyBlockCount()) {
                    kind = null;
                    rawMedium = false;
                    return false;
                }
                int block = reader.keyBlock(nextKeyBlock++);
                reader.loadBlock(block, keyBuffer, checksum, keyView);
                keyBlock.reset(keyView, reader.path(), reader.blockStart(block), block, keyOrdered);
                entry = -1;
                entryCount = keyBlock.count();
                if (fromKey != null) {
                    // the first key block only: the later ones hold no key below it (KeyIndexBlock)
                    entry = keyBlock.lowerBoundByKey(fromKey) - 1;
                    fromKey = null;
                }
            }
            entry++;
            keyBlock.select(entry);
        } while (!keyOrdered && Long.compareUnsigned(keyBlock.hash(entry), fromHash) < 0);
        hashKnown = !keyOrdered;
        if (hashKnown) {
            hash = keyBlock.hash(entry);
        }
        return loadEntry();
    }

    /** Reads the selected entry's kind and value (or blob reference); true. */
    private boolean loadEntry() throws CorruptionException {
        int type = keyBlock.entryType();
        kind = EntryType.kind(type);
        rawMedium = kind == EntryKind.VALUE && type == EntryType.MEDIUM && rawMediumValues;
        if (kind == EntryKind.BLOB) {
            blobSeq = SstReader.blobSeq(keyBlock);
        } else if (rawMedium) {
            reader.loadRawMediumBlock(keyBlock, checksum, rawBlockView);
        } else if (kind == EntryKind.VALUE) {
            reader.loadValue(keyBlock, valueBuffer, checksum, valueView, lastValueBlock);
        }
        return true;
    }

    /**
     * Moves a reverse iterator to its next entry and selects it: the next entry of the current key while there is
     * one (a key's entries keep their file order: values, then the tombstone), else the first entry of the next
     * lower key, found through the key index.
     */
    private boolean nextReverse() throws CorruptionException {
        if (exhausted) {
            return false;
        }
        if (groupKeyLength < 0) { // the first call
            exhausted = !startBelow(reverseFrom, true);
            return !exhausted;
        }
        if (entry + 1 < entryCount) {
            entry++;
            keyBlock.select(entry);
            if (inGroup()) {
                return true;
            }
        } else if (reader.mayContinueAfter(position, groupKeySegment.asSlice(0, groupKeyLength))) {
            load(position + 1);
            entry = 0;
            keyBlock.select(0);
            if (inGroup()) {
                return true;
            }
        }
        exhausted = !(groupEntry > 0 ? startPreviousInBlock()
                : startBelow(groupKeySegment.asSlice(0, groupKeyLength), false));
        return !exhausted;
    }

    /**
     * Starts the group of the key just below the current group's, which begins at entry {@code groupEntry > 0} of
     * the block at {@code groupPosition}: that key ends at the entry before, in the same block, so no index search is
     * needed unless its entries begin in an earlier block.
     */
    private boolean startPreviousInBlock() throws CorruptionException {
        load(groupPosition);
        int i = groupEntry - 1;
        keyBlock.select(i);
        long start = keyBlock.keyStart();
        long length = keyBlock.keyLength();
        while (i > 0) {
            keyBlock.select(i - 1);
            if (!Bytes.equal(keyBlock.segment(), keyBlock.keyStart(), keyBlock.keyLength(), keyBlock.segment(), start,
                    length)) {
                break;
            }
            i--;
        }
        MemorySegment key = MemorySegment.ofArray(new byte[(int) length]);
        MemorySegment.copy(keyBlock.segment(), start, key, 0, length);
        if (i == 0 && groupPosition > 0) {
            return startGroup(key); // its entries may begin in the block before: the index knows
        }
        setGroupKey(key);
        entry = i;
        groupEntry = i;
        keyBlock.select(i);
        return true;
    }

    /** Whether the selected entry's key is the current group's. */
    private boolean inGroup() {
        return Bytes.equal(keyBlock.segment(), keyBlock.keyStart(), keyBlock.keyLength(), groupKeySegment, 0,
                groupKeyLength);
    }

    /**
     * Starts the group of the largest key below {@code bound} (or, {@code inclusive}, not above it; the last key of
     * the SST when {@code bound} is null) at its first entry; false when there is none.
     */
    private boolean startBelow(MemorySegment bound, boolean inclusive) throws CorruptionException {
        int count = reader.keyBlockCount();
        int p;
        int i;
        if (bound == null) {
            p = count - 1;
            load(p);
            i = entryCount - 1;
        } else {
            p = reader.firstPositionByKey(bound);
            load(p);
            // the last entry below the bound (not above it, inclusive) in this block
            i = keyBlock.lowerBoundByKey(bound) - 1;
            if (inclusive) {
                boolean allBelow = i == entryCount - 1;
                if (i + 1 < entryCount) {
                    keyBlock.select(i + 1);
                    if (keyBlock.compareKey(bound) == 0) {
                        i++; // the bound itself
                    }
                } else if (allBelow && reader.mayContinueAfter(p, bound)) {
                    load(p + 1);
                    keyBlock.select(0);
                    if (keyBlock.compareKey(bound) == 0) {
                        return startGroup(bound);
                    }
                    load(p);
                }
            }
        }
        if (i < 0) {
            if (p == 0) {
                return false;
            }
            load(p - 1);
            i = entryCount - 1;
        }
        keyBlock.select(i);
        long length = keyBlock.keyLength();
        byte[] key = new byte[(int) length];
        MemorySegment copy = MemorySegment.ofArray(key);
        MemorySegment.copy(keyBlock.segment(), keyBlock.keyStart(), copy, 0, length);
        return startGroup(copy);
    }

    /** Selects the first entry of {@code key}, which the SST holds, and makes it the current group. */
    private boolean startGroup(MemorySegment key) throws CorruptionException {
        setGroupKey(key);
        MemorySegment groupKeyView = groupKeySegment.asSlice(0, groupKeyLength);
        int p = reader.firstPositionByKey(groupKeyView);
        load(p);
        entry = keyBlock.lowerBoundByKey(groupKeyView);
        if (entry == entryCount) { // the key's entries begin in the next block
            load(p + 1);
            entry = 0;
        }
        keyBlock.select(entry);
        if (!inGroup()) {
            throw keyBlock.damage("key index: a key found in the SST is not where the index leads (entry %d)",
                    entry);
        }
        groupPosition = position;
        groupEntry = entry;
        return true;
    }

    /** Makes {@code key} the current group's key (copied). */
    private void setGroupKey(MemorySegment key) {
        long length = key.byteSize();
        if (groupKey == null || length > groupKey.length) {
            groupKey = new byte[(int) Math.max(length, groupKey == null ? 64 : groupKey.length * 2L)];
            groupKeySegment = MemorySegment.ofArray(groupKey);
        }
        MemorySegment.copy(key, 0, groupKeySegment, 0, length);
        groupKeyLength = length;
    }

    /**
     * Loads the key block at index position {@code p} (reverse iterators), unless it is the one loaded: a walk down
     * finds each key through the index, which leads back into the block it is in far more often than not, and
     * decoding and checking a block again per key made the walk a hundred times slower than one up.
     */
    private void load(int p) throws CorruptionException {
        if (p == position && positionLoaded) {
            return;
        }
        positionLoaded = false; // a load that fails leaves no block loaded
        int block = reader.keyBlock(p);
        reader.loadBlock(block, keyBuffer, checksum, keyView);
        keyBlock.reset(keyView, reader.path(), reader.blockStart(block), block, keyOrdered);
        position = p;
        positionLoaded = true;
        entryCount = keyBlock.count();
    }

    /** {@return the current entry's key hash} */
    public long hash() {
        if (!hashKnown) {
            hash = keyBlock.selectedKeyHash();
            hashKnown = true;
        }
        return hash;
    }

    /**
     * {@return whether a key-ordered SST stores the current entry's search word as its key gives it} (always true in
     * a hash-ordered SST, whose stored hash {@link #hash()} returns). A wrong word passes the block's CRC when the
     * writer stored it so, and makes point gets miss the key: {@code verify} asks this of every entry.
     */
    public boolean searchWordMatchesKey() {
        return !keyOrdered || keyBlock.hash(entry) == keyBlock.selectedKeyWord();
    }

    /** {@return the current entry's key; valid until {@link #next()}} */
    public MemorySegment key() {
        return keyBlock.segment().asSlice(keyBlock.keyStart(), keyBlock.keyLength());
    }

    /** {@return the segment holding the current entry's key, at {@link #keyOffset()}; valid until {@link #next()}} */
    public MemorySegment keySegment() {
        return keyBlock.segment();
    }

    /** {@return where the current entry's key starts in {@link #keySegment()}} */
    public long keyOffset() {
        return keyBlock.keyStart();
    }

    /** {@return the current entry's key length in bytes} */
    public long keyLength() {
        return keyBlock.keyLength();
    }

    /** {@return the current entry's kind} */
    public EntryKind kind() {
        return kind;
    }

    /**
     * {@return the current value, when {@link #kind()} is {@link EntryKind#VALUE}; valid until {@link #next()}}
     *
     * @throws IllegalStateException for a blob reference or a tombstone
     */
    public MemorySegment value() {
        checkValue();
        return valueView.segment.asSlice(valueView.offset, valueView.length);
    }

    /**
     * {@return the segment holding the current value, at {@link #valueOffset()}, when {@link #kind()} is
     * {@link EntryKind#VALUE}; valid until {@link #next()}}
     *
     * @throws IllegalStateException for a blob reference or a tombstone
     */
    public MemorySegment valueSegment() {
        checkValue();
        return valueView.segment;
    }

    /**
     * {@return where the current value starts in {@link #valueSegment()}}
     *
     * @throws IllegalStateException for a blob reference or a tombstone
     */
    public long valueOffset() {
        checkValue();
        return valueView.offset;
    }

    /**
     * {@return the current value's length in bytes}
     *
     * @throws IllegalStateException for a blob reference or a tombstone
     */
    public long valueLength() {
        checkValue();
        return valueView.length;
    }

    private void checkValue() {
        if (kind != EntryKind.VALUE) {
            throw new IllegalStateException("current entry is not a value: " + kind);
        }
        if (rawMedium) {
            throw new IllegalStateException("current entry is a medium value left as its block: use rawBlock*()");
        }
    }

    /**
     * {@return whether the current entry is a medium value left encoded, as its on-disk block: only in an iterator made
     * by {@link SstReader#iterator(boolean) iterator(true)}} Its value accessors then throw; its block is
     * {@code rawBlockSegment()[rawBlockOffset(), rawBlockOffset() + rawBlockLength())}, ready for
     * {@link SstWriter#addMediumRaw}.
     */
    public boolean isRawMediumValue() {
        return rawMedium;
    }

    /**
     * {@return the segment (the mapped file) holding the current medium value's block, header included}
     *
     * @throws IllegalStateException unless {@link #isRawMediumValue()}
     */
    public MemorySegment rawBlockSegment() {
        checkRawMedium();
        return rawBlockView.segment;
    }

    /**
     * {@return where the current medium value's block (its 8-byte header) starts in {@link #rawBlockSegment()}}
     *
     * @throws IllegalStateException unless {@link #isRawMediumValue()}
     */
    public long rawBlockOffset() {
        checkRawMedium();
        return rawBlockView.offset;
    }

    /**
     * {@return the current medium value's block length on disk, header included}
     *
     * @throws IllegalStateException unless {@link #isRawMediumValue()}
     */
    public long rawBlockLength() {
        checkRawMedium();
        return rawBlockView.length;
    }

    private void checkRawMedium() {
        if (!rawMedium) {
            throw new IllegalStateException("current entry is not a medium value left as its block: " + kind);
        }
    }

    /**
     * {@return the blob sequence number, when {@link #kind()} is {@link EntryKind#BLOB}}
     *
     * @throws IllegalStateException for a value or a tombstone
     */
    public int blobSeq() {
        if (kind != EntryKind.BLOB) {
            throw new IllegalStateException("current entry is not a blob reference: " + kind);
        }
        return blobSeq;
    }

    /** Frees the working memory. Idempotent. */
    @Override
    public void close() {
        keyBuffer.close();
        valueBuffer.close();
        checksum.close();
    }
}
