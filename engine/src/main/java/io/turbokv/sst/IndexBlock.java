package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The index block, always the last block of an SST and always stored uncompressed (DESIGN.md §2.3). It maps a key
 * hash to the key block that may hold it. All integers big-endian.
 *
 * <pre>
 * offset     size  field
 * 0          1     u8 type = 0
 * 1          2     u16 first_block: the key block for hashes below entry[0].hash
 * 3 + 10i    8     u64 entry[i].hash: the lowest hash of key block entry[i].block
 * 11 + 10i   2     u16 entry[i].block
 * </pre>
 *
 * <p>Entry hashes ascend strictly (unsigned): the writer never splits equal hashes across key blocks, so the key
 * block chosen for a hash is the only one that can hold it. An instance is either the writer's growing list of
 * key blocks or, after {@link #read}, the validated index of an open file.
 */
final class IndexBlock {
    static final int TYPE = 0;
    static final int TYPE_OFFSET = 0;
    static final int FIRST_BLOCK_OFFSET = 1;
    static final int ENTRIES_OFFSET = 3;
    static final int ENTRY_LENGTH = 10;
    static final int ENTRY_BLOCK_OFFSET = 8;

    /** The first hash of each key block; element 0 is the first block's and is not stored. */
    private long[] firstHashes;
    private int[] blocks;
    private int count;

    IndexBlock() {
        this(new long[64], new int[64], 0);
    }

    private IndexBlock(long[] firstHashes, int[] blocks, int count) {
        this.firstHashes = firstHashes;
        this.blocks = blocks;
        this.count = count;
    }

    /** Records key block {@code block}, whose lowest hash is {@code firstHash}. */
    void add(long firstHash, int block) {
        if (count == blocks.length) {
            firstHashes = Arrays.copyOf(firstHashes, count * 2);
            blocks = Arrays.copyOf(blocks, count * 2);
        }
        firstHashes[count] = firstHash;
        blocks[count] = block;
        count++;
    }

    /** Key blocks listed. */
    int keyBlockCount() {
        return count;
    }

    /** The key block at position {@code i} in hash order. */
    int keyBlock(int i) {
        return blocks[i];
    }

    /** The block data as written ({@code count >= 1}). */
    MemorySegment encode() {
        MemorySegment data = MemorySegment.ofArray(new byte[ENTRIES_OFFSET + (count - 1) * ENTRY_LENGTH]);
        data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, TYPE_OFFSET, (byte) TYPE);
        data.set(Bytes.BE_SHORT, FIRST_BLOCK_OFFSET, (short) blocks[0]);
        for (int i = 1; i < count; i++) {
            long at = ENTRIES_OFFSET + (long) (i - 1) * ENTRY_LENGTH;
            data.set(Bytes.BE_LONG, at, firstHashes[i]);
            data.set(Bytes.BE_SHORT, at + ENTRY_BLOCK_OFFSET, (short) blocks[i]);
        }
        return data;
    }

    /**
     * The key block that may hold {@code hash}: the last key block whose first hash is at most {@code hash},
     * or the first block.
     */
    int find(long hash) {
        int low = 1;
        int high = count - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int cmp = Long.compareUnsigned(firstHashes[mid], hash);
            if (cmp == 0) {
                return blocks[mid];
            } else if (cmp < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return blocks[high < 1 ? 0 : high];
    }

    /**
     * Parses and validates the index block data {@code data}, found at {@code fileOffset}; every key block
     * index must be below {@code indexBlock} (the index block is last), and hashes must ascend strictly.
     */
    static IndexBlock read(MemorySegment data, long fileOffset, int indexBlock, Path path)
            throws CorruptionException {
        long length = data.byteSize();
        if (length < ENTRIES_OFFSET || (length - ENTRIES_OFFSET) % ENTRY_LENGTH != 0) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block length: expected=3 + 10n found=%d", length), path, fileOffset);
        }
        int type = Bytes.u8(data, TYPE_OFFSET);
        if (type != TYPE) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block type: expected=%d found=%d", TYPE, type), path, fileOffset);
        }
        int count = 1 + (int) ((length - ENTRIES_OFFSET) / ENTRY_LENGTH);
        if (count > indexBlock) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block lists more key blocks than the file has blocks: expected<=%d found=%d",
                    indexBlock, count), path, fileOffset);
        }
        long[] firstHashes = new long[count];
        int[] blocks = new int[count];
        for (int i = 0; i < count; i++) {
            long at = i == 0 ? FIRST_BLOCK_OFFSET : ENTRIES_OFFSET + (long) (i - 1) * ENTRY_LENGTH;
            long blockAt = i == 0 ? at : at + ENTRY_BLOCK_OFFSET;
            int block = Bytes.u16(data, blockAt);
            if (block >= indexBlock) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "index entry %d key block: expected<%d found=%d", i, indexBlock, block), path,
                        fileOffset + blockAt);
            }
            blocks[i] = block;
            if (i > 0) {
                firstHashes[i] = data.get(Bytes.BE_LONG, at);
                if (i > 1 && Long.compareUnsigned(firstHashes[i - 1], firstHashes[i]) >= 0) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "index entry %d hash not ascending: expected>0x%016x found=0x%016x", i,
                            firstHashes[i - 1], firstHashes[i]), path, fileOffset + at);
                }
            }
        }
        return new IndexBlock(firstHashes, blocks, count);
    }
}
