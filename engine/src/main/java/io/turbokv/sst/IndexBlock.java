package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The index block, always the last block of an SST and always stored uncompressed. It maps a key
 * hash to the first key block that may hold it. All integers big-endian. Two layouts, told apart by the type byte.
 *
 * <p>Type 0, when no key block continues a run of equal hashes from the block before it:
 * <pre>
 * offset     size  field
 * 0          1     u8 type = 0
 * 1          2     u16 first_block: the key block for hashes below entry[0].hash
 * 3 + 10i    8     u64 entry[i].hash: the lowest hash of key block entry[i].block
 * 11 + 10i   2     u16 entry[i].block
 * </pre>
 * Entry hashes ascend strictly (unsigned): the key block chosen for a hash is the only one that can hold it.
 *
 * <p>Type 1, when a run of entries with one hash (a key's many values, or keys whose hashes collide) is longer
 * than a key block ({@link SstLimits#DEFAULT_KEY_BLOCK_RUN_SIZE}) and continues in the following key blocks:
 * <pre>
 * offset     size  field
 * 0          1     u8 type = 1
 * 1          2     u16 first_block: the key block for hashes below entry[0].hash
 * 3 + 11i    8     u64 entry[i].hash: the lowest hash of key block entry[i].block
 * 11 + 11i   2     u16 entry[i].block
 * 13 + 11i   1     u8 entry[i].continues: 1 when the block begins with the hash the block before it ends with
 *                  (the run goes on in this block), else 0
 * </pre>
 * Entry hashes ascend (unsigned), and an entry's hash equals the one before it only when the entry continues. A
 * hash's entries start in the last block whose first hash is lower, or equal without continuing; a lookup goes on
 * into the next block while that one continues with the hash.
 *
 * <p>The writer picks type 0 whenever it can, so files without long runs keep the layout they always had (and
 * a reader that knows only type 0 refuses a file with long runs instead of missing entries). An instance is either
 * the writer's growing list of key blocks or, after {@link #read}, the validated index of an open file.
 */
final class IndexBlock {
    static final int TYPE = 0;
    static final int TYPE_WITH_CONTINUATIONS = 1;
    static final int TYPE_OFFSET = 0;
    static final int FIRST_BLOCK_OFFSET = 1;
    static final int ENTRIES_OFFSET = 3;
    static final int ENTRY_LENGTH = 10;
    static final int ENTRY_WITH_CONTINUATION_LENGTH = 11;
    static final int ENTRY_BLOCK_OFFSET = 8;
    static final int ENTRY_CONTINUES_OFFSET = 10;
    /** Positions {@link #firstPosition} walks from its interpolated guess before it halves the rest. */
    private static final int WALK_STEPS = 4;

    /** The first hash of each key block; element 0 is the first block's and is not stored. */
    private long[] firstHashes;
    private int[] blocks;
    /** Per key block, whether it continues the previous block's last hash; null when none does. */
    private boolean[] continues;
    private int count;

    IndexBlock() {
        this(new long[64], new int[64], null, 0);
    }

    private IndexBlock(long[] firstHashes, int[] blocks, boolean[] continues, int count) {
        this.firstHashes = firstHashes;
        this.blocks = blocks;
        this.continues = continues;
        this.count = count;
    }

    /**
     * Records key block {@code block}, whose lowest hash is {@code firstHash}; {@code continuesRun} when that
     * hash is also the last one of the key block recorded before it.
     */
    void add(long firstHash, int block, boolean continuesRun) {
        if (count == blocks.length) {
            firstHashes = Arrays.copyOf(firstHashes, count * 2);
            blocks = Arrays.copyOf(blocks, count * 2);
            if (continues != null) {
                continues = Arrays.copyOf(continues, count * 2);
            }
        }
        if (continuesRun && continues == null) {
            continues = new boolean[blocks.length];
        }
        firstHashes[count] = firstHash;
        blocks[count] = block;
        if (continues != null) {
            continues[count] = continuesRun;
        }
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

    /** The block's length when {@link #encode()}d with {@code keyBlocks} key blocks, at most. */
    static long encodedLengthBound(int keyBlocks) {
        return ENTRIES_OFFSET + (long) Math.max(0, keyBlocks - 1) * ENTRY_WITH_CONTINUATION_LENGTH;
    }

    /** The block data as written ({@code count >= 1}): type 0 unless some key block continues a run. */
    MemorySegment encode() {
        int entryLength = continues == null ? ENTRY_LENGTH : ENTRY_WITH_CONTINUATION_LENGTH;
        MemorySegment data = MemorySegment.ofArray(new byte[ENTRIES_OFFSET + (count - 1) * entryLength]);
        data.set(ValueLayout.JAVA_BYTE, TYPE_OFFSET, (byte) (continues == null ? TYPE : TYPE_WITH_CONTINUATIONS));
        data.set(Bytes.BE_SHORT, FIRST_BLOCK_OFFSET, (short) blocks[0]);
        for (int i = 1; i < count; i++) {
            long at = ENTRIES_OFFSET + (long) (i - 1) * entryLength;
            data.set(Bytes.BE_LONG, at, firstHashes[i]);
            data.set(Bytes.BE_SHORT, at + ENTRY_BLOCK_OFFSET, (short) blocks[i]);
            if (continues != null) {
                data.set(ValueLayout.JAVA_BYTE, at + ENTRY_CONTINUES_OFFSET, (byte) (continues[i] ? 1 : 0));
            }
        }
        return data;
    }

    /**
     * The position of the first key block that may hold {@code hash}: the last one whose first hash is lower, or
     * equal without continuing a run; the first block when there is none. Key hashes are uniform, so the search
     * starts where the hash falls between the first hashes of the second and the last block and walks a few
     * positions from there (one or two array lines, against a dozen unpredictable branches of halving); it halves
     * what is left when the walk did not settle it (skewed hashes).
     */
    int firstPosition(long hash) {
        int last = count - 1;
        // before(i) holds for a prefix of positions [1, last]; the answer is the last position of that prefix or 0
        int low = 1;
        int high = last;
        if (last >= 2) {
            int guess = guess(hash, last);
            if (before(guess, hash)) {
                low = guess + 1;
                for (int limit = Math.min(last, guess + WALK_STEPS); low <= limit; low++) {
                    if (!before(low, hash)) {
                        return low - 1;
                    }
                }
            } else {
                high = guess - 1;
                for (int limit = Math.max(1, guess - WALK_STEPS); high >= limit; high--) {
                    if (before(high, hash)) {
                        return high;
                    }
                }
            }
        }
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (before(mid, hash)) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return high;
    }

    /** Whether {@code hash}'s entries start at position {@code i} or later: below it, or at it afresh. */
    private boolean before(int i, long hash) {
        int cmp = Long.compareUnsigned(firstHashes[i], hash);
        return cmp < 0 || (cmp == 0 && !continues(i));
    }

    /** Where {@code hash} falls in [1, last] if first hashes grow evenly from position 1 to {@code last}. */
    private int guess(long hash, long last) {
        long lowHash = firstHashes[1];
        long highHash = firstHashes[(int) last];
        if (Long.compareUnsigned(hash, lowHash) <= 0) {
            return 1;
        }
        if (Long.compareUnsigned(hash, highHash) >= 0) {
            return (int) last;
        }
        double fraction = KeyBlock.unsignedToDouble(hash - lowHash)
                / KeyBlock.unsignedToDouble(highHash - lowHash);
        return (int) Math.clamp(1 + (long) (fraction * (last - 1)), 1, last);
    }

    /** Whether the key block after position {@code i} goes on with a run of {@code hash}. */
    boolean runContinuesAfter(int i, long hash) {
        return i + 1 < count && continues(i + 1) && firstHashes[i + 1] == hash;
    }

    private boolean continues(int i) {
        return continues != null && continues[i];
    }

    /**
     * Parses and validates the index block data {@code data}, found at {@code fileOffset}; every key block
     * index must be below {@code indexBlock} (the index block is last), and hashes must ascend as the type
     * requires.
     */
    static IndexBlock read(MemorySegment data, long fileOffset, int indexBlock, Path path)
            throws CorruptionException {
        long length = data.byteSize();
        int type = length < 1 ? -1 : Bytes.u8(data, TYPE_OFFSET);
        if (type != TYPE && type != TYPE_WITH_CONTINUATIONS) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block type: expected=%d|%d found=%d", TYPE, TYPE_WITH_CONTINUATIONS, type), path,
                    fileOffset);
        }
        boolean withContinuations = type == TYPE_WITH_CONTINUATIONS;
        int entryLength = withContinuations ? ENTRY_WITH_CONTINUATION_LENGTH : ENTRY_LENGTH;
        if (length < ENTRIES_OFFSET || (length - ENTRIES_OFFSET) % entryLength != 0) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block type %d length: expected=3 + %dn found=%d", type, entryLength, length), path,
                    fileOffset);
        }
        int count = 1 + (int) ((length - ENTRIES_OFFSET) / entryLength);
        if (count > indexBlock) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "index block lists more key blocks than the file has blocks: expected<=%d found=%d",
                    indexBlock, count), path, fileOffset);
        }
        long[] firstHashes = new long[count];
        int[] blocks = new int[count];
        boolean[] continues = withContinuations ? new boolean[count] : null;
        for (int i = 0; i < count; i++) {
            long at = i == 0 ? FIRST_BLOCK_OFFSET : ENTRIES_OFFSET + (long) (i - 1) * entryLength;
            long blockAt = i == 0 ? at : at + ENTRY_BLOCK_OFFSET;
            int block = Bytes.u16(data, blockAt);
            if (block >= indexBlock) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "index entry %d key block: expected<%d found=%d", i, indexBlock, block), path,
                        fileOffset + blockAt);
            }
            blocks[i] = block;
            if (i == 0) {
                continue;
            }
            firstHashes[i] = data.get(Bytes.BE_LONG, at);
            if (withContinuations) {
                int flag = Bytes.u8(data, at + ENTRY_CONTINUES_OFFSET);
                if (flag > 1) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "index entry %d continues: expected=0|1 found=%d", i, flag), path,
                            fileOffset + at + ENTRY_CONTINUES_OFFSET);
                }
                continues[i] = flag == 1;
            }
            if (i > 1) {
                int cmp = Long.compareUnsigned(firstHashes[i - 1], firstHashes[i]);
                if (cmp > 0 || (cmp == 0 && !(withContinuations && continues[i]))) {
                    throw new CorruptionException(String.format(Locale.ROOT,
                            "index entry %d hash not ascending: expected>%s0x%016x found=0x%016x", i,
                            withContinuations ? "=" : "", firstHashes[i - 1], firstHashes[i]), path,
                            fileOffset + at);
                }
            }
        }
        return new IndexBlock(firstHashes, blocks, continues, count);
    }
}
