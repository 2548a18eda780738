package io.turbokv.sst;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The index block of a key-ordered SST (a family declared {@code KeyOrder.KEY}): always the last block of the file,
 * stored uncompressed, mapping a key to the first key block that may hold it. Its type byte, 2, is what tells a
 * key-ordered SST from a hash-ordered one ({@link IndexBlock}, types 0 and 1). All integers big-endian.
 *
 * <pre>
 * offset        size  field
 * 0             1     u8 type = 2
 * 1             2     u16 n = key block count, at least 1
 * 3 + 2i        2     u16 block of key block i, in key order
 * 3 + 2n + 4i   4     u32 end of separator i, relative to the separator region (non-decreasing; separator 0 is
 *                     empty, so end 0 is 0)
 * 3 + 6n        ...   separator region: separator i spans [end(i-1), end(i))
 * </pre>
 *
 * <p>Separator {@code i >= 1} is the shortest byte string {@code s} with {@code last(i-1) < s <= first(i)}, where
 * {@code first} and {@code last} are the lowest and highest key of a key block (unsigned bytes): the common prefix of
 * the two keys plus one byte of {@code first(i)}. When block {@code i} goes on with the key block {@code i-1} ends
 * with (a key's many values longer than a key block), no such string exists and the separator is that key. So
 * separators never decrease, block {@code i} holds keys in {@code [s(i), s(i+1)]}, and a lookup of key {@code k}
 * starts in the last block whose separator is below {@code k} (block 0 when none is) and goes on into the next block
 * while that block's separator equals {@code k}. Keys with a long shared prefix get separators as long as that
 * prefix plus one byte; the index stays one entry per key block (of up to 16 KiB of keys), however long the keys.
 *
 * <p>An instance is either the writer's growing list of key blocks or, after {@link #read}, the validated index of an
 * open file, with its separators in one heap array.
 */
final class KeyIndexBlock {
    static final int TYPE = 2;
    static final int TYPE_OFFSET = 0;
    static final int COUNT_OFFSET = 1;
    static final int BLOCKS_OFFSET = 3;
    static final int BLOCK_SIZE = 2;
    static final int END_SIZE = 4;
    /** Bytes an entry adds beyond its separator: its block and its end. */
    static final int ENTRY_OVERHEAD = BLOCK_SIZE + END_SIZE;

    private int[] blocks;
    private int[] ends;
    private byte[] separators;
    private MemorySegment separatorSegment;
    private int count;

    KeyIndexBlock() {
        this(new int[64], new int[64], new byte[1024], 0);
    }

    private KeyIndexBlock(int[] blocks, int[] ends, byte[] separators, int count) {
        this.blocks = blocks;
        this.ends = ends;
        this.separators = separators;
        this.separatorSegment = MemorySegment.ofArray(separators);
        this.count = count;
    }

    /**
     * Records key block {@code block}, whose separator from the block before it is
     * {@code separator[offset, offset + length)} (ignored for the first block).
     */
    void add(int block, MemorySegment separator, long offset, int length) {
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, count * 2);
            ends = Arrays.copyOf(ends, count * 2);
        }
        int start = count == 0 ? 0 : ends[count - 1];
        int sepLength = count == 0 ? 0 : length;
        if (start + sepLength > separators.length) {
            separators = Arrays.copyOf(separators, Math.max(start + sepLength, separators.length * 2));
            separatorSegment = MemorySegment.ofArray(separators);
        }
        MemorySegment.copy(separator, offset, separatorSegment, start, sepLength);
        blocks[count] = block;
        ends[count] = start + sepLength;
        count++;
    }

    /** Key blocks listed. */
    int keyBlockCount() {
        return count;
    }

    /** The key block at position {@code i} in key order. */
    int keyBlock(int i) {
        return blocks[i];
    }

    /** The block's length when {@link #encode()}d now. */
    long encodedLength() {
        return BLOCKS_OFFSET + (long) count * ENTRY_OVERHEAD + (count == 0 ? 0 : ends[count - 1]);
    }

    /** The block data as written ({@code count >= 1}). */
    MemorySegment encode() {
        int separatorBytes = ends[count - 1];
        MemorySegment data = MemorySegment.ofArray(new byte[(int) encodedLength()]);
        data.set(ValueLayout.JAVA_BYTE, TYPE_OFFSET, (byte) TYPE);
        data.set(Bytes.BE_SHORT, COUNT_OFFSET, (short) count);
        long endsAt = BLOCKS_OFFSET + (long) count * BLOCK_SIZE;
        for (int i = 0; i < count; i++) {
            data.set(Bytes.BE_SHORT, BLOCKS_OFFSET + (long) i * BLOCK_SIZE, (short) blocks[i]);
            data.set(Bytes.BE_INT, endsAt + (long) i * END_SIZE, ends[i]);
        }
        MemorySegment.copy(separatorSegment, 0, data, endsAt + (long) count * END_SIZE, separatorBytes);
        return data;
    }

    /**
     * The position of the first key block that may hold {@code key}: the last one whose separator is below it, or
     * 0. Binary search over the separators.
     */
    int firstPosition(MemorySegment key) {
        int low = 1;
        int high = count - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (compareSeparator(mid, key) < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return high < 1 ? 0 : high;
    }

    /** Whether the key block after position {@code i} may go on with {@code key}: its separator equals it. */
    boolean mayContinueAfter(int i, MemorySegment key) {
        return i + 1 < count && compareSeparator(i + 1, key) == 0;
    }

    private int compareSeparator(int i, MemorySegment key) {
        int start = ends[i - 1];
        return KeyBlock.compareKeys(separatorSegment, start, ends[i] - start, key, 0, key.byteSize());
    }

    /**
     * The shortest separator between {@code last} and {@code first} ({@code last <= first}, unsigned), as the length
     * of the prefix of {@code first} it is: up to and including the first byte where the two differ (or one byte
     * past {@code last} when {@code last} is a prefix of {@code first}); {@code first}'s whole length when the two
     * are equal.
     */
    static int separatorLength(MemorySegment last, long lastOffset, long lastLength, MemorySegment first,
                               long firstOffset, long firstLength) {
        long mismatch = MemorySegment.mismatch(last, lastOffset, lastOffset + lastLength, first, firstOffset,
                firstOffset + firstLength);
        if (mismatch < 0) {
            return (int) firstLength; // equal keys: the block goes on with the key
        }
        // first's prefix up to and including the first differing byte is above last (or last is a prefix of it)
        return (int) Math.min(firstLength, mismatch + 1);
    }

    /**
     * Parses and validates the index data {@code data}, found at {@code fileOffset}; every key block index must be
     * below {@code indexBlock} (the index block is last), and separators must not decrease.
     */
    static KeyIndexBlock read(MemorySegment data, long fileOffset, int indexBlock, Path path)
            throws CorruptionException {
        long length = data.byteSize();
        if (length < BLOCKS_OFFSET || Bytes.u8(data, TYPE_OFFSET) != TYPE) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key index block: expected type %d and >= %d bytes, found %d bytes", TYPE, BLOCKS_OFFSET,
                    length), path, fileOffset);
        }
        int count = Bytes.u16(data, COUNT_OFFSET);
        long endsAt = BLOCKS_OFFSET + (long) count * BLOCK_SIZE;
        long regionAt = endsAt + (long) count * END_SIZE;
        if (count == 0 || count > indexBlock || regionAt > length) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key index block count: expected=1..%d within %d bytes found=%d", indexBlock, length, count),
                    path, fileOffset + COUNT_OFFSET);
        }
        long regionLength = length - regionAt;
        int[] blocks = new int[count];
        int[] ends = new int[count];
        for (int i = 0; i < count; i++) {
            long blockAt = BLOCKS_OFFSET + (long) i * BLOCK_SIZE;
            blocks[i] = Bytes.u16(data, blockAt);
            if (blocks[i] >= indexBlock) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "key index entry %d key block: expected<%d found=%d", i, indexBlock, blocks[i]), path,
                        fileOffset + blockAt);
            }
            long endAt = endsAt + (long) i * END_SIZE;
            long end = Bytes.u32(data, endAt);
            long previous = i == 0 ? 0 : ends[i - 1];
            if (end < previous || end > regionLength || (i == 0 && end != 0)
                    || (i == count - 1 && end != regionLength)) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "key index entry %d separator end: expected=%d..%d (the last one %d) found=%d", i,
                        i == 0 ? 0 : previous, i == 0 ? 0 : regionLength, regionLength, end), path,
                        fileOffset + endAt);
            }
            ends[i] = (int) end;
        }
        byte[] separators = new byte[(int) regionLength];
        MemorySegment.copy(data, regionAt, MemorySegment.ofArray(separators), 0, regionLength);
        KeyIndexBlock index = new KeyIndexBlock(blocks, ends, separators, count);
        for (int i = 2; i < count; i++) {
            int start = ends[i - 1];
            MemorySegment separator = index.separatorSegment.asSlice(start, ends[i] - start);
            if (index.compareSeparator(i - 1, separator) > 0) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "key index separator %d below separator %d: separators must not decrease", i, i - 1), path,
                        fileOffset + regionAt + start);
            }
        }
        return index;
    }
}
