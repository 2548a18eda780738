package io.turbokv.sst;

import io.turbokv.CorruptionException;
import java.lang.foreign.MemorySegment;

/**
 * Walks every entry of one SST in file order, which is (unsigned hash, unsigned key bytes) order with each key's
 * values before its tombstone; for compaction. It decodes blocks into working memory of its own, which
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
    private final BlockBuffer keyBuffer = new BlockBuffer();
    private final BlockBuffer valueBuffer = new BlockBuffer();
    private final BlockView keyView = new BlockView();
    private final BlockView valueView = new BlockView();
    private final KeyBlock keyBlock = new KeyBlock();
    private final BlockChecksum checksum = new BlockChecksum();
    private final LastValueBlock lastValueBlock = new LastValueBlock();
    private final BlockView rawBlockView = new BlockView();
    private final boolean rawMediumValues;
    /** Entries with a lower hash (unsigned) are skipped without loading their values. */
    private final long fromHash;
    private boolean rawMedium;
    private int nextKeyBlock;
    private int entry;
    private int entryCount;
    private long hash;
    private EntryKind kind;
    private int blobSeq;

    SstEntryIterator(SstReader reader, boolean rawMediumValues, int firstKeyBlock, long fromHash) {
        this.reader = reader;
        this.rawMediumValues = rawMediumValues;
        this.nextKeyBlock = firstKeyBlock;
        this.fromHash = fromHash;
    }

    /**
     * Moves to the next entry.
     *
     * @return false when there is none left
     * @throws CorruptionException when a block is damaged
     */
    public boolean next() throws CorruptionException {
        do {
            while (entry + 1 >= entryCount) {
                if (nextKeyBlock >= reader.keyBlockCount()) {
                    kind = null;
                    rawMedium = false;
                    return false;
                }
                int block = reader.keyBlock(nextKeyBlock++);
                reader.loadBlock(block, keyBuffer, checksum, keyView);
                keyBlock.reset(keyView, reader.path(), reader.blockStart(block), block);
                entry = -1;
                entryCount = keyBlock.count();
            }
            entry++;
            keyBlock.select(entry);
            hash = keyBlock.hash(entry);
        } while (Long.compareUnsigned(hash, fromHash) < 0);
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

    /** {@return the current entry's key hash} */
    public long hash() {
        return hash;
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
