package io.turbokv.sst;

import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Collects the entries of one key block and encodes it in a layout {@link KeyBlock} documents: fixed-size (type 3)
 * when every entry has the same key length and value reference length (at most 255 each), variable-size (type 1)
 * otherwise. Entries referring to the small value block that is
 * still being filled carry a placeholder block index until {@link #resolveSmall} patches it; the writer emits that
 * small block before it encodes this key block. A builder for a key-ordered SST stores search words where the
 * other stores hashes ({@link KeyBlock}), computed from the keys when the block is encoded.
 *
 * <p>Memory: one key block's entries, on the heap, reused from block to block.
 */
final class KeyBlockBuilder {
    private final boolean keyOrdered;
    private final boolean compress;
    private final int budgetBytes;
    private final int budgetEntries;
    private final int runBudgetBytes;
    private byte[] entries;
    private MemorySegment entriesSegment;
    private int entriesLength;
    private long[] hashes;
    private byte[] types;
    private int[] positions;
    private int[] keyLengths;
    /** A key-ordered block's search words, computed by {@link #encode()}. */
    private long[] words = new long[0];
    private int count;
    private long accountedBytes;
    private int maxKeyLength;
    // The fixed-size state machine: the first entry sets key and reference length and type; an entry with the
    // same lengths keeps the block fixed (the type becomes mixed when it differs); anything else makes it variable.
    private boolean fixed;
    private int fixedKeyLength;
    private int fixedRefLength;
    private int fixedType;
    private int[] unresolvedSmall = new int[64];
    private int unresolvedCount;
    /** The encoded block's memory (its array and segment), reused and grown by doubling, and its one buffer view. */
    private byte[] blockBytes = new byte[0];
    private MemorySegment block = MemorySegment.ofArray(blockBytes);
    private ByteBuffer blockView = ByteBuffer.allocate(0);

    /**
     * @param keyOrdered whether the blocks are a key-ordered SST's, storing search words instead of hashes
     * @param options    the key block budget and whether blocks may be compressed
     */
    KeyBlockBuilder(boolean keyOrdered, SstOptions options) {
        this.keyOrdered = keyOrdered;
        this.compress = options.compress();
        this.budgetBytes = options.keyBlockBytes();
        this.budgetEntries = options.keyBlockEntries();
        this.runBudgetBytes = options.keyBlockRunBytes();
        this.entries = new byte[budgetBytes * 2];
        this.entriesSegment = MemorySegment.ofArray(entries);
        this.hashes = new long[budgetEntries + 1];
        this.types = new byte[hashes.length];
        this.positions = new int[hashes.length];
        this.keyLengths = new int[hashes.length];
    }

    boolean isEmpty() {
        return count == 0;
    }

    int count() {
        return count;
    }

    long firstHash() {
        return hashes[0];
    }

    long lastHash() {
        return hashes[count - 1];
    }

    /** Entry {@code i}'s hash. */
    long hash(int i) {
        return hashes[i];
    }

    /** The segment holding the entries' keys, each at {@link #keyPosition}; valid until the next add. */
    MemorySegment keySegment() {
        return entriesSegment;
    }

    /** Where entry {@code i}'s key starts in {@link #keySegment()}. */
    int keyPosition(int i) {
        return positions[i];
    }

    /** Entry {@code i}'s key length. */
    int keyLength(int i) {
        return keyLengths[i];
    }

    /** The most bytes {@link #encode()} produces for the entries held: the larger of the two layouts. */
    long encodedLengthBound() {
        return KeyBlock.FIXED_MIXED_HEADER_LENGTH + (long) count * KeyBlock.STRIDE + entriesLength;
    }

    /**
     * The flush rule: flush the block before an entry that would take it past its budget,
     * {@link SstOptions#keyBlockBytes()} bytes or {@link SstOptions#keyBlockEntries()} entries; while the entry
     * continues the run of the last one (its hash; a key-ordered SST's runs are a key's values), only past
     * {@link SstOptions#keyBlockRunBytes()}, so that a run stays in one block unless it is long, and a long run
     * continues in the next block. An empty block may be found due for a flush (an entry larger than the budget),
     * which then writes nothing: no test for it here, since a branch only a file's first entry takes would
     * deoptimize the writer's compiled add path at the next file's (see {@code SstWriter.checkOrder}).
     */
    boolean shouldFlushBefore(boolean continuesRun, int keyLength, int inlineLength) {
        long accounted = accountedBytes + keyLength + inlineLength + SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD;
        return continuesRun ? accounted > runBudgetBytes : accounted > budgetBytes || count >= budgetEntries;
    }

    void addInline(long hash, MemorySegment key, long keyOffset, long keyLength, MemorySegment value,
                   long valueOffset, int valueLength) {
        long at = begin(hash, EntryType.inline(valueLength), key, keyOffset, keyLength, valueLength);
        MemorySegment.copy(value, valueOffset, entriesSegment, at, valueLength);
    }

    /** Adds an entry whose value is at {@code offset} of the small value block being filled. */
    void addSmall(long hash, MemorySegment key, long keyOffset, long keyLength, int size, int offset) {
        long at = begin(hash, EntryType.SMALL, key, keyOffset, keyLength, EntryType.SMALL_REF_LENGTH);
        if (unresolvedCount == unresolvedSmall.length) {
            unresolvedSmall = Arrays.copyOf(unresolvedSmall, unresolvedCount * 2);
        }
        unresolvedSmall[unresolvedCount++] = (int) at;
        entriesSegment.set(Bytes.BE_SHORT, at + EntryType.SMALL_SIZE, (short) size);
        entriesSegment.set(Bytes.BE_INT, at + EntryType.SMALL_OFFSET, offset);
    }

    void addMedium(long hash, MemorySegment key, long keyOffset, long keyLength, int block) {
        long at = begin(hash, EntryType.MEDIUM, key, keyOffset, keyLength, EntryType.MEDIUM_REF_LENGTH);
        entriesSegment.set(Bytes.BE_SHORT, at, (short) block);
    }

    void addBlob(long hash, MemorySegment key, long keyOffset, long keyLength, int blobSeq) {
        long at = begin(hash, EntryType.BLOB, key, keyOffset, keyLength, EntryType.BLOB_REF_LENGTH);
        entriesSegment.set(Bytes.BE_INT, at, blobSeq);
    }

    void addTombstone(long hash, MemorySegment key, long keyOffset, long keyLength) {
        begin(hash, EntryType.DELETED, key, keyOffset, keyLength, 0);
    }

    /** Whether some entry still waits for the small value block being filled. */
    boolean hasUnresolvedSmall() {
        return unresolvedCount > 0;
    }

    /** The small value block being filled was written as block {@code block}. */
    void resolveSmall(int block) {
        for (int i = 0; i < unresolvedCount; i++) {
            entriesSegment.set(Bytes.BE_SHORT, unresolvedSmall[i] + EntryType.SMALL_BLOCK, (short) block);
        }
        unresolvedCount = 0;
    }

    /** Whether the encoded block is worth compressing (compression is on and its keys are long enough). */
    boolean compressible() {
        return compress && maxKeyLength >= SstLimits.MIN_KEY_SIZE_FOR_COMPRESSION;
    }

    /**
     * The encoded block, {@code [position, limit)} of the builder's one view (no allocation unless the block
     * memory grows); valid until the next call. All small references must be resolved.
     */
    ByteBuffer encode() {
        boolean mixed = fixedType == KeyBlock.FIXED_MIXED_VALUE_TYPE;
        int length = fixed ? encodeFixed(mixed, fixedKeyLength + (mixed ? 1 : 0) + fixedRefLength)
                : encodeVariable();
        blockView.limit(length);
        blockView.position(0);
        return blockView;
    }

    /** Encodes a variable-size block into {@link #block}; returns its length. */
    private int encodeVariable() {
        long[] search = searchValues();
        int length = KeyBlock.HEADER_LENGTH + count * KeyBlock.STRIDE + entriesLength;
        MemorySegment out = blockOfLength(length);
        out.set(ValueLayout.JAVA_BYTE, KeyBlock.TYPE_OFFSET, (byte) KeyBlock.TYPE_VARIABLE);
        Bytes.putU24(out, KeyBlock.COUNT_OFFSET, count);
        long element = KeyBlock.HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            out.set(Bytes.BE_LONG, element, search[i]);
            out.set(ValueLayout.JAVA_BYTE, element + KeyBlock.ELEMENT_TYPE_OFFSET, types[i]);
            Bytes.putU24(out, element + KeyBlock.ELEMENT_POSITION_OFFSET, positions[i]);
            element += KeyBlock.STRIDE;
        }
        System.arraycopy(entries, 0, blockBytes, (int) element, entriesLength);
        return length;
    }

    /**
     * Encodes a fixed-size block into {@link #block}; returns its length. Each entry's key and value reference lie
     * back to back in {@link #entries}, in entry order, which is the layout of the block's tail when the block is
     * not mixed: the tail is then one copy of them. A mixed block puts each entry's type between its key and its
     * reference, so its tail is built entry by entry ({@link #encodeMixedTail}). The copies are of heap arrays
     * ({@link System#arraycopy}): a {@code MemorySegment.copy} per entry cost a bulk operation's checks per call
     * and made this loop one of a compaction's largest C2 compilations.
     */
    private int encodeFixed(boolean mixed, int tailStride) {
        int headerLength = mixed ? KeyBlock.FIXED_MIXED_HEADER_LENGTH : KeyBlock.FIXED_HEADER_LENGTH;
        long[] search = searchValues();
        int length = headerLength + count * (KeyBlock.FIXED_SEARCH_STRIDE + tailStride);
        MemorySegment out = blockOfLength(length);
        out.set(ValueLayout.JAVA_BYTE, KeyBlock.TYPE_OFFSET, (byte) KeyBlock.TYPE_FIXED);
        Bytes.putU24(out, KeyBlock.COUNT_OFFSET, count);
        out.set(ValueLayout.JAVA_BYTE, KeyBlock.FIXED_KEY_SIZE_OFFSET, (byte) fixedKeyLength);
        out.set(ValueLayout.JAVA_BYTE, KeyBlock.FIXED_VALUE_TYPE_OFFSET, (byte) fixedType);
        if (mixed) {
            out.set(ValueLayout.JAVA_BYTE, KeyBlock.FIXED_VALUE_SIZE_OFFSET, (byte) fixedRefLength);
        }
        long searchAt = headerLength;
        for (int i = 0; i < count; i++) {
            out.set(Bytes.BE_LONG, searchAt, search[i]);
            searchAt += KeyBlock.FIXED_SEARCH_STRIDE;
        }
        int tail = headerLength + count * KeyBlock.FIXED_SEARCH_STRIDE;
        if (mixed) {
            encodeMixedTail(tail);
        } else {
            System.arraycopy(entries, 0, blockBytes, tail, entriesLength);
        }
        return length;
    }

    /** Writes a mixed fixed-size block's tail from {@code tail}: per entry its key, its type, its reference. */
    private void encodeMixedTail(int tail) {
        for (int i = 0; i < count; i++) {
            int position = positions[i];
            System.arraycopy(entries, position, blockBytes, tail, fixedKeyLength);
            tail += fixedKeyLength;
            blockBytes[tail++] = types[i];
            System.arraycopy(entries, position + fixedKeyLength, blockBytes, tail, fixedRefLength);
            tail += fixedRefLength;
        }
    }

    /** What the block stores per entry to search by: the hashes, or a key-ordered block's search words. */
    private long[] searchValues() {
        if (!keyOrdered) {
            return hashes;
        }
        if (words.length < count) {
            words = new long[hashes.length];
        }
        int last = count - 1;
        long mismatch = MemorySegment.mismatch(entriesSegment, positions[0], positions[0] + keyLengths[0],
                entriesSegment, positions[last], positions[last] + keyLengths[last]);
        long shared = mismatch < 0 ? keyLengths[0] : mismatch;
        for (int i = 0; i < count; i++) {
            words[i] = KeyBlock.searchWord(entriesSegment, positions[i], keyLengths[i], shared);
        }
        return words;
    }

    /**
     * The block memory, at least {@code length} bytes (its contents undefined); grown by doubling, with a new
     * view, when it is smaller.
     */
    private MemorySegment blockOfLength(int length) {
        if (block.byteSize() < length) {
            byte[] grown = new byte[(int) Math.max(length, block.byteSize() * 2)];
            blockBytes = grown;
            block = MemorySegment.ofArray(grown);
            blockView = ByteBuffer.wrap(grown).order(ByteOrder.nativeOrder());
        }
        return block;
    }

    /** Empties the builder for the next block. */
    void clear() {
        count = 0;
        entriesLength = 0;
        accountedBytes = 0;
        maxKeyLength = 0;
        unresolvedCount = 0;
    }

    /** Appends the entry's offset-table element and key; returns where its value reference goes. */
    private long begin(long hash, int type, MemorySegment key, long keyOffset, long keyLengthBytes,
                       int refLength) {
        int keyLength = (int) keyLengthBytes;
        if (count == hashes.length) {
            hashes = Arrays.copyOf(hashes, count * 2);
            types = Arrays.copyOf(types, count * 2);
            positions = Arrays.copyOf(positions, count * 2);
            keyLengths = Arrays.copyOf(keyLengths, count * 2);
        }
        int needed = entriesLength + keyLength + refLength;
        if (needed > entries.length) {
            entries = Arrays.copyOf(entries, Math.max(needed, entries.length * 2));
            entriesSegment = MemorySegment.ofArray(entries);
        }
        if (count == 0) {
            fixed = keyLength <= KeyBlock.MAX_FIXED_KEY_SIZE && refLength <= KeyBlock.MAX_FIXED_VALUE_SIZE;
            fixedKeyLength = keyLength;
            fixedRefLength = refLength;
            fixedType = type;
        } else if (fixed && (keyLength != fixedKeyLength || refLength != fixedRefLength)) {
            fixed = false;
        } else if (fixed && type != fixedType) {
            fixedType = KeyBlock.FIXED_MIXED_VALUE_TYPE;
        }
        hashes[count] = hash;
        types[count] = (byte) type;
        positions[count] = entriesLength;
        keyLengths[count] = keyLength;
        count++;
        MemorySegment.copy(key, keyOffset, entriesSegment, entriesLength, keyLength);
        entriesLength += keyLength;
        long refAt = entriesLength;
        entriesLength += refLength;
        accountedBytes += keyLength + (type >= EntryType.INLINE_MIN ? refLength : 0)
                + SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD;
        maxKeyLength = Math.max(maxKeyLength, keyLength);
        return refAt;
    }
}
