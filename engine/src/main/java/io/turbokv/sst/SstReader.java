package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.cache.BlockCache;
import io.turbokv.cache.CacheHandle;
import io.turbokv.ffm.Advice;
import io.turbokv.ffm.MappedFile;
import io.turbokv.io.Bytes;
import io.turbokv.io.Lz4;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One open SST file, mapped read-only: point lookups and an ordered iterator.
 *
 * <p>{@link #open} checks the file's size and block count against its meta entry and reads the index block. Every
 * other block is verified when first used: its two offset table entries (read then, not at open), its CRC before
 * anything is decoded (once per open file for blocks stored as is, tracked in a bitmap; every time for compressed
 * blocks), then every count, position, entry type and block reference before it is followed. Damage surfaces as
 * {@link CorruptionException} naming the file and offset; a damaged file never yields a wrong value.
 *
 * <p>{@link #lookup} reads the key block the index names for the hash and, when the hash's run of entries is longer
 * than a key block, the blocks that continue it ({@link IndexBlock}). It allocates nothing on the heap: compressed
 * blocks are decoded from their CRC-checked copy into the caller's {@link LookupScratch}, and values reach the
 * {@link EntryVisitor} as ranges of memory the reader or the scratch already holds. Every block is read through
 * one method, {@code loadBlock}, which consults the block caches the scratch carries
 * ({@link LookupScratch#useCaches}); iterators carry none, so compaction reads uncached.
 *
 * <p>Thread-safe: any number of threads may look up concurrently, each with its own scratch. {@link #close()}
 * unmaps the file; the caller makes sure no lookup or iterator is still running (version leases).
 */
public final class SstReader implements AutoCloseable {
    /** A block whose header was not read yet. */
    private static final int UNKNOWN = 0;
    /** A block stored as is whose CRC was verified. */
    private static final int STORED_VERIFIED = -1;
    /** The mapping turns {@link Advice#RANDOM} once one key block in this many has been used. */
    private static final int WARM_FRACTION = 8;
    /** The stride at which {@link #touchEntry} loads an entry's lines. */
    private static final int CACHE_LINE = 64;
    private final Path path;
    private final int seq;
    private final MappedFile file;
    private final MemorySegment mapping;
    /**
     * The end offset of each block, read from the file's offset table at the first use of a block it bounds and 0
     * until then (an end is at least a block header past the file's start): an open reads the index block's two
     * entries and the one before them (the index block's first use checks its start against the block before it),
     * not the whole table. A plain array, racy as {@link #blockStates}: an element only ever changes from 0 to the one
     * value the immutable file gives.
     */
    private final int[] blockEnds;
    /** Where the offset table starts in the file. */
    private final long tableStart;
    /**
     * What each block's header says, learnt at its first use, so that later uses read nothing but the block's data
     * ({@link #UNKNOWN}, {@link #STORED_VERIFIED}, or a compressed block's decoded length, checked for
     * plausibility; its CRC is still checked at every decode). A plain array: each element only ever changes from
     * {@link #UNKNOWN} to the one value its block's header gives, so a thread that sees a stale element merely reads
     * the header again.
     */
    private final int[] blockStates;
    /** Per key block position, its parsed header once a lookup has used it (null before). Racy like blockStates. */
    private final KeyBlock.Layout[] keyBlockLayouts;
    /**
     * Whether the mapping, opened {@link Advice#NORMAL} for lookups, is to be advised {@link Advice#RANDOM} once
     * {@link #WARM_FRACTION} of its key blocks have been used: until then the kernel reads ahead around each page
     * a first lookup faults in, so a cold file comes into the page cache in a few large reads rather than one page
     * per get, and after that a miss reads one page, not a window of mostly unwanted ones.
     */
    private boolean randomOnceWarm;
    /** Key blocks whose layout a lookup learnt (racy: a lost increment only delays the advice). */
    private int learnt;
    /** The index of a hash-ordered SST, or null. */
    private final IndexBlock index;
    /** The index of a key-ordered SST, or null. */
    private final KeyIndexBlock keyIndex;

    private SstReader(Path path, int seq, MappedFile file, int blockCount, long tableStart)
            throws CorruptionException {
        this.path = path;
        this.seq = seq;
        this.file = file;
        this.mapping = file.segment();
        this.tableStart = tableStart;
        this.blockEnds = new int[blockCount];
        this.blockStates = new int[blockCount];
        int indexBlock = blockEnds.length - 1;
        long start = blockStart(indexBlock);
        if (!BlockFraming.isStored(mapping, start)) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block %d header: expected=0 (stored uncompressed) found=%d", indexBlock,
                    Bytes.u32(mapping, start)), path, start);
        }
        BlockView view = new BlockView();
        loadBlock(indexBlock, null, null, view);
        MemorySegment indexData = mapping.asSlice(view.offset, view.length);
        if (view.length > 0 && Bytes.u8(indexData, 0) == KeyIndexBlock.TYPE) {
            this.index = null;
            this.keyIndex = KeyIndexBlock.read(indexData, view.offset, indexBlock, path);
        } else {
            this.index = IndexBlock.read(indexData, view.offset, indexBlock, path);
            this.keyIndex = null;
        }
        this.keyBlockLayouts = new KeyBlock.Layout[keyBlockCount()];
    }

    /**
     * Maps and validates the SST file at {@code path} for lookups: advised {@link Advice#NORMAL} (the kernel reads
     * ahead around a page fault) until one key block in {@value #WARM_FRACTION} has been used, then
     * {@link Advice#RANDOM} (a fault reads its page alone). Right after an open, when the file may not be in the
     * page cache, the first gets bring in their neighbours' pages with their own.
     *
     * @param seq                the file's sequence number
     * @param expectedBlockCount the block count its meta entry records
     * @param expectedSize       the file size its meta entry records
     * @param path               the SST file
     * @return the open reader, which the caller closes
     * @throws CorruptionException when the size, block count, index block or the three offset-table entries the
     *                             open reads (the index block's two and the one before them) do not check out;
     *                             every other entry is checked at the first use of a block it bounds
     * @throws IOException         when the file cannot be mapped
     */
    public static SstReader open(Path path, int seq, int expectedBlockCount, long expectedSize) throws IOException {
        SstReader reader = open(path, seq, expectedBlockCount, expectedSize, Advice.NORMAL);
        reader.randomOnceWarm = true;
        return reader;
    }

    /**
     * As {@link #open(Path, int, int, long)}, with the mapping advised {@code advice} for good instead of
     * {@link Advice#NORMAL} then {@link Advice#RANDOM} (lookups): compaction reads its inputs front to back once and maps them
     * {@link Advice#SEQUENTIAL}, so the kernel reads ahead and may drop pages behind the iterator. Advice is a hint;
     * where it is unavailable the file opens all the same.
     *
     * @param advice             the {@code madvise} advice for the whole mapping
     * @param path               the SST file
     * @param seq                the file's sequence number
     * @param expectedBlockCount the block count its meta entry records
     * @param expectedSize       the file size its meta entry records
     * @return the open reader, which the caller closes
     * @throws CorruptionException when the size, block count, index block or the three offset-table entries the
     *                             open reads (the index block's two and the one before them) do not check out;
     *                             every other entry is checked at the first use of a block it bounds
     * @throws IOException         when the file cannot be mapped
     */
    public static SstReader open(Path path, int seq, int expectedBlockCount, long expectedSize, Advice advice)
            throws IOException {
        MappedFile file = MappedFile.openReadOnly(path);
        boolean success = false;
        try {
            if (file.byteSize() != expectedSize) {
                throw new CorruptionException(String.format(Locale.ROOT, "SST file size: expected=%d found=%d",
                        expectedSize, file.byteSize()), path, CorruptionException.NO_OFFSET);
            }
            long tableStart = BlockOffsetTable.tableStart(file.segment(), expectedBlockCount, path);
            if (advice != Advice.NORMAL) {
                file.advise(advice); // a new mapping is NORMAL already: the first get saves the system call
            }
            SstReader reader = new SstReader(path, seq, file, expectedBlockCount, tableStart);
            success = true;
            return reader;
        } finally {
            if (!success) {
                file.close();
            }
        }
    }

    /** {@return the SST file} */
    public Path path() {
        return path;
    }

    /** {@return the file's sequence number} */
    public int seq() {
        return seq;
    }

    /** {@return how many blocks the file has, index block included} */
    public int blockCount() {
        return blockEnds.length;
    }

    /** {@return the file's length in bytes} */
    public long fileSize() {
        return mapping.byteSize();
    }

    /** {@return whether the SST is key-ordered (its index is a {@link KeyIndexBlock}) rather than hash-ordered} */
    public boolean keyOrdered() {
        return keyIndex != null;
    }

    /**
     * Finds every entry of {@code (hash, key)} and hands them to {@code visitor} in file order: values and blob
     * references, then the tombstone. Allocates nothing on the heap.
     *
     * @param hash    the key's hash, as it was given to the writer; an SST holds each key under one hash (the
     *                store hashes every key with {@code KeyHash}), which a key block with a bucket table relies
     *                on: it finds the key by its bytes among the entries of the hash's bucket (reading no stored
     *                hash in a bucket of up to {@link KeyBlock#SCAN_ENTRIES} entries), and takes the entries that
     *                follow the first by their key alone
     * @param key     the key bytes (heap or native)
     * @param scratch the calling thread's working memory
     * @param visitor receives the entries; values are valid only during its calls
     * @return {@link LookupResult#ABSENT} when there is no entry, {@link LookupResult#DELETED} when the entries
     *         end with a tombstone, {@link LookupResult#FOUND} otherwise
     * @throws CorruptionException when a block on the way is damaged
     */
    public LookupResult lookup(long hash, MemorySegment key, LookupScratch scratch, EntryVisitor visitor)
            throws CorruptionException {
        if (keyIndex != null) {
            return lookupByKey(key, scratch, visitor);
        }
        LookupResult result = LookupResult.ABSENT;
        KeyBlock keyBlock = scratch.keyBlock;
        // A run of one hash longer than a key block goes on in the next ones (IndexBlock): the entries of the key
        // start in the first block that may hold its hash and end in it or in a block that continues the run.
        for (int position = index.firstPosition(hash);; position++) {
            pointAt(position, scratch);
            int count = keyBlock.count();
            // A block with a bucket table is searched among the entries of the hash's bucket (by key alone in a
            // short bucket, by the stored hashes in a long one), and the key's further entries by key alone (an
            // equal key has an equal hash).
            boolean bucketed = keyBlock.isBucketed();
            int first = bucketed ? keyBlock.findInBucket(hash, key) : firstOfKey(keyBlock, hash, key);
            for (int i = first; i < count; i++) {
                if (!bucketed && keyBlock.hash(i) != hash) {
                    return result;
                }
                keyBlock.select(i);
                if (keyBlock.compareKey(key) != 0) {
                    return result;
                }
                // a bucketed block takes the key's further entries by key alone: an SST holds each key under one
                // hash (SstWriter)
                assert !bucketed || keyBlock.hash(i) == hash : "key under two hashes in block " + position;
                if (visit(keyBlock, scratch, visitor) == LookupResult.DELETED) {
                    return LookupResult.DELETED;
                }
                result = LookupResult.FOUND;
            }
            if (!index.runContinuesAfter(position, hash)) {
                return result;
            }
        }
    }

    /**
     * Starts loading the lines a {@link #lookup} of {@code hash} reads first, without waiting for them: in a key
     * block this reader has used before and reads in its mapping: when the block has a bucket table
     * ({@link KeyBlock#findInBucket}), the entries of the hash's bucket, or the bucket's stored hashes when it has
     * more than {@link KeyBlock#SCAN_ENTRIES} entries (all of them, where the lookup halves over them); otherwise
     * the stored hash and the entry at the search's first guess ({@link KeyBlock#lowerBound}). Has no branch on
     * what it loads, so a caller that touches the lines of several keys in a row has all their misses in flight at
     * once. Reads nothing outside the bucket or the lines the lookup's search starts from, and nothing at all in a
     * block not seen yet, a cached block, or a key-ordered SST.
     *
     * @param hash the key's hash
     * @return a byte of the lines touched (or 0), for the caller to fold into a field so that the loads stay
     */
    public int touchGuess(long hash) {
        KeyBlock.Layout layout = mappedLayout(hash);
        if (layout == null) {
            return 0;
        }
        if (layout.bucketStarts() != null) {
            return touchBucket(layout, hash);
        }
        int high = layout.count() - 1;
        long firstHash = layout.firstHash();
        long lastHash = layout.lastHash();
        if (high < 2 || Long.compareUnsigned(firstHash, hash) >= 0 || Long.compareUnsigned(lastHash, hash) < 0) {
            return 0;
        }
        double fraction = KeyBlock.unsignedToDouble(hash - firstHash) / KeyBlock.unsignedToDouble(lastHash - firstHash);
        int guess = Math.clamp((long) (fraction * high), 1, high - 1);
        long base = layout.fileOffset() + BlockFraming.HEADER_LENGTH;
        boolean fixed = layout.type() == KeyBlock.TYPE_FIXED;
        long hashAt =
                base + layout.hashStart() + (long) guess * (fixed ? KeyBlock.FIXED_SEARCH_STRIDE : KeyBlock.STRIDE);
        int touched = mapping.get(ValueLayout.JAVA_BYTE, hashAt);
        if (fixed) {
            touched ^=
                    mapping.get(ValueLayout.JAVA_BYTE, base + layout.tailStart() + (long) guess * layout.tailStride());
        }
        return touched;
    }

    /**
     * Starts loading every line of the entry a {@link #lookup} of {@code hash} would compare its key with (key,
     * value reference, inline value), after searching the stored hashes for it: best called once
     * {@link #touchGuess} brought those in. Only in key blocks this reader has used before and reads in its
     * mapping, as {@link #touchGuess}. In a block with a bucket table, only for a bucket of more than
     * {@link KeyBlock#SCAN_ENTRIES} entries, whose stored hashes it searches as the lookup does: a shorter bucket's
     * entries are what {@link #touchGuess} loaded, and it loads nothing there.
     *
     * @param hash    the key's hash
     * @param scratch the calling thread's working memory (its key block cursor is moved)
     * @return a byte of the lines touched (or 0), for the caller to fold into a field so that the loads stay
     * @throws CorruptionException when the entry's bounds do not check out
     */
    public int touchEntry(long hash, LookupScratch scratch) throws CorruptionException {
        KeyBlock.Layout layout = mappedLayout(hash);
        if (layout == null || layout.bucketStarts() != null && !inLongBucket(layout, hash)) {
            return 0; // a short bucket's entries are what touchGuess loaded
        }
        KeyBlock keyBlock = scratch.keyBlock;
        keyBlock.reset(layout, mapping, layout.fileOffset() + BlockFraming.HEADER_LENGTH, path);
        // a long bucket is searched by its hashes, whose lines touchGuess loaded, as findInBucket searches it
        int i = layout.bucketStarts() != null ? keyBlock.longBucketLowerBound(hash) : keyBlock.lowerBound(hash);
        if (i == keyBlock.count()) {
            return 0;
        }
        keyBlock.select(i);
        long start = keyBlock.keyStart();
        long last = keyBlock.refStart() + EntryType.refLength(keyBlock.entryType()) - 1;
        if (last < start) {
            return 0; // an empty key and no reference: a tombstone's entry has no bytes
        }
        return touchLines(start, last);
    }

    /**
     * {@link #touchGuess} in a block with a bucket table: the lines of the entries of the hash's bucket, which
     * {@link KeyBlock#findInBucket} compares ({@link KeyBlock#touchEntries}).
     */
    private int touchBucket(KeyBlock.Layout layout, long hash) {
        long firstHash = layout.firstHash();
        long lastHash = layout.lastHash();
        if (Long.compareUnsigned(hash, firstHash) < 0 || Long.compareUnsigned(hash, lastHash) > 0) {
            return 0;
        }
        byte[] table = layout.bucketStarts();
        int count = layout.count();
        int bucket = KeyBlock.bucket(hash, firstHash, lastHash, layout.buckets());
        int low = KeyBlock.bucketStart(table, count, bucket);
        int high = KeyBlock.bucketStart(table, count, bucket + 1);
        // the loads below have no bounds check of their own: a bucket outside the block would read another's lines
        assert 0 <= low && low <= high && high <= count
                : "bucket " + bucket + " spans [" + low + ", " + high + ") of " + count + " entries in " + path;
        long data = layout.fileOffset() + BlockFraming.HEADER_LENGTH;
        if (high - low > KeyBlock.SCAN_ENTRIES) {
            // findInBucket halves over this bucket's stored hashes (findByHashes): load their lines instead
            long hashes = data + layout.hashStart();
            return touchLines(hashes + (long) low * KeyBlock.FIXED_SEARCH_STRIDE,
                    hashes + (long) (high - 1) * KeyBlock.FIXED_SEARCH_STRIDE);
        }
        return KeyBlock.touchEntries(mapping, data + layout.tailStart(), layout.tailStride(), low, high);
    }

    /**
     * Loads the lines of the mapping from {@code first} to {@code last} (both included), without waiting for them.
     *
     * @return a byte of the lines, for the caller to fold into a field so that the loads stay
     */
    private int touchLines(long first, long last) {
        int touched = 0;
        for (long at = first; at < last; at += CACHE_LINE) {
            touched ^= mapping.get(ValueLayout.JAVA_BYTE, at);
        }
        return touched ^ mapping.get(ValueLayout.JAVA_BYTE, last);
    }

    /**
     * Whether {@code hash} lies in the range of the block of {@code layout}, which has a bucket table, and its bucket
     * has more than {@link KeyBlock#SCAN_ENTRIES} entries.
     */
    private static boolean inLongBucket(KeyBlock.Layout layout, long hash) {
        long firstHash = layout.firstHash();
        long lastHash = layout.lastHash();
        if (Long.compareUnsigned(hash, firstHash) < 0 || Long.compareUnsigned(hash, lastHash) > 0) {
            return false;
        }
        byte[] table = layout.bucketStarts();
        int bucket = KeyBlock.bucket(hash, firstHash, lastHash, layout.buckets());
        return KeyBlock.bucketStart(table, layout.count(), bucket + 1) - KeyBlock.bucketStart(table, layout.count(),
                bucket) > KeyBlock.SCAN_ENTRIES;
    }

    /** The layout of the key block that may hold {@code hash}, if this reader read it in its mapping before. */
    private KeyBlock.Layout mappedLayout(long hash) {
        if (index == null) {
            return null;
        }
        KeyBlock.Layout layout = keyBlockLayouts[index.firstPosition(hash)];
        return layout != null && layout.inMapping() ? layout : null;
    }

    /**
     * Hands the selected entry of {@code keyBlock}, one of the looked-up key's, to {@code visitor}: a tombstone
     * ({@link LookupResult#DELETED}: the lookup ends), a blob, or a value loaded through the scratch
     * ({@link LookupResult#FOUND}).
     */
    private LookupResult visit(KeyBlock keyBlock, LookupScratch scratch, EntryVisitor visitor)
            throws CorruptionException {
        int type = keyBlock.entryType();
        if (type == EntryType.DELETED) {
            visitor.onTombstone();
            return LookupResult.DELETED;
        } else if (type == EntryType.BLOB) {
            visitor.onBlob(blobSeq(keyBlock));
        } else {
            BlockView value = scratch.valueView;
            loadValue(keyBlock, scratch.valueBuffer, scratch.checksum, value);
            visitor.onValue(value.segment, value.offset, value.length);
        }
        return LookupResult.FOUND;
    }

    /** Points the scratch's key block cursor at the key block at {@code position} (in index order). */
    private void pointAt(int position, LookupScratch scratch) throws CorruptionException {
        KeyBlock keyBlock = scratch.keyBlock;
        KeyBlock.Layout layout = keyBlockLayouts[position];
        if (layout != null && layout.inMapping()) {
            keyBlock.reset(layout, mapping, layout.fileOffset() + BlockFraming.HEADER_LENGTH, path);
        } else {
            int block = keyBlock(position);
            BlockView view = scratch.keyView;
            loadBlock(block, scratch.keyBuffer, scratch.checksum, view);
            if (layout == null) {
                keyBlock.reset(view, path, blockStart(block), block, keyIndex != null);
                keyBlockLayouts[position] = keyBlock.layout(view.segment == mapping);
                if (randomOnceWarm && ++learnt >= keyBlockLayouts.length / WARM_FRACTION) {
                    adviseRandom();
                }
            } else {
                keyBlock.reset(layout, view.segment, view.offset, path);
            }
        }
    }

    /** Advises the mapping {@link Advice#RANDOM} now that it is warm; a hint, so a failure changes nothing. */
    private void adviseRandom() {
        randomOnceWarm = false;
        try {
            file.advise(Advice.RANDOM);
        } catch (IOException | IllegalStateException e) {
            // the kernel keeps reading ahead (or the file was closed meanwhile): slower misses, same answers
        }
    }

    /**
     * {@link #lookup} in a key-ordered SST: the key index names the first key block that may hold the key, a
     * search over the block's search words finds its first entry there, and its entries go on into the next blocks while their
     * separator equals the key.
     */
    private LookupResult lookupByKey(MemorySegment key, LookupScratch scratch, EntryVisitor visitor)
            throws CorruptionException {
        LookupResult result = LookupResult.ABSENT;
        KeyBlock keyBlock = scratch.keyBlock;
        for (int position = keyIndex.firstPosition(key);; position++) {
            pointAt(position, scratch);
            int count = keyBlock.count();
            for (int i = keyBlock.findKey(key); i < count; i++) {
                keyBlock.select(i);
                if (keyBlock.compareKey(key) != 0) {
                    return result;
                }
                if (visit(keyBlock, scratch, visitor) == LookupResult.DELETED) {
                    return LookupResult.DELETED;
                }
                result = LookupResult.FOUND;
            }
            if (!keyIndex.mayContinueAfter(position, key)) {
                return result;
            }
        }
    }

    /**
     * The first entry of {@code keyBlock} not below {@code (hash, key)}, or its count: the hashes alone decide unless
     * the first entry with the hash has a smaller key, when the entries of that hash are searched by key (they are
     * in key order; a run of one hash is a key's many values or keys whose hashes collide).
     */
    private static int firstOfKey(KeyBlock keyBlock, long hash, MemorySegment key) throws CorruptionException {
        int low = keyBlock.lowerBound(hash);
        int count = keyBlock.count();
        if (low == count || keyBlock.hash(low) != hash) {
            return low;
        }
        keyBlock.select(low);
        if (keyBlock.compareKey(key) >= 0) {
            return low;
        }
        int high = count;
        low++;
        while (low < high) {
            int mid = (low + high) >>> 1;
            int cmp = Long.compareUnsigned(keyBlock.hash(mid), hash);
            if (cmp == 0) {
                keyBlock.select(mid);
                cmp = keyBlock.compareKey(key);
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
     * {@return an iterator over every entry in (hash, key) order, with working memory of its own; close it after use}
     */
    public SstEntryIterator iterator() {
        return new SstEntryIterator(this, false, 0, 0);
    }

    /**
     * As {@link #iterator()}; with {@code rawMediumValues}, a medium value is not decoded but handed out as its
     * on-disk block ({@link SstEntryIterator#isRawMediumValue()}), CRC-verified, for
     * {@link SstWriter#addMediumRaw} (compaction copies medium values without decompressing and recompressing
     * them).
     *
     * @param rawMediumValues whether medium values are handed out as their on-disk blocks
     * @return a new iterator, which the caller closes
     */
    public SstEntryIterator iterator(boolean rawMediumValues) {
        return new SstEntryIterator(this, rawMediumValues, 0, 0);
    }

    /**
     * As {@link #iterator(boolean)}, starting at the first entry whose hash is at least {@code fromHash}
     * (unsigned): the index picks the first key block that may hold it, and the entries before it in that block
     * are passed over without loading their values. A compaction split into hash ranges starts each range here.
     *
     * @param rawMediumValues whether medium values are handed out as their on-disk blocks
     * @param fromHash        the lowest hash (unsigned) the iterator yields
     * @return a new iterator, which the caller closes
     */
    public SstEntryIterator iterator(boolean rawMediumValues, long fromHash) {
        if (keyIndex != null) {
            throw new IllegalStateException("a key-ordered SST has no hash order to start from: " + path);
        }
        return new SstEntryIterator(this, rawMediumValues, fromHash == 0 ? 0 : index.firstPosition(fromHash),
                fromHash);
    }

    /**
     * An iterator over a key-ordered SST for a cursor: from the first entry whose key is not below {@code fromKey}
     * (every entry when null), in key order, each key's entries in file order (values, then the tombstone). The
     * index picks the key block to start in. Its decode buffers are confined to the calling thread and freed only
     * by its {@link SstEntryIterator#close()}, so a view of them stays allocated memory until then (a cursor's views
     * stay safe to touch until the cursor closes).
     *
     * @param fromKey where to start, or null for the first entry
     * @return a new iterator, which the caller closes on the thread that made it
     * @throws IllegalStateException when the SST is hash-ordered
     */
    public SstEntryIterator keyIterator(MemorySegment fromKey) {
        if (keyIndex == null) {
            throw new IllegalStateException("a hash-ordered SST has no key order: " + path);
        }
        return SstEntryIterator.byKey(this, fromKey);
    }

    /**
     * As {@link #keyIterator}, walking down: from the last key not above {@code fromKey} (the SST's last key when
     * null) in descending key order, each key's entries still in file order (values, then the tombstone), so that
     * a merge applies the same rules as upwards.
     *
     * @param fromKey where to start, or null for the last key
     * @return a new iterator, which the caller closes on the thread that made it
     * @throws IllegalStateException when the SST is hash-ordered
     */
    public SstEntryIterator keyIteratorReverse(MemorySegment fromKey) {
        if (keyIndex == null) {
            throw new IllegalStateException("a hash-ordered SST has no key order: " + path);
        }
        return SstEntryIterator.byKeyReverse(this, fromKey);
    }

    /** Whether the key block after position {@code i} may go on with {@code key} (key-ordered SSTs). */
    boolean mayContinueAfter(int i, MemorySegment key) {
        return keyIndex.mayContinueAfter(i, key);
    }

    /** The position of the first key block that may hold {@code key} (key-ordered SSTs). */
    int firstPositionByKey(MemorySegment key) {
        return keyIndex.firstPosition(key);
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        file.close();
    }

    int keyBlockCount() {
        return index != null ? index.keyBlockCount() : keyIndex.keyBlockCount();
    }

    /** The block index of the {@code i}th key block in the file's order (hash or key). */
    int keyBlock(int i) {
        return index != null ? index.keyBlock(i) : keyIndex.keyBlock(i);
    }

    /** {@return where block {@code block} starts: the end of the block before it} */
    long blockStart(int block) throws CorruptionException {
        return block == 0 ? 0 : blockEnd(block - 1);
    }

    /** {@return where block {@code block} ends}, from the offset table at the first call for the block */
    private long blockEnd(int block) throws CorruptionException {
        int end = blockEnds[block];
        if (end != 0) {
            return Integer.toUnsignedLong(end);
        }
        long read = BlockOffsetTable.readEnd(mapping, tableStart, blockEnds.length, block, path);
        blockEnds[block] = (int) read;
        return read;
    }

    /**
     * {@return the length of block {@code block}, which starts at {@code start}}: the check of its two table
     * entries against each other that a whole-table pass makes, so that a damaged entry cannot give a block a span
     * shorter than a header. Made at every use (it reads only cached entries after the first).
     */
    private long blockSpan(int block, long start) throws CorruptionException {
        long span = blockEnd(block) - start;
        if (span < BlockFraming.HEADER_LENGTH) {
            throw outOfOrder(block, start, start + span);
        }
        return span;
    }

    /**
     * Checks, at the first use of block {@code block} (which starts at {@code start}), that its start lies at least
     * a header past the start of the block before it: the one pair of entries {@link #blockSpan} does not compare
     * that a whole-table pass would. Without it, entry {@code block - 1} moved back into block {@code block - 2}
     * gives block {@code block} a span over the blocks before it, which only its CRC would reject, and at the wrong
     * offset. Once the block's state is learnt the check is not made again: the mapping is immutable.
     */
    private void checkStart(int block, long start) throws CorruptionException {
        if (block >= 2 && start - blockEnd(block - 2) < BlockFraming.HEADER_LENGTH) {
            throw outOfOrder(block - 1, blockEnd(block - 2), start);
        }
    }

    /**
     * The error of entry {@code block}, whose {@code end} lies less than a header past {@code start}, where entry
     * {@code block - 1} says the block starts: either of the two may be the damaged one, so both are named.
     */
    private CorruptionException outOfOrder(int block, long start, long end) {
        long entry = tableStart + (long) block * BlockOffsetTable.ENTRY_LENGTH;
        return new CorruptionException(String.format(Locale.ROOT,
                "block %d end offset out of order: expected>=%d found=%d (entry of block %d at %d, of block %d at %d)",
                block, start + BlockFraming.HEADER_LENGTH, end, block, entry, block - 1,
                entry - BlockOffsetTable.ENTRY_LENGTH), path, entry);
    }

    /**
     * Loads block {@code block}: verifies it and points {@code into} at its decoded bytes, either in the mapping
     * (stored as is) or decompressed into {@code buffer}, its CRC computed through {@code checksum}. The one way
     * every block is read.
     */
    void loadBlock(int block, BlockBuffer buffer, BlockChecksum checksum, BlockView into)
            throws CorruptionException {
        long start = blockStart(block);
        long span = blockSpan(block, start);
        int state = blockStates[block];
        if (state == UNKNOWN) {
            checkStart(block, start);
            state = learnState(block, start, span, checksum);
        }
        if (state == STORED_VERIFIED) {
            into.set(mapping, start + BlockFraming.HEADER_LENGTH, span - BlockFraming.HEADER_LENGTH);
        } else {
            int length = state;
            // Only compressed blocks are cached. A hit is verified and decoded already; the block
            // stays valid until this buffer's next load or the reader's exit from the caches (io.turbokv.cache).
            BlockCache cache = buffer.cache;
            CacheHandle handle = buffer.handle;
            if (cache != null && cache.lookup(BlockCache.key(seq, block), length, handle)) {
                into.set(handle.segment(), handle.offset(), handle.length());
                return;
            }
            boolean loading = cache != null && handle.isReserved();
            try {
                BlockFraming.verifyCrc(mapping, start, span, path, block, checksum);
                MemorySegment target = buffer.atLeast(length);
                // from the copy the CRC was computed over, not from the mapping: the bytes decoded are the bytes
                // verified, and no native code reads a mapping, which the store's close may unmap under a cursor
                // whose lease it ended (io.turbokv.Cursor): the JNI codec reads raw addresses
                Lz4.decompress(checksum.copied(), BlockChecksum.DATA_OFFSET, (int) (span - BlockFraming.HEADER_LENGTH),
                        buffer.byteBuffer(), length, path, start + BlockFraming.HEADER_LENGTH);
                if (loading) {
                    cache.fill(handle, target, 0);
                    loading = false;
                }
                into.set(target, 0, length);
            } finally {
                if (loading) {
                    cache.abandon(handle); // damaged block: readers waiting for it try (and fail) themselves
                }
            }
        }
    }

    /**
     * Points {@code into} at the value of the selected inline, small or medium entry of {@code keyBlock},
     * loading its value block into {@code buffer} when it has one.
     */
    void loadValue(KeyBlock keyBlock, BlockBuffer buffer, BlockChecksum checksum, BlockView into)
            throws CorruptionException {
        loadValue(keyBlock, buffer, checksum, into, null);
    }

    /**
     * As {@link #loadValue(KeyBlock, BlockBuffer, BlockChecksum, BlockView)}; when {@code last} is not null, a
     * value block it holds is not loaded again, and every value block loaded into {@code buffer} is remembered
     * there. {@code buffer} must be used for nothing but these loads.
     */
    void loadValue(KeyBlock keyBlock, BlockBuffer buffer, BlockChecksum checksum, BlockView into,
                   LastValueBlock last)
            throws CorruptionException {
        MemorySegment keys = keyBlock.segment();
        long ref = keyBlock.refStart();
        int type = keyBlock.entryType();
        if (type == EntryType.SMALL) {
            int block = Bytes.u16(keys, ref + EntryType.SMALL_BLOCK);
            int size = Bytes.u16(keys, ref + EntryType.SMALL_SIZE);
            long offset = Bytes.u32(keys, ref + EntryType.SMALL_OFFSET);
            checkValueBlock(keyBlock, block);
            if (size <= SstLimits.MAX_INLINE_VALUE_SIZE || size > SstLimits.MAX_SMALL_VALUE_SIZE) {
                throw keyBlock.damage("small value size: expected=%d..%d found=%d",
                        SstLimits.MAX_INLINE_VALUE_SIZE + 1, SstLimits.MAX_SMALL_VALUE_SIZE, size);
            }
            loadValueBlock(block, buffer, checksum, into, last);
            if (offset + size > into.length) {
                throw keyBlock.damage("small value [%d, %d) outside value block %d of %d bytes", offset,
                        offset + size, block, into.length);
            }
            into.set(into.segment, into.offset + offset, size);
        } else if (type == EntryType.MEDIUM) {
            int block = Bytes.u16(keys, ref);
            checkValueBlock(keyBlock, block);
            loadValueBlock(block, buffer, checksum, into, last);
            if (into.length <= SstLimits.MAX_SMALL_VALUE_SIZE || into.length > SstLimits.MAX_MEDIUM_VALUE_SIZE) {
                throw keyBlock.damage("medium value block %d length: expected=%d..%d found=%d", block,
                        SstLimits.MAX_SMALL_VALUE_SIZE + 1, SstLimits.MAX_MEDIUM_VALUE_SIZE, into.length);
            }
        } else {
            into.set(keys, ref, type - EntryType.INLINE_MIN);
        }
    }

    private void loadValueBlock(int block, BlockBuffer buffer, BlockChecksum checksum, BlockView into,
                                LastValueBlock last)
            throws CorruptionException {
        if (last == null) {
            loadBlock(block, buffer, checksum, into);
        } else if (last.block == block) {
            into.set(last.view.segment, last.view.offset, last.view.length);
        } else {
            last.block = -1; // the buffer is about to change: a failed load leaves nothing stale behind
            loadBlock(block, buffer, checksum, into);
            last.remember(block, into);
        }
    }

    /**
     * Points {@code into} at the on-disk span (header and data) of the medium value block of the selected entry
     * of {@code keyBlock}, in the mapping, after the checks {@link #loadValue} makes short of decoding: the block
     * index, the CRC of length word and data, and a decoded length of a medium value. The CRC goes through
     * {@code checksum}, so this allocates nothing.
     */
    void loadRawMediumBlock(KeyBlock keyBlock, BlockChecksum checksum, BlockView into) throws CorruptionException {
        int block = Bytes.u16(keyBlock.segment(), keyBlock.refStart());
        checkValueBlock(keyBlock, block);
        long start = blockStart(block);
        long span = blockSpan(block, start);
        int state = blockStates[block];
        if (state == UNKNOWN) {
            checkStart(block, start);
            state = learnState(block, start, span, checksum);
        }
        if (state != STORED_VERIFIED) {
            BlockFraming.verifyCrc(mapping, start, span, path, block, checksum);
        }
        long length = state == STORED_VERIFIED ? span - BlockFraming.HEADER_LENGTH : state;
        if (length <= SstLimits.MAX_SMALL_VALUE_SIZE || length > SstLimits.MAX_MEDIUM_VALUE_SIZE) {
            throw keyBlock.damage("medium value block %d length: expected=%d..%d found=%d", block,
                    SstLimits.MAX_SMALL_VALUE_SIZE + 1, SstLimits.MAX_MEDIUM_VALUE_SIZE, length);
        }
        into.set(mapping, start, span);
    }

    /**
     * Reads the header of a block not used before: a stored block's CRC is verified now (once per open file), a
     * compressed block's decoded length checked for plausibility. Records and returns what it found.
     */
    private int learnState(int block, long start, long span, BlockChecksum checksum) throws CorruptionException {
        int state;
        if (BlockFraming.isStored(mapping, start)) {
            if (checksum == null) {
                BlockFraming.verifyCrc(mapping, start, span, path, block);
            } else {
                BlockFraming.verifyCrc(mapping, start, span, path, block, checksum);
            }
            state = STORED_VERIFIED;
        } else {
            state = BlockFraming.compressedBlockLength(mapping, start, span, path, block);
        }
        blockStates[block] = state;
        return state;
    }

    static int blobSeq(KeyBlock keyBlock) {
        return keyBlock.segment().get(Bytes.BE_INT, keyBlock.refStart());
    }

    private void checkValueBlock(KeyBlock keyBlock, int block) throws CorruptionException {
        if (block >= blockEnds.length - 1 || block == keyBlock.blockIndex()) {
            throw keyBlock.damage("value block index: expected<%d and not the key block found=%d",
                    blockEnds.length - 1, block);
        }
    }

}
