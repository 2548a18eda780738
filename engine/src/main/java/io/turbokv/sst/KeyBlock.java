package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.KeyHash;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Decodes a variable-size key block (DESIGN.md §2.3) in place; {@link KeyBlockBuilder} writes it. All integers
 * big-endian.
 *
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
 *
 * <p>{@code stride} is 12 (type 1) or 4 (type 2). Entries of both types are in {@code (unsigned hash, unsigned key
 * bytes)} order, values of one key before its tombstone. A type 2 block is written only when every key has at most
 * 32 bytes <em>and</em> every entry's hash is the XXH64 of its key ({@link KeyHash}), so the reader recomputes a
 * hash where it needs one. (Unlike the Rust crate, type 2 keeps the hash order rather than key order: lookup and
 * iteration share one order, at the cost of hashing a short key per binary search probe.)
 *
 * <p>An instance is a reusable, allocation-free cursor over one block at a time; every count, position and entry
 * type is checked before use, so damage surfaces as {@link CorruptionException}.
 */
final class KeyBlock {
    static final int TYPE_WITH_HASH = 1;
    static final int TYPE_WITHOUT_HASH = 2;
    static final int TYPE_OFFSET = 0;
    static final int COUNT_OFFSET = 1;
    static final int HEADER_LENGTH = 4;
    static final int STRIDE_WITH_HASH = 12;
    static final int STRIDE_WITHOUT_HASH = 4;
    /** Within an offset table element, after the optional hash. */
    static final int ELEMENT_TYPE_OFFSET = 0;
    static final int ELEMENT_POSITION_OFFSET = 1;
    static final int MAX_ENTRY_COUNT = 0xFF_FFFF;
    static final int MAX_ENTRIES_LENGTH = 0xFF_FFFF;

    private MemorySegment segment;
    private long base;
    private int type;
    private int count;
    private int stride;
    private long entriesStart;
    private long entriesLength;
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
        if (type != TYPE_WITH_HASH && type != TYPE_WITHOUT_HASH) {
            throw damage("key block type: expected=%d|%d found=%d", TYPE_WITH_HASH, TYPE_WITHOUT_HASH, type);
        }
        count = Bytes.u24(segment, base + COUNT_OFFSET);
        stride = type == TYPE_WITH_HASH ? STRIDE_WITH_HASH : STRIDE_WITHOUT_HASH;
        long offsetsLength = (long) count * stride;
        if (count == 0 || HEADER_LENGTH + offsetsLength > length) {
            throw damage("key block entry count: expected=1..%d found=%d", (length - HEADER_LENGTH) / stride,
                    count);
        }
        entriesStart = base + HEADER_LENGTH + offsetsLength;
        entriesLength = length - HEADER_LENGTH - offsetsLength;
    }

    int count() {
        return count;
    }

    boolean hasHashes() {
        return type == TYPE_WITH_HASH;
    }

    /** Chooses entry {@code i} ({@code 0 <= i < count}) for the accessors below, validating its bounds. */
    void select(int i) throws CorruptionException {
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

    /** The hash of the selected entry {@code i} (stored, or the key's XXH64 in a type 2 block). */
    long hash(int i) {
        return type == TYPE_WITH_HASH ? segment.get(Bytes.BE_LONG, elementStart(i) - 8)
                : KeyHash.hash(segment, keyStart, keyLength);
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
