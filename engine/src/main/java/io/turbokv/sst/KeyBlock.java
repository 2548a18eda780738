package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.KeyHash;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Decodes a key block in place; {@link KeyBlockBuilder} writes it. All integers big-endian.
 *
 * <p>Variable-size key block, type 1:
 * <pre>
 * offset            size     field
 * 0                 1        u8 type = 1
 * 1                 3        u24 entry_count (at least 1)
 * 4 + i*12          8        u64 hash of entry i
 * 12 + i*12         1        u8 entry type of entry i ({@link EntryType})
 * 13 + i*12         3        u24 position of entry i, relative to the entries region
 * 4 + count*12      ...      entries region: entry i = key bytes, then the value reference of its type;
 *                            it ends where entry i+1 starts, the last one at the end of the block
 * </pre>
 *
 * <p>Fixed-size key block, type 3, when every entry has the same key length ({@code <= 255}) and the same value
 * reference length ({@code <= 255}):
 * <pre>
 * offset   size               field
 * 0        1                  u8 type = 3
 * 1        3                  u24 entry_count (at least 1)
 * 4        1                  u8 key_size
 * 5        1                  u8 value_type: the entry type shared by all entries, or 4 = mixed
 * 6        1                  u8 value_size (only when mixed; otherwise the shared type's reference length)
 * h        count*8            search region: entry i's u64 hash
 * ...      count*tail         tail region: entry i's key bytes, [u8 entry type (mixed)], value reference
 * </pre>
 * {@code h} is 6, or 7 when mixed; {@code tail} is {@code key_size + (mixed ? 1 : 0) + value_size}. The block is
 * exactly that long.
 *
 * <p>Entries of both types are in {@code (unsigned hash, unsigned key bytes)} order, values of one key before its
 * tombstone. A run of entries with one hash longer than its run budget ({@link SstOptions#keyBlockRunBytes()},
 * {@link SstLimits#DEFAULT_KEY_BLOCK_RUN_SIZE} by default) goes on in the next key block ({@link IndexBlock} marks that block as continuing it).
 *
 * <p>In a key-ordered SST ({@link KeyIndexBlock}) the entries are in unsigned key order instead (a key's values
 * before its tombstone; a key's run goes on in the next block the same way), and the u64 an entry stores where a
 * hash-ordered block stores its hash is its <em>search word</em>: the 8 key bytes that follow the block's
 * <em>shared prefix</em>, read big-endian and padded with zero bytes when the key ends sooner. The shared prefix is
 * the longest prefix the block's first and last key have in common, so every key of the block has it; it is not
 * stored, the reader takes it from those two keys. Search words never decrease along the block, and a word below
 * another means a key below the other's, so a lookup searches the words as a hash-ordered block's hashes (keys with
 * a long common prefix, as Kafka Streams writes them, still differ within their words) and compares a key only
 * where the words are equal. The entries' hashes are not stored: {@link #selectedKeyHash} computes one when
 * compaction needs it. The u24 count and positions cannot
 * overflow: the writer puts at most its run budget (4 MiB at the largest key block budget) of accounted bytes
 * (key length + inline value length + 20 per entry) in a block, or a single entry, whose key has at most {@link SstLimits#MAX_KEY_LENGTH} bytes.
 *
 * <p>Every entry's hash (or search word) is stored, in one array of 8-byte hashes (type 3) or of 12-byte elements (type 1), so a
 * lookup searches the hashes alone and compares a key only where the hash matches. Key hashes are uniformly
 * distributed, so {@link #lowerBound} interpolates: the first probe lands within a few entries of the hash in a
 * block of hundreds, and binary search takes over when interpolation does not converge (skewed hashes, which
 * callers other than the store may write). Format 1 of the SST had hashless key blocks (types 2 and 4), which the
 * reader searched by hashing every probed key; they are refused as damage since the format version changed
 * (the meta file's version, which covers the SSTs it lists). Format 2 stored hashes in key-ordered blocks too, which
 * a lookup searched by comparing whole keys; format 3 stores the search words.
 *
 * <p>A hash-ordered block of fixed-size entries also gets, at its first use, a bucket table on the heap (in its
 * {@link Layout}; {@link #bucketTable()}): built from the stored hashes after the block's CRC was checked, it tells
 * where the entries of each hash bucket start, and a lookup then searches one bucket ({@link #findInBucket}): a
 * bucket of up to {@link #SCAN_ENTRIES} entries by comparing its keys, reading no stored hash, a longer one by its
 * stored hashes. Nothing of it is on disk. It finds a key by its bytes alone, so an SST must hold each key
 * under one hash, as the store's writers do.
 *
 * <p>An instance is a reusable cursor over one block at a time, allocation-free but for a block's layout and bucket
 * table, made once per block of an open SST; every count, position and entry type is checked before use, so damage
 * surfaces as {@link CorruptionException}.
 */
final class KeyBlock {
    static final int TYPE_VARIABLE = 1;
    static final int TYPE_FIXED = 3;
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
    static final int STRIDE = 12;
    static final int FIXED_SEARCH_STRIDE = 8;
    /** Within an offset table element, after the hash. */
    static final int ELEMENT_TYPE_OFFSET = 8;
    static final int ELEMENT_POSITION_OFFSET = 9;
    /** Interpolation probes before {@link #lowerBound} falls back to halving. */
    private static final int INTERPOLATION_PROBES = 4;
    /** The most buckets a key block's bucket table has ({@link #bucketTable()}): a byte each, and one for the end. */
    static final int MAX_BUCKETS = 255;
    /**
     * The most entries per bucket: a bucket's start is kept as its distance from {@code bucket * entriesPerBucket},
     * in a signed byte, which the last bucket's start must fit as well.
     */
    static final int MAX_ENTRIES_PER_BUCKET = 128;
    /**
     * The most entries of a bucket {@link #findInBucket} compares one by one (loading them all at once); a longer
     * bucket is searched by its stored hashes ({@link #findByHashes}). The buckets of a default 16 KiB key block of
     * single-valued random keys mostly stay below it (13 entries the longest in a sample of 8-byte keys and 4-byte
     * values), but a key's entries all share its bucket, so a key of 17 or more values, or as many keys under one
     * hash, makes a longer bucket in a block of any size. A 256 KiB block of such short entries has some 33 per
     * bucket on average, where the search over the hashes measured 1.3 µs against the scan's 2.0 µs in two
     * single-fork JMH pairs (docs/perf/get-path.md, section 14).
     */
    static final int SCAN_ENTRIES = 16;

    private MemorySegment segment;
    private long base;
    private int type;
    private int count;
    /** Where the hashes start and how far apart they are: 12 (type 1) or 8 (type 3). */
    private long hashStart;
    private int hashStride;
    private long entriesStart;
    private long entriesLength;
    // Fixed-size blocks: the search and tail regions, their strides, the shared entry type (-1 when mixed).
    private boolean fixed;
    private int keySize;
    private int valueSize;
    private int sharedType;
    private long tailStart;
    private int tailStride;
    /** The first and the last entry's hash: the bounds interpolation starts from. */
    private long firstHash;
    private long lastHash;
    /** The length of the prefix the first and last key share (search words start after it, key order). */
    private int sharedPrefix;
    private Path path;
    private long fileOffset;
    private int blockIndex;

    // The entry chosen by select(): absolute offsets in segment.
    private int entryType;
    private long keyStart;
    private long keyLength;
    private long refStart;
    /** The byte {@link #lowerBound} loads ahead of need; kept so that the load is not optimised away. */
    private byte touched;
    /** Whether the block is a key-ordered SST's (its search words are not hashes). */
    private boolean keyOrdered;
    /** The block's bucket table ({@link #findInBucket}), or null. */
    private byte[] bucketStarts;
    /** How many buckets the table has (its length less one), or 0: known without reading the table. */
    private int buckets;

    /**
     * Points this cursor at the key block held in {@code view}.
     *
     * @param fileOffset where the block starts in its file, for error messages
     * @param keyOrdered whether the block is a key-ordered SST's: only then is its shared prefix worked out (search
     *                   words start after it); a hash-ordered block's is left at 0, which no search of it reads
     */
    void reset(BlockView view, Path path, long fileOffset, int blockIndex, boolean keyOrdered)
            throws CorruptionException {
        this.segment = view.segment;
        this.base = view.offset;
        this.path = path;
        this.fileOffset = fileOffset;
        this.blockIndex = blockIndex;
        this.keyOrdered = keyOrdered;
        this.bucketStarts = null;
        this.buckets = 0;
        long length = view.length;
        if (length < HEADER_LENGTH) {
            throw damage("key block too short: expected>=%d found=%d", HEADER_LENGTH, length);
        }
        type = Bytes.u8(segment, base + TYPE_OFFSET);
        count = Bytes.u24(segment, base + COUNT_OFFSET);
        if (type == TYPE_VARIABLE) {
            resetVariable(length);
        } else if (type == TYPE_FIXED) {
            resetFixed(length);
        } else {
            throw damage("key block type: expected=%d|%d found=%d", TYPE_VARIABLE, TYPE_FIXED, type);
        }
        firstHash = hash(0);
        lastHash = hash(count - 1);
        sharedPrefix = keyOrdered ? computeSharedPrefix() : 0;
    }

    /** The length of the prefix the first and the last key have in common. */
    private int computeSharedPrefix() throws CorruptionException {
        select(count - 1);
        long lastStart = keyStart;
        long lastLength = keyLength;
        select(0);
        long mismatch = MemorySegment.mismatch(segment, keyStart, keyStart + keyLength, segment, lastStart,
                lastStart + lastLength);
        return (int) (mismatch < 0 ? keyLength : mismatch);
    }

    /**
     * Points this cursor at a key block whose header an earlier {@link #reset(BlockView, Path, long, int, boolean)} parsed
     * and validated into {@code layout}, held at {@code segment[base, ...)}: reads nothing of the block, so a
     * lookup touches only the lines of the entries it searches.
     */
    void reset(Layout layout, MemorySegment segment, long base, Path path) {
        this.fileOffset = layout.fileOffset;
        this.blockIndex = layout.block;
        this.segment = segment;
        this.base = base;
        this.path = path;
        // the layout's order, not the previous block's: layout() builds a bucket table only for hash order
        this.keyOrdered = layout.keyOrdered;
        type = layout.type;
        count = layout.count;
        fixed = type == TYPE_FIXED;
        hashStart = base + layout.hashStart;
        hashStride = fixed ? FIXED_SEARCH_STRIDE : STRIDE;
        entriesStart = base + layout.entriesStart;
        entriesLength = layout.entriesLength;
        keySize = layout.keySize;
        valueSize = layout.valueSize;
        sharedType = layout.sharedType;
        tailStart = base + layout.tailStart;
        tailStride = layout.tailStride;
        firstHash = layout.firstHash;
        lastHash = layout.lastHash;
        sharedPrefix = layout.sharedPrefix;
        bucketStarts = layout.bucketStarts;
        buckets = layout.buckets;
    }

    /**
     * {@return the header facts of the block this cursor was last pointed at, relative to its start}
     *
     * @param inMapping whether the block is stored as is and was verified, so that a lookup may read it in the
     *                  mapping at its file offset
     */
    Layout layout(boolean inMapping) {
        bucketStarts = bucketTable();
        buckets = bucketStarts == null ? 0 : bucketStarts.length - 1;
        return new Layout(type, count, hashStart - base, entriesStart - base, entriesLength, keySize, valueSize,
                sharedType, tailStart - base, tailStride, firstHash, lastHash, sharedPrefix, keyOrdered, blockIndex,
                fileOffset, inMapping, bucketStarts, buckets);
    }

    /**
     * The bucket table of a hash-ordered fixed-size block whose first and last hash differ, or null: {@code B}
     * buckets split {@code [firstHash, lastHash]} evenly ({@link #bucket}), {@code k = }{@link #entriesPerBucket}
     * entries each on average ({@code k = 1} up to {@value #MAX_BUCKETS} entries, so {@code B} is at most
     * {@value #MAX_BUCKETS}), and {@code table[b]} holds {@code start(b) - b * k} as a signed byte, where
     * {@code start(b)} is the first entry whose bucket is not below {@code b} ({@code start(B) = count}). Entries are
     * in hash order and {@link #bucket} never decreases with the hash, so the entries of bucket {@code b} are
     * {@code [start(b), start(b + 1))}. Uniform hashes (the store's) keep every start within a few dozen entries of
     * {@code b * k}; a block whose start does not fit a byte (skewed hashes), or of more than
     * {@value #MAX_ENTRIES_PER_BUCKET} entries per bucket, gets no table and is searched by its hashes. Read from the
     * stored hashes once, when the block is first used: at most {@value #MAX_BUCKETS} + 1 heap bytes per block.
     */
    private byte[] bucketTable() {
        if (!fixed || keyOrdered || count < 2 || firstHash == lastHash) {
            return null;
        }
        int perBucket = entriesPerBucket(count);
        if (perBucket > MAX_ENTRIES_PER_BUCKET) {
            return null;
        }
        int buckets = bucketCount(count);
        byte[] table = new byte[buckets + 1];
        int next = 0; // the first bucket whose start is not set yet
        for (int i = 0; i <= count; i++) {
            int bucket = i == count ? buckets : bucket(hash(i), firstHash, lastHash, buckets);
            for (; next <= bucket; next++) {
                int distance = i - next * perBucket;
                if (distance < Byte.MIN_VALUE || distance > Byte.MAX_VALUE) {
                    return null;
                }
                table[next] = (byte) distance;
            }
        }
        return table;
    }

    /** {@return how many entries of a block of {@code count} share a bucket on average} */
    static int entriesPerBucket(int count) {
        return (count + MAX_BUCKETS - 1) / MAX_BUCKETS;
    }

    /** {@return how many buckets the table of a block of {@code count} entries has} */
    private static int bucketCount(int count) {
        int perBucket = entriesPerBucket(count);
        return (count + perBucket - 1) / perBucket;
    }

    /**
     * The bucket of {@code hash} in a table of {@code buckets} buckets over {@code [firstHash, lastHash]}, which
     * holds it ({@code firstHash < lastHash}); never decreases as {@code hash} grows.
     */
    static int bucket(long hash, long firstHash, long lastHash, int buckets) {
        double fraction = unsignedToDouble(hash - firstHash) / unsignedToDouble(lastHash - firstHash);
        return Math.min((int) (fraction * buckets), buckets - 1);
    }

    /**
     * {@return the first entry of {@code bucket} (0 to the bucket count, which gives the block's entry count) in a
     * block of {@code count} entries with bucket table {@code table}}
     */
    static int bucketStart(byte[] table, int count, int bucket) {
        return bucket * entriesPerBucket(count) + table[bucket];
    }

    /**
     * Loads the first and the last byte of entries {@code [low, high)} of a fixed-size block's tail region at
     * {@code tailStart} (stride {@code tailStride}) in {@code segment} (key, and the value's end, for an entry
     * longer than a line), without waiting for them: loads that do not depend on one another, so their misses are
     * in flight together.
     *
     * @return a byte of the lines, for the caller to keep so that the loads are not dropped
     */
    static byte touchEntries(MemorySegment segment, long tailStart, int tailStride, int low, int high) {
        byte loaded = 0;
        for (int i = low; i < high; i++) {
            long entry = tailStart + (long) i * tailStride;
            loaded ^= segment.get(ValueLayout.JAVA_BYTE, entry);
            loaded ^= segment.get(ValueLayout.JAVA_BYTE, entry + tailStride - 1);
        }
        return loaded;
    }

    /** {@return whether this block has a bucket table, so that lookups use {@link #findInBucket}} */
    boolean isBucketed() {
        return bucketStarts != null;
    }

    /**
     * In a block with a bucket table ({@link #isBucketed()}), the first entry of {@code key}, whose hash is
     * {@code hash}, or {@link #count()} when the block does not hold it. Only the entries of the hash's bucket can
     * hold it (about twice the entries per bucket for a key the block has, {@link #entriesPerBucket}: some 64
     * bytes of a 16 KiB block), and equal keys have equal hashes. In a bucket of up to {@link #SCAN_ENTRIES}
     * entries it compares their keys alone and reads no stored hash, so a lookup touches the heap and one page of
     * the block, not the hashes' page as well; it loads each candidate's lines ({@link #touchEntries}) before
     * comparing any of them, so that their misses are in flight together. A longer bucket is searched by its
     * stored hashes ({@link #findByHashes}).
     */
    int findInBucket(long hash, MemorySegment key) throws CorruptionException {
        if (Long.compareUnsigned(hash, firstHash) < 0 || Long.compareUnsigned(hash, lastHash) > 0) {
            return count;
        }
        // the bucket count comes with the layout, not from the table's length: the table's byte for the bucket is
        // then read without waiting for the table's first line, which is another line for most buckets
        int bucket = bucket(hash, firstHash, lastHash, buckets);
        // Uniform hashes put the bucket's entries within a few of bucket * k: load that entry's line now, so the
        // block's page miss (the one a get cannot avoid) overlaps the heap read of the bucket's start.
        byte ahead = segment.get(ValueLayout.JAVA_BYTE,
                tailStart + (long) Math.min(bucket * entriesPerBucket(count), count - 1) * tailStride);
        int low = bucketStart(bucketStarts, count, bucket);
        int high = bucketStart(bucketStarts, count, bucket + 1);
        // the table is built from the block's verified hashes and is right by construction (bucketTable); tests
        // and fuzz runs, which enable assertions, check that a lookup never leaves the block
        assert 0 <= low && low <= high && high <= count
                : "bucket " + bucket + ": [" + low + ", " + high + ") of " + count;
        if (high - low > SCAN_ENTRIES) {
            touched = ahead;
            return findByHashes(hash, key, low, high);
        }
        touched = (byte) (ahead ^ touchEntries(segment, tailStart, tailStride, low, high));
        for (int i = low; i < high; i++) {
            select(i);
            if (compareKey(key) == 0) {
                return i;
            }
        }
        return count;
    }

    /**
     * {@link #findInBucket} in a bucket of more than {@value #SCAN_ENTRIES} entries ({@code [low, high)}), as the
     * largest key blocks of short entries have (some 33 entries per bucket in a 256 KiB block of 8-byte keys and
     * 4-byte values), and a block of any size holding a key of many values: halving over the bucket's stored
     * hashes, which lie together in a few lines, then a key compare only where the hash is equal. A key's entries all have its hash, so they are all in its bucket.
     */
    private int findByHashes(long hash, MemorySegment key, int low, int high) throws CorruptionException {
        for (int i = lowerBoundIn(hash, low, high); i < high && hash(i) == hash; i++) {
            select(i);
            if (compareKey(key) == 0) {
                return i;
            }
        }
        return count;
    }

    /**
     * In a block with a bucket table, the entry where {@link #findInBucket}'s search of a bucket of more than
     * {@value #SCAN_ENTRIES} entries arrives: the first of {@code hash}'s bucket whose stored hash is not below it.
     * {@link #count()} when the hash is outside the block's range, its bucket is short (which
     * {@link #touchEntries} loads whole), or every hash of the bucket is below it.
     */
    int longBucketLowerBound(long hash) {
        if (Long.compareUnsigned(hash, firstHash) < 0 || Long.compareUnsigned(hash, lastHash) > 0) {
            return count;
        }
        int bucket = bucket(hash, firstHash, lastHash, buckets);
        int low = bucketStart(bucketStarts, count, bucket);
        int high = bucketStart(bucketStarts, count, bucket + 1);
        if (high - low <= SCAN_ENTRIES) {
            return count;
        }
        int i = lowerBoundIn(hash, low, high);
        return i < high ? i : count;
    }

    /** {@return the first entry of {@code [low, high)} whose stored hash is not below {@code hash}, or {@code high}} */
    private int lowerBoundIn(long hash, int low, int high) {
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(hash(mid), hash) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * What a key block's header says, validated, with offsets relative to the block's data, and where the block
     * is: kept on the heap per open SST ({@link SstReader}), so that a lookup need not read the header again, nor
     * any other per-block fact when the block is stored as is ({@code inMapping}). Immutable, so it may be
     * published to other threads without synchronization: {@code bucketStarts}, the block's bucket table
     * ({@link #bucketTable()}) or null, is filled before the layout is made and never written after; {@code buckets}
     * is its bucket count (0 without one), kept here so that a lookup reads the table's one byte it needs and not
     * its length.
     */
    record Layout(int type, int count, long hashStart, long entriesStart, long entriesLength, int keySize,
                  int valueSize, int sharedType, long tailStart, int tailStride, long firstHash, long lastHash,
                  int sharedPrefix, boolean keyOrdered, int block, long fileOffset, boolean inMapping,
                  byte[] bucketStarts, int buckets) {}

    private void resetVariable(long length) throws CorruptionException {
        fixed = false;
        long offsetsLength = (long) count * STRIDE;
        if (count == 0 || HEADER_LENGTH + offsetsLength > length) {
            throw damage("key block entry count: expected=1..%d found=%d", (length - HEADER_LENGTH) / STRIDE,
                    count);
        }
        hashStart = base + HEADER_LENGTH;
        hashStride = STRIDE;
        entriesStart = base + HEADER_LENGTH + offsetsLength;
        entriesLength = length - HEADER_LENGTH - offsetsLength;
        keySize = 0; // the fixed layout's fields, unused here
        valueSize = 0;
        sharedType = -1;
        tailStart = base;
        tailStride = 0;
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
                throw damage("fixed key block value type: expected=0..3|%d..%d found=%d", EntryType.INLINE_MIN,
                        EntryType.INLINE_MAX, valueType);
            }
        }
        tailStride = keySize + (mixed ? 1 : 0) + valueSize;
        long expected = headerLength + (long) count * (FIXED_SEARCH_STRIDE + tailStride);
        if (count == 0 || expected != length) {
            throw damage("fixed key block of %d entries (key %d, value %d bytes): expected length %d found=%d",
                    count, keySize, valueSize, expected, length);
        }
        hashStart = base + headerLength;
        hashStride = FIXED_SEARCH_STRIDE;
        tailStart = hashStart + (long) count * FIXED_SEARCH_STRIDE;
        entriesStart = base; // the variable layout's fields, unused here
        entriesLength = 0;
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
            throw damage("entry %d type: expected=0..3|%d..%d found=%d", i, EntryType.INLINE_MIN, EntryType.INLINE_MAX,
                    entryType);
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
        long key = tailStart + (long) i * tailStride;
        long afterKey = key + keySize;
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

    /** The stored hash of entry {@code i} ({@code 0 <= i < count}); needs no {@link #select}. */
    long hash(int i) {
        return segment.get(Bytes.BE_LONG, hashStart + (long) i * hashStride);
    }

    /**
     * The first entry whose hash is not below {@code hash} (unsigned), or {@link #count()} when there is none:
     * interpolation over the stored hashes, halving once {@value #INTERPOLATION_PROBES} probes did not settle it.
     * Reads hashes only.
     */
    int lowerBound(long hash) {
        int low = 0;
        int high = count - 1;
        long lowHash = firstHash;
        if (Long.compareUnsigned(lowHash, hash) >= 0) {
            return 0;
        }
        long highHash = lastHash;
        if (Long.compareUnsigned(highHash, hash) < 0) {
            return count;
        }
        // hash(low) < hash <= hash(high): the answer is in (low, high]
        for (int probes = 0; high - low > 1; probes++) {
            int mid;
            if (probes < INTERPOLATION_PROBES) {
                double fraction = unsignedToDouble(hash - lowHash) / unsignedToDouble(highHash - lowHash);
                mid = Math.clamp(low + (long) (fraction * (high - low)), low + 1, high - 1);
                if (probes == 0 && fixed) {
                    // The first guess lands within a few entries of the answer, whose key and value the caller
                    // reads next: load that line now, so its miss overlaps the hash's instead of following it.
                    touched = segment.get(ValueLayout.JAVA_BYTE, tailStart + (long) mid * tailStride);
                }
            } else {
                mid = (low + high) >>> 1;
            }
            long midHash = hash(mid);
            if (Long.compareUnsigned(midHash, hash) < 0) {
                low = mid;
                lowHash = midHash;
            } else {
                high = mid;
                highHash = midHash;
            }
        }
        return high;
    }

    /**
     * In a key-ordered block, the first entry of {@code key}, or {@link #count()} when the block does not hold it
     * (so that a lookup goes on into the next block when the index says the key may continue there). Unlike
     * {@link #lowerBoundByKey}, this does not read the block's first key to check that {@code key} has the shared
     * prefix (every key of the block has it), which would cost a point lookup one more cache line: a key without it
     * gets a meaningless search word, and whatever entry the search ends at differs from it.
     */
    int findKey(MemorySegment key) throws CorruptionException {
        int i = lowerBoundByWord(key, searchWord(key, 0, key.byteSize(), sharedPrefix));
        if (i < count) {
            select(i);
            if (compareKey(key) != 0) {
                return count;
            }
        }
        return i;
    }

    /**
     * In a key-ordered block, the first entry whose key is not below {@code key}, or {@link #count()}: the shared
     * prefix decides when {@code key} does not have it, the search words otherwise, and whole keys only among
     * entries of equal words.
     */
    int lowerBoundByKey(MemorySegment key) throws CorruptionException {
        long keyLength = key.byteSize();
        if (sharedPrefix > 0) {
            select(0);
            long common = Math.min(keyLength, sharedPrefix);
            long mismatch = MemorySegment.mismatch(key, 0, common, segment, keyStart, keyStart + common);
            if (mismatch >= 0) { // the block's keys differ from key where they all agree
                int keyByte = Byte.toUnsignedInt(key.get(ValueLayout.JAVA_BYTE, mismatch));
                int blockByte = Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, keyStart + mismatch));
                return keyByte < blockByte ? 0 : count;
            }
            if (keyLength < sharedPrefix) {
                return 0; // a proper prefix of every key of the block
            }
        }
        return lowerBoundByWord(key, searchWord(key, 0, keyLength, sharedPrefix));
    }

    /**
     * The first entry not below {@code key}, whose search word is {@code word}, assuming {@code key} has the block's
     * shared prefix: the words decide, whole keys only among the entries of equal words.
     */
    private int lowerBoundByWord(MemorySegment key, long word) throws CorruptionException {
        int low = lowerBound(word);
        if (low == count || hash(low) != word) {
            return low;
        }
        select(low);
        if (compareKey(key) >= 0) {
            return low;
        }
        int high = count;
        low++;
        while (low < high) {
            int mid = (low + high) >>> 1;
            int cmp = Long.compareUnsigned(hash(mid), word);
            if (cmp == 0) {
                select(mid);
                cmp = compareKey(key);
            }
            if (cmp < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * The search word of {@code key[offset, offset + length)} after a shared prefix of {@code shared} bytes: the
     * 8 bytes that follow it, big-endian, padded with zero bytes past the key's end. Of two keys that share the
     * prefix, the one with the lower word (unsigned) is the lower key.
     */
    static long searchWord(MemorySegment key, long offset, long length, long shared) {
        long rest = length - shared;
        if (rest >= Long.BYTES) {
            return key.get(Bytes.BE_LONG, offset + shared);
        }
        long word = 0;
        for (long i = 0; i < Long.BYTES; i++) {
            word = word << 8 | (i < rest ? Byte.toUnsignedLong(key.get(ValueLayout.JAVA_BYTE, offset + shared + i))
                    : 0);
        }
        return word;
    }

    /** The hash of the selected entry's key, computed (a key-ordered block stores search words instead). */
    long selectedKeyHash() {
        return KeyHash.hash(segment, keyStart, keyLength);
    }

    /** The search word of the selected entry's key in this block (what a key-ordered block stores for it). */
    long selectedKeyWord() {
        return searchWord(segment, keyStart, keyLength, sharedPrefix);
    }

    /** {@code value} as an unsigned number, to the nearest double. */
    static double unsignedToDouble(long value) {
        double approximate = (double) (value >>> 1) * 2.0;
        return approximate + (value & 1);
    }

    /** Compares the key of the selected entry with {@code key}. */
    int compareKey(MemorySegment key) {
        return compareKeys(segment, keyStart, keyLength, key, 0, key.byteSize());
    }

    /**
     * {@link Bytes#compareUnsigned}, deciding first on the leading 8 bytes of both keys read as big-endian numbers
     * when both have that many: one load and compare settles most comparisons of a key-ordered search or merge,
     * where a {@link MemorySegment#mismatch} call costs several times that.
     */
    static int compareKeys(MemorySegment a, long aOffset, long aLength, MemorySegment b, long bOffset,
                           long bLength) {
        if (aLength >= Long.BYTES && bLength >= Long.BYTES) {
            long x = a.get(Bytes.BE_LONG, aOffset);
            long y = b.get(Bytes.BE_LONG, bOffset);
            if (x != y) {
                return Long.compareUnsigned(x, y);
            }
        }
        return Bytes.compareUnsigned(a, aOffset, aLength, b, bOffset, bLength);
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
        return hashStart + (long) i * STRIDE;
    }

    CorruptionException damage(String format, Object... args) {
        return new CorruptionException("key block " + blockIndex + ": " + String.format(Locale.ROOT, format, args),
                path, fileOffset);
    }
}
