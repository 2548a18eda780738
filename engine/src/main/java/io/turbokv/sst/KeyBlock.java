package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.KeyHash;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Decodes a key block in place; {@link KeyBlockBuilder} writes it. All integers big-endian.
 *
 * <p>Variable-size key block, type 1 (with hashes) or 2 (without):
 * <pre>
 * offset            size     field
 * 0                 1        u8 type: 1 = with hashes, 2 = without hashes
 * 1                 3        u24 entry_count (at least 1)
 * 4 + i*stride      8        u64 hash of entry i (type 1 only)
 * ...               1        u8 entry type of entry i ({@link EntryType})
 * ...               3        u24 position of entry i, relative to the entries region
 * 4 + count*stride  ...      entries region: entry i = key bytes, then the value reference of its type;
 *                            it ends where entry i+1 starts, the last one at the end of the block
 * </pre>
 * {@code stride} is 12 (type 1) or 4 (type 2).
 *
 * <p>Fixed-size key block, type 3 (with hashes) or 4 (without), when every entry has the same key length
 * ({@code <= 255}) and the same value reference length ({@code <= 255}):
 * <pre>
 * offset   size               field
 * 0        1                  u8 type: 3 = with hashes, 4 = without hashes
 * 1        3                  u24 entry_count (at least 1)
 * 4        1                  u8 key_size
 * 5        1                  u8 value_type: the entry type shared by all entries, or 4 = mixed
 * 6        1                  u8 value_size (only when mixed; otherwise the shared type's reference length)
 * h        count*search       search region: entry i's u64 hash (type 3) or its key_size key bytes (type 4)
 * ...      count*tail         tail region: entry i's [key bytes (type 3)] [u8 entry type (mixed)] value reference
 * </pre>
 * {@code h} is 6, or 7 when mixed; {@code search} is 8 (type 3) or key_size (type 4); {@code tail} is
 * {@code (type 3 ? key_size : 0) + (mixed ? 1 : 0) + value_size}. The block is exactly that long, and
 * {@code search + tail > 0}.
 *
 * <p>Entries of every type are in {@code (unsigned hash, unsigned key bytes)} order, values of one key before its
 * tombstone. A run of entries with one hash longer than {@link SstLimits#MAX_KEY_BLOCK_RUN_SIZE} goes on in the
 * next key block ({@link IndexBlock} marks that block as continuing it). The u24 count and positions cannot
 * overflow: the writer puts at most {@link SstLimits#MAX_KEY_BLOCK_RUN_SIZE} accounted bytes (key length + 20 per
 * entry) in a block, or a single entry, whose key has at most {@link SstLimits#MAX_KEY_LENGTH} bytes. A block without hashes (2 or 4) is written only when every key has at most 32 bytes <em>and</em>
 * every entry's hash is the XXH64 of its key ({@link KeyHash}), so the reader recomputes a hash where it needs one.
 * (Unlike the Rust crate, blocks without hashes keep the hash order rather than key order: lookup and iteration
 * share one order, at the cost of hashing a short key per binary search probe.)
 *
 * <p>An instance is a reusable, allocation-free cursor over one block at a time; every count, position and entry
 * type is checked before use, so damage surfaces as {@link CorruptionException}.
 */
final class KeyBlock {
    static final int TYPE_WITH_HASH = 1;
    static final int TYPE_WITHOUT_HASH = 2;
    static final int TYPE_FIXED_WITH_HASH = 3;
    static final int TYPE_FIXED_WITHOUT_HASH = 4;
    static final int FIXED_KEY_SIZE_OFFSET = 4;
    static final int FIXED_VALUE_TYPE_OFFSET = 5;
    static final int FIXED_VALUE_SIZE_OFFSET = 6;
    static final int FIXED_HEADER_LENGTH = 6;
    static final int FIXED_MIXED_HEADER_LENGTH = 7;
    /** The value_type of a fixed-size block whose entries have different types. */
    static final int FIXED_MIXED_VALUE_TYPE = 4;
    static final int MAX_FIXED_KEY_SIZE = 255;
    static final int MAX_FIXED_VALUE_SIZE = 255;
    static final int TYPE_OFFSET = 0;
    static final int COUNT_OFFSET = 1;
    static final int HEADER_LENGTH = 4;
    static final int STRIDE_WITH_HASH = 12;
    static final int STRIDE_WITHOUT_HASH = 4;
    /** Within an offset table element, after the optional hash. */
    static final int ELEMENT_TYPE_OFFSET = 0;
    static final int ELEMENT_POSITION_OFFSET = 1;

    private MemorySegment segment;
    private long base;
    private int type;
    private int count;
    private int stride;
    private long entriesStart;
    private long entriesLength;
    // Fixed-size blocks: the search and tail regions, their strides, the shared entry type (-1 when mixed).
    private boolean fixed;
    private int keySize;
    private int valueSize;
    private int sharedType;
    private long searchStart;
    private long tailStart;
    private int tailStride;
    private Path path;
    private long fileOffset;
    private int blockIndex;

    // The entry chosen by select(): absolute offsets in segment.
    private int entryType;
    private long keyStart;
    private long keyLength;
    private long refStart;

    /**
     * Points this cursor at the key block held in {@code view}.
     *
     * @param fileOffset where the block starts in its file, for error messages
     */
    void reset(BlockView view, Path path, long fileOffset, int blockIndex) throws CorruptionException {
        this.segment = view.segment;
        this.base = view.offset;
        this.path = path;
        this.fileOffset = fileOffset;
        this.blockIndex = blockIndex;
        long length = view.length;
        if (length < HEADER_LENGTH) {
            throw damage("key block too short: expected>=%d found=%d", HEADER_LENGTH, length);
        }
        type = Bytes.u8(segment, base + TYPE_OFFSET);
        count = Bytes.u24(segment, base + COUNT_OFFSET);
        if (type == TYPE_WITH_HASH || type == TYPE_WITHOUT_HASH) {
            resetVariable(length);
        } else if (type == TYPE_FIXED_WITH_HASH || type == TYPE_FIXED_WITHOUT_HASH) {
            resetFixed(length);
        } else {
            throw damage("key block type: expected=1..4 found=%d", type);
        }
    }

    private void resetVariable(long length) throws CorruptionException {
        fixed = false;
        stride = type == TYPE_WITH_HASH ? STRIDE_WITH_HASH : STRIDE_WITHOUT_HASH;
        long offsetsLength = (long) count * stride;
        if (count == 0 || HEADER_LENGTH + offsetsLength > length) {
            throw damage("key block entry count: expected=1..%d found=%d", (length - HEADER_LENGTH) / stride,
                    count);
        }
        entriesStart = base + HEADER_LENGTH + offsetsLength;
        entriesLength = length - HEADER_LENGTH - offsetsLength;
    }

    private void resetFixed(long length) throws CorruptionException {
        fixed = true;
        if (length < FIXED_MIXED_HEADER_LENGTH) {
            throw damage("fixed key block too short: expected>=%d found=%d", FIXED_MIXED_HEADER_LENGTH, length);
        }
        keySize = Bytes.u8(segment, base + FIXED_KEY_SIZE_OFFSET);
        int valueType = Bytes.u8(segment, base + FIXED_VALUE_TYPE_OFFSET);
        boolean mixed = valueType == FIXED_MIXED_VALUE_TYPE;
        int headerLength;
        if (mixed) {
            sharedType = -1;
            valueSize = Bytes.u8(segment, base + FIXED_VALUE_SIZE_OFFSET);
            headerLength = FIXED_MIXED_HEADER_LENGTH;
        } else {
            sharedType = valueType;
            valueSize = EntryType.refLength(valueType);
            headerLength = FIXED_HEADER_LENGTH;
            if (valueSize < 0) {
                throw damage("fixed key block value type: expected=0..4|8..16 found=%d", valueType);
            }
        }
        boolean withHash = type == TYPE_FIXED_WITH_HASH;
        int searchStride = withHash ? 8 : keySize;
        tailStride = (withHash ? keySize : 0) + (mixed ? 1 : 0) + valueSize;
        long expected = headerLength + (long) count * (searchStride + tailStride);
        if (count == 0 || searchStride + tailStride == 0 || expected != length) {
            throw damage("fixed key block of %d entries (key %d, value %d bytes): expected length %d found=%d",
                    count, keySize, valueSize, expected, length);
        }
        searchStart = base + headerLength;
        tailStart = searchStart + (long) count * searchStride;
    }

    int count() {
        return count;
    }

    /** Chooses entry {@code i} ({@code 0 <= i < count}) for the accessors below, validating its bounds. */
    void select(int i) throws CorruptionException {
        if (fixed) {
            selectFixed(i);
            return;
        }
        long element = elementStart(i);
        int entryType = Bytes.u8(segment, element + ELEMENT_TYPE_OFFSET);
        int refLength = EntryType.refLength(entryType);
        if (refLength < 0) {
            throw damage("entry %d type: expected=0..3|8..16 found=%d", i, entryType);
        }
        long start = Bytes.u24(segment, element + ELEMENT_POSITION_OFFSET);
        long end = i + 1 < count ? Bytes.u24(segment, elementStart(i + 1) + ELEMENT_POSITION_OFFSET)
                : entriesLength;
        if (end > entriesLength || start + refLength > end) {
            throw damage("entry %d span: expected=[start, start + >=%d) within %d bytes, found=[%d, %d)", i,
                    refLength, entriesLength, start, end);
        }
        this.entryType = entryType;
        this.keyStart = entriesStart + start;
        this.keyLength = end - start - refLength;
        this.refStart = entriesStart + end - refLength;
    }

    private void selectFixed(int i) throws CorruptionException {
        long tail = tailStart + (long) i * tailStride;
        long key = type == TYPE_FIXED_WITH_HASH ? tail : searchStart + (long) i * keySize;
        long afterKey = type == TYPE_FIXED_WITH_HASH ? tail + keySize : tail;
        int entryType = sharedType;
        if (entryType < 0) {
            entryType = Bytes.u8(segment, afterKey);
            afterKey++;
            if (EntryType.refLength(entryType) != valueSize) {
                throw damage("entry %d type %d in a mixed fixed block: expected a %d-byte value reference", i,
                        entryType, valueSize);
            }
        }
        this.entryType = entryType;
        this.keyStart = key;
        this.keyLength = keySize;
        this.refStart = afterKey;
    }

    /** The hash of the selected entry {@code i} (stored, or the key's XXH64 in a block without hashes). */
    long hash(int i) {
        if (type == TYPE_WITH_HASH) {
            return segment.get(Bytes.BE_LONG, elementStart(i) - 8);
        } else if (type == TYPE_FIXED_WITH_HASH) {
            return segment.get(Bytes.BE_LONG, searchStart + (long) i * 8);
        }
        return KeyHash.hash(segment, keyStart, keyLength);
    }

    /** Compares the selected entry {@code i} with {@code (hash, key)}. */
    int compareTo(int i, long hash, MemorySegment key) {
        int cmp = Long.compareUnsigned(hash(i), hash);
        return cmp != 0 ? cmp : Bytes.compareUnsigned(segment, keyStart, keyLength, key, 0, key.byteSize());
    }

    MemorySegment segment() {
        return segment;
    }

    int entryType() {
        return entryType;
    }

    long keyStart() {
        return keyStart;
    }

    long keyLength() {
        return keyLength;
    }

    /** Where the selected entry's value reference (or inline value) starts in {@link #segment()}. */
    long refStart() {
        return refStart;
    }

    Path path() {
        return path;
    }

    long fileOffset() {
        return fileOffset;
    }

    int blockIndex() {
        return blockIndex;
    }

    private long elementStart(int i) {
        long element = base + HEADER_LENGTH + (long) i * stride;
        return type == TYPE_WITH_HASH ? element + 8 : element;
    }

    CorruptionException damage(String format, Object... args) {
        return new CorruptionException("key block " + blockIndex + ": " + String.format(Locale.ROOT, format, args),
                path, fileOffset);
    }
}
