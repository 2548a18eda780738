package io.turbokv.sst;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.Bytes;
import io.turbokv.io.Tasks;
import io.turbokv.io.WritableFile;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes one SST file front to back from entries that arrive sorted. Streaming: memory is
 * bounded by a few blocks, never by the file. At most one small value block (8 to 12 KiB) and one key block of
 * entries wait in memory; a medium value is written as its own block at once; key blocks, value blocks and, last,
 * the index block and the offset table follow each other in the file as they complete. The only state that grows
 * with the file is the list of distinct key hashes that {@link #finish()} builds the SST's key filter from (8 bytes
 * per key, off the heap: {@code KeyHashList}; copied to the heap for the filter's build when another thread builds
 * it or the SST is key-ordered), the block offset table (4 bytes per block, off the heap:
 * {@code BlockOffsetTable}) and the index (12 bytes per key block, on the heap). Writing a block allocates nothing
 * on the heap ({@code BlockFraming}: one view per buffer; a medium value's segment gets one view, kept for the
 * next value from the same segment: {@code SourceView}).
 *
 * <p>Input contract, checked with {@link IllegalArgumentException}: entries ascend by (unsigned hash, unsigned key
 * bytes), or, for a key-ordered SST ({@link #SstWriter(WritableFile, WriteBufferPool, boolean, boolean)}), by
 * unsigned key bytes; equal keys form a multi-valued group of values (and blob references) that may end with one tombstone
 * (nothing of that key follows a tombstone); keys have at most {@value SstLimits#MAX_KEY_LENGTH} bytes; values
 * at most {@value SstLimits#MAX_MEDIUM_VALUE_SIZE} bytes (longer ones go to a blob file: {@link #addBlob}). The
 * hash is the caller's (XXH64 of the key in the store); the writer does not recompute it, and a key must come
 * with one hash throughout a file (not checked: lookups in a key block's bucket table find a key by its bytes among
 * the entries of its hash's bucket, {@link SstReader#lookup}). A group, or a run of
 * keys with one hash, may be of any length: a run longer than the run budget ({@link SstOptions#keyBlockRunBytes()})
 * continues in the following key blocks ({@link IndexBlock}).
 *
 * <p>Limits of one file: blocks are addressed by a u16 ({@value SstLimits#MAX_BLOCK_COUNT} at most, index block
 * included) and by u32 end offsets ({@value SstLimits#MAX_FILE_SIZE} bytes at most). {@link #isFull} is the soft
 * test a caller cuts files with where the hash changes; {@link #hasRoomFor} is the hard one: while it holds, the
 * entry and then a tombstone of the same key fit, so a caller that must cut inside a run (compaction) knows when.
 * An entry that does not fit is refused with {@link IllegalStateException} before anything is written. Any single
 * entry fits an empty file.
 *
 * <p>The range forms of the add methods ({@code segment, offset, length}) throw {@link IndexOutOfBoundsException},
 * before any change, when a range is not inside its segment.
 *
 * <p>Not thread-safe, and confined: the thread that adds the first entry must make every later call, {@link #finish}
 * and {@link #abandon()} included (the key hashes and the offset table live in confined arenas that those two
 * free; another thread gets a {@link WrongThreadException}). After an {@link IOException} the writer is broken:
 * every later call but {@link #abandon()} throws {@link IllegalStateException}.
 */
public final class SstWriter {
    /**
     * Bytes an entry adds to the file beyond its key and value, at most: its key block offset element (12) and
     * value reference (8), a new key block's header (7) and framing (8), a new value block's framing (8) and the
     * index entry (11) and offset table entries (4 + 4) of those blocks, rounded up.
     */
    private static final long ENTRY_OVERHEAD_BOUND = 64;
    /** Key filters of {@link #finish()}: heap arrays, which need no owner to free them. */
    private static final SegmentAllocator HEAP =
            (byteSize, byteAlignment) -> MemorySegment.ofArray(new byte[Math.toIntExact(byteSize)]);

    private final WritableFile out;
    private final BlockFraming framing;
    /** Where the key filter's construction borrows its scratch (memory already faulted in, for a store's pool). */
    private final WriteBufferPool buffers;
    private final SourceView sourceView = new SourceView();
    private final BlockOffsetTable blocks = new BlockOffsetTable();
    private final IndexBlock index = new IndexBlock();
    /** The index of a key-ordered SST; null for a hash-ordered one. */
    private final KeyIndexBlock keyIndex;
    private final KeyBlockBuilder keyBlock;
    private final SmallValueBlockBuilder smallValues;
    private final boolean compress;
    private final int filterFingerprintBits;

    /**
     * A key-ordered SST's last key of the key block written last, copied as the block is written (not per entry):
     * the next block's index separator starts from it, and after the final flush it is the summary's
     * {@code maxKey}. A hash-ordered SST has neither, so it keeps nothing here. The order checks read the pending
     * block's last entry instead ({@link #compareToLastKey}), which is never empty once an entry is added: the
     * only time they read this is before the first entry, when it is the empty key.
     */
    private byte[] lastKey = new byte[64];
    private MemorySegment lastKeySegment = MemorySegment.ofArray(lastKey);
    private long lastKeyLength;
    /** Whether the entry being added has the last entry's key ({@link #prepare} tells {@link #accept}; by key). */
    private boolean sameKeyAsLast;
    private long lastHash;
    private boolean lastWasTombstone;
    /** The last hash of the key block written last: a block starting with it continues a run. */
    private long lastKeyBlockHash;
    private final KeyHashList keyHashes = new KeyHashList();
    /** Whether {@link #finish} builds the key filter (and so {@link #keyHashes} collects the hashes). */
    private final boolean buildsKeyFilter;
    private long firstHash;
    /** The lowest and highest hash (unsigned): a key-ordered SST's hashes come in no order. */
    private long minHash;
    private long maxHash;
    /** A key-ordered SST's first key (its summary's min key). */
    private byte[] firstKey;
    private long keyCount;
    private long entryCount;
    private long dataBytes;
    private boolean closed;
    private boolean broken;

    /**
     * A writer appending to {@code out}, which must be empty; the writer closes it. Its compression buffer is its
     * own, freed by {@link #finish()} or {@link #abandon()}.
     *
     * @param out the new, empty file the SST is written to
     */
    public SstWriter(WritableFile out) {
        this(out, WriteBufferPool.unpooled());
    }

    /**
     * As {@link #SstWriter(WritableFile)}, with the compression buffer borrowed from {@code buffers} and returned
     * by {@link #finish()} or {@link #abandon()} (a store's write path: a small commit then frees no memory).
     *
     * @param out     the new, empty file the SST is written to
     * @param buffers the pool the compression buffer is borrowed from
     */
    public SstWriter(WritableFile out, WriteBufferPool buffers) {
        this(out, buffers, true);
    }

    /**
     * As {@link #SstWriter(WritableFile, WriteBufferPool)}; with {@code buildsKeyFilter} false, the writer neither
     * collects the key hashes nor builds the key filter: {@link #finish} returns a summary whose key filter is
     * null, and the caller builds it from the same distinct hashes, which it has already (a spill has them sorted
     * before the first entry, and builds the filter on another thread while this writer writes the file).
     *
     * @param out             the new, empty file the SST is written to
     * @param buffers         the pool the compression buffer is borrowed from
     * @param buildsKeyFilter whether {@link #finish} builds the key filter
     */
    public SstWriter(WritableFile out, WriteBufferPool buffers, boolean buildsKeyFilter) {
        this(out, buffers, buildsKeyFilter, false);
    }

    /**
     * As {@link #SstWriter(WritableFile, WriteBufferPool, boolean)}; with {@code keyOrdered}, the writer writes a
     * key-ordered SST (a family declared {@code KeyOrder.KEY}): entries arrive in ascending unsigned key order
     * (values of one key before its tombstone), whatever their hashes, and the index is a {@link KeyIndexBlock}.
     * The hashes still go into the key blocks and the key filter; the summary's hash range is the lowest and
     * highest hash.
     *
     * @param out             the new, empty file the SST is written to
     * @param buffers         the pool the compression buffer is borrowed from
     * @param buildsKeyFilter whether {@link #finish} builds the key filter
     * @param keyOrdered      whether entries arrive, and are indexed, in key order rather than hash order
     */
    public SstWriter(WritableFile out, WriteBufferPool buffers, boolean buildsKeyFilter, boolean keyOrdered) {
        this(out, buffers, buildsKeyFilter, keyOrdered, SstOptions.DEFAULT);
    }

    /**
     * As {@link #SstWriter(WritableFile, WriteBufferPool, boolean, boolean)}, with the block budgets, compression
     * and key filter width of {@code options} (a store's configuration) instead of the defaults.
     *
     * @param out             the new, empty file the SST is written to
     * @param buffers         the pool the compression buffer is borrowed from
     * @param buildsKeyFilter whether {@link #finish} builds the key filter
     * @param keyOrdered      whether entries arrive, and are indexed, in key order rather than hash order
     * @param options         the block budgets, compression and key filter width
     */
    public SstWriter(WritableFile out, WriteBufferPool buffers, boolean buildsKeyFilter, boolean keyOrdered,
                     SstOptions options) {
        this.out = out;
        this.framing = new BlockFraming(buffers);
        this.buffers = buffers;
        this.buildsKeyFilter = buildsKeyFilter;
        this.keyIndex = keyOrdered ? new KeyIndexBlock() : null;
        this.keyBlock = new KeyBlockBuilder(keyOrdered, options);
        this.smallValues = new SmallValueBlockBuilder(options.valueBlockBytes());
        this.compress = options.compress();
        this.filterFingerprintBits = options.filterFingerprintBits();
    }

    /** {@return whether this writer writes a key-ordered SST} */
    public boolean keyOrdered() {
        return keyIndex != null;
    }

    /**
     * Adds a value; its length picks inline ({@code <= 128} bytes, in the key block), small ({@code <= 4096}, in a
     * shared value block) or medium ({@code <= 64 MiB}, a block of its own).
     *
     * @param hash  the key's hash; entries arrive in ascending hash order
     * @param key   the key's bytes
     * @param value the value's bytes, copied before this returns
     * @throws IllegalArgumentException when the entry is out of order, the key or the value too long
     * @throws IllegalStateException    when the file has no room for more blocks (see {@link #isFull}), or the
     *                                  writer is finished or broken
     * @throws IOException              when writing a completed block fails; the writer is then broken
     */
    public void addValue(long hash, MemorySegment key, MemorySegment value) throws IOException {
        addValue(hash, key, 0, key.byteSize(), value, 0, value.byteSize());
    }

    /**
     * As {@link #addValue(long, MemorySegment, MemorySegment)}, with the key at
     * {@code keySegment[keyOffset, keyOffset + keyLength)} and the value at
     * {@code valueSegment[valueOffset, valueOffset + valueLength)}: no slice per entry (compaction's path). Both
     * ranges are copied before this returns.
     *
     * @param hash         the key's hash; entries arrive in ascending hash order
     * @param keySegment   the memory holding the key
     * @param keyOffset    where the key starts in {@code keySegment}
     * @param keyLength    the key's length in bytes
     * @param valueSegment the memory holding the value
     * @param valueOffset  where the value starts in {@code valueSegment}
     * @param valueLength  the value's length in bytes
     * @throws IllegalArgumentException when the entry is out of order, the key or the value too long
     * @throws IllegalStateException    as {@link #addValue(long, MemorySegment, MemorySegment)}
     * @throws IOException              when writing a completed block fails; the writer is then broken
     */
    public void addValue(long hash, MemorySegment keySegment, long keyOffset, long keyLength,
                         MemorySegment valueSegment, long valueOffset, long valueLength)
            throws IOException {
        Objects.checkFromIndexSize(valueOffset, valueLength, valueSegment.byteSize());
        if (valueLength > SstLimits.MAX_MEDIUM_VALUE_SIZE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "value of %d bytes exceeds MAX_MEDIUM_VALUE_SIZE=%d bytes: write it to a blob file and add"
                            + " the blob",
                    valueLength, SstLimits.MAX_MEDIUM_VALUE_SIZE));
        }
        prepare(hash, keySegment, keyOffset, keyLength, valueLength, false);
        try {
            if (valueLength <= SstLimits.MAX_INLINE_VALUE_SIZE) {
                keyBlock.addInline(hash, keySegment, keyOffset, keyLength, valueSegment, valueOffset,
                        (int) valueLength);
            } else if (valueLength <= SstLimits.MAX_SMALL_VALUE_SIZE) {
                int offset = smallValues.add(valueSegment, valueOffset, (int) valueLength);
                keyBlock.addSmall(hash, keySegment, keyOffset, keyLength, (int) valueLength, offset);
                if (smallValues.isFull()) {
                    emitSmallValueBlock();
                }
            } else {
                keyBlock.addMedium(hash, keySegment, keyOffset, keyLength,
                        writeBlock(sourceView.of(valueSegment, valueOffset, valueLength), compress));
            }
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
        accept(hash, keySegment, keyOffset, keyLength, valueLength, false);
    }

    /**
     * Adds a medium value given as an SST value block exactly as it is on disk, {@code block[blockOffset,
     * blockOffset + blockLength)}: the {@link BlockFraming} header (decoded length or 0, CRC) and the data, stored
     * or LZ4. The block is appended unchanged, without decompressing and recompressing it; its CRC covers the
     * length word and the data, neither of which depends on where the block sits, so it stays valid, and the key
     * entry refers to the block's new index. The CRC is not checked here: the block comes from an
     * {@link SstEntryIterator} that verified it ({@link SstEntryIterator#isRawMediumValue()}).
     *
     * @param hash        the key's hash; entries arrive in ascending hash order
     * @param keySegment  the memory holding the key
     * @param keyOffset   where the key starts in {@code keySegment}
     * @param keyLength   the key's length in bytes
     * @param block       the memory holding the framed value block
     * @param blockOffset where the block's header starts in {@code block}
     * @param blockLength the framed block's length in bytes, header included
     * @throws IllegalArgumentException when the entry is out of order, the key too long, or the header does not
     *                                  describe a medium value ({@value SstLimits#MAX_SMALL_VALUE_SIZE} exclusive to
     *                                  {@value SstLimits#MAX_MEDIUM_VALUE_SIZE} bytes decoded)
     * @throws IllegalStateException    as {@link #addValue(long, MemorySegment, MemorySegment)}
     * @throws IOException              when writing the block fails; the writer is then broken
     */
    public void addMediumRaw(long hash, MemorySegment keySegment, long keyOffset, long keyLength,
                             MemorySegment block, long blockOffset, long blockLength)
            throws IOException {
        Objects.checkFromIndexSize(blockOffset, blockLength, block.byteSize());
        long stored = blockLength - BlockFraming.HEADER_LENGTH;
        long header = stored < 0 ? -1 : Bytes.u32(block, blockOffset + BlockFraming.UNCOMPRESSED_LENGTH_OFFSET);
        long valueLength = header == 0 ? stored : header;
        if (stored < 0 || (header != 0 && header <= stored) || valueLength <= SstLimits.MAX_SMALL_VALUE_SIZE
                || valueLength > SstLimits.MAX_MEDIUM_VALUE_SIZE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "not a medium value block: %d bytes with header length word %d (expected: a decoded length"
                            + " of %d..%d bytes)",
                    blockLength, header, SstLimits.MAX_SMALL_VALUE_SIZE + 1,
                    SstLimits.MAX_MEDIUM_VALUE_SIZE));
        }
        prepare(hash, keySegment, keyOffset, keyLength, blockLength, false);
        try {
            out.write(sourceView.of(block, blockOffset, blockLength));
            keyBlock.addMedium(hash, keySegment, keyOffset, keyLength, endBlock());
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
        accept(hash, keySegment, keyOffset, keyLength, valueLength, false);
    }

    /**
     * Adds a key tombstone; in a multi-valued group it comes after the key's values.
     *
     * @param hash the key's hash; entries arrive in ascending hash order
     * @param key  the key's bytes
     * @throws IllegalArgumentException when the entry is out of order or the key too long
     * @throws IllegalStateException    as {@link #addValue}
     * @throws IOException              when writing a completed block fails; the writer is then broken
     */
    public void addTombstone(long hash, MemorySegment key) throws IOException {
        addTombstone(hash, key, 0, key.byteSize());
    }

    /**
     * As {@link #addTombstone(long, MemorySegment)}, with the key at
     * {@code keySegment[keyOffset, keyOffset + keyLength)}.
     *
     * @param hash       the key's hash; entries arrive in ascending hash order
     * @param keySegment the memory holding the key
     * @param keyOffset  where the key starts in {@code keySegment}
     * @param keyLength  the key's length in bytes
     * @throws IllegalArgumentException when the entry is out of order or the key too long
     * @throws IllegalStateException    as {@link #addValue(long, MemorySegment, MemorySegment)}
     * @throws IOException              when writing a completed block fails; the writer is then broken
     */
    public void addTombstone(long hash, MemorySegment keySegment, long keyOffset, long keyLength)
            throws IOException {
        prepare(hash, keySegment, keyOffset, keyLength, 0, true);
        keyBlock.addTombstone(hash, keySegment, keyOffset, keyLength);
        accept(hash, keySegment, keyOffset, keyLength, 0, true);
    }

    /**
     * Adds a reference to the value stored in blob file {@code blobSeq}.
     *
     * @param hash    the key's hash; entries arrive in ascending hash order
     * @param key     the key's bytes
     * @param blobSeq the sequence number of the blob file holding the value
     * @throws IllegalArgumentException when the entry is out of order or the key too long
     * @throws IllegalStateException    as {@link #addValue(long, MemorySegment, MemorySegment)}
     * @throws IOException              when writing a completed block fails; the writer is then broken
     */
    public void addBlob(long hash, MemorySegment key, int blobSeq) throws IOException {
        addBlob(hash, key, 0, key.byteSize(), blobSeq);
    }

    /**
     * As {@link #addBlob(long, MemorySegment, int)}, with the key at
     * {@code keySegment[keyOffset, keyOffset + keyLength)}.
     *
     * @param hash       the key's hash; entries arrive in ascending hash order
     * @param keySegment the memory holding the key
     * @param keyOffset  where the key starts in {@code keySegment}
     * @param keyLength  the key's length in bytes
     * @param blobSeq    the sequence number of the blob file holding the value
     * @throws IllegalArgumentException when the entry is out of order or the key too long
     * @throws IllegalStateException    as {@link #addValue(long, MemorySegment, MemorySegment)}
     * @throws IOException              when writing a completed block fails; the writer is then broken
     */
    public void addBlob(long hash, MemorySegment keySegment, long keyOffset, long keyLength, int blobSeq)
            throws IOException {
        prepare(hash, keySegment, keyOffset, keyLength, 0, false);
        keyBlock.addBlob(hash, keySegment, keyOffset, keyLength, blobSeq);
        accept(hash, keySegment, keyOffset, keyLength, 0, false);
    }

    /**
     * Whether the SST should be cut here: {@code maxEntries} entries written, or
     * {@code maxBytes} bytes of keys and values, or the u16 block index about to run out (the blocks the file
     * would have if finished now, plus a margin of {@value SstLimits#BLOCK_INDEX_CAPACITY_BUFFER}).
     *
     * @param maxEntries the most entries the caller wants in one SST
     * @param maxBytes   the most bytes of keys and values the caller wants in one SST
     * @return whether the caller should finish this file and go on in a new one
     */
    public boolean isFull(long maxEntries, long maxBytes) {
        return entryCount >= maxEntries || dataBytes >= maxBytes
                || blocksAfterFinish() + SstLimits.BLOCK_INDEX_CAPACITY_BUFFER >= SstLimits.MAX_BLOCK_COUNT;
    }

    /**
     * Whether an entry with a key of {@code keyLength} bytes and a value of {@code valueLength} bytes (0 for a
     * blob reference or a tombstone; a medium value given raw counts its block's length), followed by a tombstone
     * of the same key, still fits this file's block index and u32 offsets. When it does not, the caller finishes
     * the file and goes on in another one; the tombstone's room lets a caller that does so in the middle of a key
     * (compaction) still end that key's entries in this file. True for any entry on an empty file.
     *
     * @param keyLength   the next key's length in bytes
     * @param valueLength the next value's length in bytes, or 0 as described above
     * @return whether the entry and a tombstone after it still fit
     */
    public boolean hasRoomFor(long keyLength, long valueLength) {
        return fits(keyLength, valueLength, 1);
    }

    /** {@return how many entries were added so far} */
    public long entryCount() {
        return entryCount;
    }

    /**
     * Writes the pending blocks, the index block and the offset table, syncs and closes the file, and builds the
     * SST's key filter into a heap array: the summary may outlive the writer and go to another thread (a spill's
     * summary waits for its batch's commit), so no off-heap owner is at hand. The filter takes about 9 bits per
     * distinct key (18 with 16-bit fingerprints); everything else the build needs is off-heap and freed before this returns.
     *
     * @return the file's block count, hash range, size, entry and key counts and key filter, for its meta file
     * @throws IllegalStateException when no entry was added, or the writer is finished or broken
     * @throws IOException           when writing, syncing or closing the file fails
     */
    public SstSummary finish() throws IOException {
        return finish(HEAP);
    }

    /**
     * As {@link #finish()}, with the key filter allocated from {@code filterAllocator} (a caller that owns an
     * arena living until its meta file is written, as compaction does, allocates nothing on the heap per key).
     * The off-heap list of distinct key hashes is freed here, or by {@link #abandon()} when this throws before
     * it starts (the writer already finished or broken).
     *
     * @param filterAllocator where the key filter's memory comes from
     * @return the file's block count, hash range, size, entry and key counts and key filter (null when the writer
     *         was made not to build it), for its meta file
     * @throws IllegalStateException when no entry was added, or the writer is finished or broken
     * @throws IOException           when writing, syncing or closing the file fails
     */
    public SstSummary finish(SegmentAllocator filterAllocator) throws IOException {
        return finish(filterAllocator, null);
    }

    /**
     * As {@link #finish(SegmentAllocator)}, with the key filter built by a task on {@code filterBuilder} while this
     * thread writes the index block and the offset table and syncs the file: the filter needs only the key hashes,
     * which are complete once the last key block is written, and a merge's last SST would otherwise add its
     * filter's build (a fifth of a merge's CPU) to the sync's wait. This thread builds it itself when no thread of
     * {@code filterBuilder} has started it by then (so a busy pool never delays the file), and waits for it
     * otherwise. The task reads a heap copy of the hashes (8 bytes per key), since the writer's list is confined.
     *
     * @param filterAllocator where the key filter's memory comes from; it must accept allocations from the threads
     *                        of {@code filterBuilder} (a shared arena)
     * @param filterBuilder   where the filter's task runs; null builds it on this thread after the sync
     * @return as {@link #finish(SegmentAllocator)}
     * @throws IllegalStateException when no entry was added, or the writer is finished or broken
     * @throws IOException           when writing, syncing or closing the file fails
     */
    public SstSummary finish(SegmentAllocator filterAllocator, Executor filterBuilder) throws IOException {
        checkUsable();
        if (entryCount == 0) {
            throw new IllegalStateException("an SST needs at least one entry: " + out.path());
        }
        FutureTask<MemorySegment> filter = null;
        try {
            flushKeyBlock();
            if (buildsKeyFilter && filterBuilder != null) {
                long[] hashes = keyHashes.segment().toArray(ValueLayout.JAVA_LONG);
                filter = new FutureTask<>(() -> keyIndex == null
                        ? KeyFilter.buildFromSorted(MemorySegment.ofArray(hashes), filterFingerprintBits,
                                filterAllocator, buffers)
                        : KeyFilter.build(hashes, hashes.length, filterFingerprintBits, filterAllocator, buffers));
                try {
                    filterBuilder.execute(filter);
                } catch (RejectedExecutionException e) {
                    // the pool is shutting down: the task runs below, on this thread
                }
            }
            writeBlock((keyIndex == null ? index.encode() : keyIndex.encode()).asByteBuffer(), false);
            out.write(blocks.encode());
            out.sync();
            long fileSize = out.position();
            closed = true;
            out.close();
            framing.close();
            sourceView.clear();
            // The hashes ascend strictly (a new one is recorded only when the hash changes), as the filter needs.
            MemorySegment keyFilter = !buildsKeyFilter ? null
                    : filter != null ? built(filter)
                    : keyIndex == null
                            ? KeyFilter.buildFromSorted(keyHashes.segment(), filterFingerprintBits, filterAllocator,
                                    buffers)
                    : buildUnsortedFilter(filterAllocator);
            return keyIndex == null
                    ? new SstSummary(blocks.count(), firstHash, lastHash, fileSize, entryCount, keyCount, keyFilter,
                            null, null)
                    : new SstSummary(blocks.count(), minHash, maxHash, fileSize, entryCount, keyCount, keyFilter,
                            firstKey, Arrays.copyOf(lastKey, (int) lastKeyLength));
        } catch (IOException | RuntimeException e) {
            broken = true;
            if (filter != null && !filter.cancel(false)) {
                awaitQuietly(filter); // started: its allocation must end before the caller frees the allocator
            }
            throw e;
        } finally {
            keyHashes.close(); // a failed finish leaves a broken writer: nothing adds to the list again
            blocks.close();
        }
    }

    /**
     * Runs {@code filter} here unless a thread has started it, and returns its result; waits through interrupts,
     * since the filter's memory belongs to the caller's allocator.
     */
    private static MemorySegment built(FutureTask<MemorySegment> filter) throws IOException {
        filter.run();
        return Tasks.awaitUninterruptibly(filter);
    }

    /** Waits for a started {@code filter} to end, ignoring its outcome (the finish failed anyway). */
    private static void awaitQuietly(FutureTask<MemorySegment> filter) {
        try {
            built(filter);
        } catch (IOException | RuntimeException | Error e) {
            // the finish's own failure is the one reported
        }
    }

    /** A key-ordered SST's filter: its hashes came in key order, so they are sorted (and deduplicated) first. */
    private MemorySegment buildUnsortedFilter(SegmentAllocator filterAllocator) {
        long[] hashes = keyHashes.segment().toArray(ValueLayout.JAVA_LONG);
        return KeyFilter.build(hashes, hashes.length, filterFingerprintBits, filterAllocator, buffers);
    }

    /**
     * Closes the file without finishing it and frees the writer's memory; the caller deletes the file. Idempotent;
     * never throws when called, as the class requires, on the thread that added the entries.
     */
    public void abandon() {
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            // The file is garbage either way; the caller deletes it.
        } finally {
            framing.close();
            sourceView.clear();
            keyHashes.close();
            blocks.close();
        }
    }

    /**
     * Validates an entry whose value adds {@code valueBytes} to the file (0 for a blob reference or a tombstone)
     * and makes room for it in the key block; no side effect when it is refused.
     */
    private void prepare(long hash, MemorySegment keySegment, long keyOffset, long keyLength, long valueBytes,
                         boolean tombstone)
            throws IOException {
        checkUsable();
        Objects.checkFromIndexSize(keyOffset, keyLength, keySegment.byteSize());
        if (keyLength > SstLimits.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "key of %d bytes exceeds MAX_KEY_LENGTH=%d bytes (key block positions are u24)", keyLength,
                    SstLimits.MAX_KEY_LENGTH));
        }
        int order = checkOrder(hash, keySegment, keyOffset, keyLength, tombstone);
        if (!fits(keyLength, valueBytes, 0)) {
            throw new IllegalStateException("SST has no room for this entry (check isFull or hasRoomFor): "
                    + out.path());
        }
        int inlineLength = !tombstone && valueBytes <= SstLimits.MAX_INLINE_VALUE_SIZE ? (int) valueBytes : 0;
        boolean flush;
        if (keyIndex == null) {
            flush = keyBlock.shouldFlushBefore(hash == lastHash, (int) keyLength, inlineLength);
        } else {
            // the first entry compared equal only to the empty key it is checked against, not to a key added
            sameKeyAsLast = entryCount > 0 && order == 0;
            flush = keyBlock.shouldFlushBefore(sameKeyAsLast, (int) keyLength, inlineLength);
        }
        if (flush) {
            try {
                flushKeyBlock();
            } catch (IOException | RuntimeException e) {
                broken = true;
                throw e;
            }
        }
    }

    /**
     * Whether an entry of these sizes, and with {@code tombstones} 1 a tombstone of its key after it, fits the
     * file. Blocks: an entry adds to those the file would have if finished now at most a key block, and a value
     * block when its value is not inline; a tombstone at most a key block. Bytes: the blocks pending, each entry's
     * key and value and {@link #ENTRY_OVERHEAD_BOUND}, and the index block and offset table at their largest.
     *
     * <p>Arithmetic without branches (a count of 0 or 1 for the tombstone, signs for the empty blocks and the
     * value's class): a test taken only by a file's first entry, by one caller (compaction asks with the
     * tombstone, the add methods without) or by one value class was missing from the profile C2 compiled this
     * from, and deoptimized it when taken (see {@link #checkOrder}).
     *
     * @param tombstones 1 to leave room for a tombstone of the key after the entry, else 0
     */
    private boolean fits(long keyLength, long valueLength, long tombstones) {
        long valueBlocks = (SstLimits.MAX_INLINE_VALUE_SIZE - valueLength) >>> 63; // 1 when not inline
        long blocksNeeded = blocksAfterFinish() + 1 + valueBlocks + tombstones;
        long bytesNeeded = out.position()
                + Integer.signum(smallValues.length()) * (long) BlockFraming.HEADER_LENGTH + smallValues.length()
                + Integer.signum(keyBlock.count()) * (BlockFraming.HEADER_LENGTH + keyBlock.encodedLengthBound())
                + keyLength + valueLength + ENTRY_OVERHEAD_BOUND
                + tombstones * (keyLength + ENTRY_OVERHEAD_BOUND)
                + BlockFraming.HEADER_LENGTH + indexLengthBound(keyLength, tombstones)
                + (long) SstLimits.MAX_BLOCK_COUNT * BlockOffsetTable.ENTRY_LENGTH;
        return blocksNeeded <= SstLimits.MAX_BLOCK_COUNT && bytesNeeded <= SstLimits.MAX_FILE_SIZE;
    }

    /**
     * The index block's length at most, should an entry with a key of {@code keyLength} bytes (and a tombstone
     * after it) be added: a key index grows with its separators, each at most as long as its block's first key.
     */
    private long indexLengthBound(long keyLength, long tombstones) {
        if (keyIndex == null) {
            return IndexBlock.encodedLengthBound(SstLimits.MAX_BLOCK_COUNT);
        }
        return keyIndex.encodedLength()
                + (keyBlock.isEmpty() ? 0 : KeyIndexBlock.ENTRY_OVERHEAD + keyBlock.keyLength(0))
                + (KeyIndexBlock.ENTRY_OVERHEAD + keyLength) * (1 + tombstones);
    }

    /**
     * Compares the key with the last one added (unsigned bytes): the pending key block's last entry. The block is
     * empty only before the first entry (a flush runs after this check and an entry always follows it), and then
     * the key is compared with {@link #lastKey}, still the empty key.
     */
    private int compareToLastKey(MemorySegment keySegment, long keyOffset, long keyLength) {
        int pending = keyBlock.count();
        return pending == 0
                ? Bytes.compareUnsigned(keySegment, keyOffset, keyLength, lastKeySegment, 0, lastKeyLength)
                : Bytes.compareUnsigned(keySegment, keyOffset, keyLength, keyBlock.keySegment(),
                        keyBlock.keyPosition(pending - 1), keyBlock.keyLength(pending - 1));
    }

    /** Blocks in the file if it were finished now: those written, the pending ones and the index block. */
    private long blocksAfterFinish() {
        return blocks.count() + Integer.signum(smallValues.length()) + Integer.signum(keyBlock.count()) + 1;
    }

    /**
     * Refuses an entry out of order. No test for the first entry: before it, the last hash is 0 and the last key
     * empty, the lowest of each, so any first entry passes the comparisons. A branch taken once per file would be
     * missing from the profile C2 compiles the add methods from, and the next file's first entry would deoptimize
     * them (an {@code unstable_if} trap and a recompile of the whole inlined add path, per such branch and JVM).
     * This holds for hash-ordered SSTs, which compactions write; a key-ordered SST's add path still tests for its
     * first entry ({@link #prepare}'s {@code sameKeyAsLast}, {@link #accept}, and {@link #compareToLastKey}'s
     * empty pending block).
     *
     * @return the comparison with the last entry: for a key-ordered SST its key's, for a hash-ordered one the
     *     (hash, key) pair's (the key compared only on equal hashes); 0 before the first entry for the empty key
     *     (and, hash-ordered, hash 0)
     */
    private int checkOrder(long hash, MemorySegment keySegment, long keyOffset, long keyLength,
                           boolean tombstone) {
        if (keyIndex != null) {
            int cmp = compareToLastKey(keySegment, keyOffset, keyLength);
            if (cmp < 0) {
                throw new IllegalArgumentException(
                        "entry out of order: keys must ascend (unsigned bytes) in a key-ordered SST");
            }
            if (cmp == 0 && lastWasTombstone) {
                throw new IllegalArgumentException(
                        "entry after the tombstone of its key: a key group ends with its tombstone");
            }
            return cmp;
        }
        int cmp = Long.compareUnsigned(hash, lastHash);
        if (cmp == 0) {
            cmp = compareToLastKey(keySegment, keyOffset, keyLength);
        }
        if (cmp < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "entry out of order: (hash, key) must ascend, unsigned; found hash 0x%016x after 0x%016x"
                            + " (or a smaller key with the same hash)",
                    hash, lastHash));
        }
        if (cmp == 0 && lastWasTombstone) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "entry after the tombstone of its key (hash 0x%016x): a key group ends with its tombstone",
                    hash));
        }
        return cmp;
    }

    private void accept(long hash, MemorySegment keySegment, long keyOffset, long keyLength, long valueLength,
                        boolean tombstone) {
        if (keyIndex != null) {
            if (entryCount == 0) {
                minHash = hash;
                maxHash = hash;
                firstKey = keySegment.asSlice(keyOffset, keyLength).toArray(ValueLayout.JAVA_BYTE);
            } else {
                if (Long.compareUnsigned(hash, minHash) < 0) {
                    minHash = hash;
                }
                if (Long.compareUnsigned(hash, maxHash) > 0) {
                    maxHash = hash;
                }
            }
            if (!sameKeyAsLast) {
                if (buildsKeyFilter) {
                    keyHashes.add(hash);
                }
                keyCount++;
            }
        }
        lastHash = hash;
        lastWasTombstone = tombstone;
        entryCount++;
        dataBytes += keyLength + valueLength;
    }

    /** Writes the pending small value block and the pending key block, in that order. */
    private void flushKeyBlock() throws IOException {
        if (!smallValues.isEmpty()) {
            emitSmallValueBlock();
        }
        if (!keyBlock.isEmpty()) {
            int block = writeBlock(keyBlock.encode(), keyBlock.compressible());
            if (keyIndex != null) {
                indexKeyBlock(block);
                keepLastKey();
            } else {
                boolean continuesRun = index.keyBlockCount() > 0 && keyBlock.firstHash() == lastKeyBlockHash;
                index.add(keyBlock.firstHash(), block, continuesRun);
                countKeys(continuesRun);
                lastKeyBlockHash = keyBlock.lastHash();
            }
            keyBlock.clear();
        }
    }

    /**
     * Adds the key block just written to the key index, with its separator from the block before it, whose last
     * key {@link #lastKey} still holds.
     */
    private void indexKeyBlock(int block) {
        MemorySegment keys = keyBlock.keySegment();
        long first = keyBlock.keyPosition(0);
        int separator = keyIndex.keyBlockCount() == 0 ? 0
                : KeyIndexBlock.separatorLength(lastKeySegment, 0, lastKeyLength, keys, first,
                        keyBlock.keyLength(0));
        keyIndex.add(block, keys, first, separator);
    }

    /**
     * Counts the distinct hashes of the hash-ordered key block just written, and records them for the key filter:
     * per block rather than per entry, so that the add methods hold no branch that one file takes once (its first
     * key) or that differs between a spill's writers, which collect no hashes, and a compaction's, which do: C2
     * compiled the add path for the one it had seen and deoptimized it at the other.
     *
     * @param continuesRun whether the block's first hash is the last hash of the block before
     */
    private void countKeys(boolean continuesRun) {
        if (index.keyBlockCount() == 1) {
            firstHash = keyBlock.firstHash();
        }
        int count = keyBlock.count();
        long previous = keyBlock.firstHash();
        if (!continuesRun) {
            keyCount++;
            if (buildsKeyFilter) {
                keyHashes.add(previous);
            }
        }
        for (int i = 1; i < count; i++) {
            long hash = keyBlock.hash(i);
            if (hash != previous) {
                keyCount++;
                if (buildsKeyFilter) {
                    keyHashes.add(hash);
                }
                previous = hash;
            }
        }
    }

    /**
     * Copies a key-ordered key block's last key, the last key added, to {@link #lastKey}, before the block is
     * cleared.
     */
    private void keepLastKey() {
        int last = keyBlock.count() - 1;
        int length = keyBlock.keyLength(last);
        if (length > lastKey.length) {
            lastKey = new byte[Math.max(length, lastKey.length * 2)];
            lastKeySegment = MemorySegment.ofArray(lastKey);
        }
        MemorySegment.copy(keyBlock.keySegment(), keyBlock.keyPosition(last), lastKeySegment, 0, length);
        lastKeyLength = length;
    }

    private void emitSmallValueBlock() throws IOException {
        int block = writeBlock(smallValues.data(), compress);
        keyBlock.resolveSmall(block);
        smallValues.clear();
    }

    /** Writes one block holding {@code data[position, limit)}; returns its index. */
    private int writeBlock(ByteBuffer data, boolean compressible) throws IOException {
        framing.write(out, data, compressible);
        return endBlock();
    }

    /** Records the block just written; returns its index. */
    private int endBlock() {
        long end = out.position();
        if (end > SstLimits.MAX_FILE_SIZE - (long) SstLimits.MAX_BLOCK_COUNT * BlockOffsetTable.ENTRY_LENGTH) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "SST exceeds %d bytes, the limit of u32 block offsets (check hasRoomFor): %s",
                    SstLimits.MAX_FILE_SIZE, out.path()));
        }
        return blocks.add(end);
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("SST writer already finished or abandoned: " + out.path());
        }
        if (broken) {
            throw new IllegalStateException("SST writer failed earlier; abandon it: " + out.path());
        }
    }
}
