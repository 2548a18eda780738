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
 * prefix plus one byte; the index stays one entry per key block (of up to its budget of keys, 16 KiB by default), however long the keys.
 *
 * <p>An instance is either the writer's growing list of key blocks or, after {@link #read}, the validated index of an
 * open file, with its separators in one heap array and each separator's leading 8 bytes (big-endian, zero-padded) in
 * another, which decide most comparisons of a search without touching the separators.
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
    /** Interpolation probes before {@link #firstWordNotBelow} falls back to halving. */
    private static final int INTERPOLATION_PROBES = 3;

    private int[] blocks;
    private int[] ends;
    private byte[] separators;
    private MemorySegment separatorSegment;
    private int count;
    /** Per separator (of a read index), its {@link KeyBlock#searchWord} from offset 0; null in the writer's. */
    private long[] words;

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
     * 0. The separators' words decide (interpolation over them: a key's leading bytes are spread about evenly
     * across an SST's blocks more often than not, and binary search takes over when they are not); the bytes only
     * among separators whose word equals the key's.
     */
    int firstPosition(MemorySegment key) {
        long word = KeyBlock.searchWord(key, 0, key.byteSize(), 0);
        int low = firstWordNotBelow(word);
        if (low < count && words[low] == word) {
            int high = count;
            while (low < high) { // the first separator not below the key: a higher word decides at once
                int mid = (low + high) >>> 1;
                if (compareSeparator(mid, key, word) < 0) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
        }
        return low <= 1 ? 0 : low - 1;
    }

    /** The first position {@code i >= 1} whose separator's word is not below {@code word} (unsigned), or count. */
    private int firstWordNotBelow(long word) {
        int low = 1;
        int high = count - 1;
        if (low > high || Long.compareUnsigned(words[high], word) < 0) {
            return count;
        }
        if (Long.compareUnsigned(words[low], word) >= 0) {
            return low;
        }
        // words[low] < word <= words[high]: the answer is in (low, high]
        for (int probes = 0; high - low > 1; probes++) {
            int mid;
            if (probes < INTERPOLATION_PROBES) {
                double fraction = KeyBlock.unsignedToDouble(word - words[low])
                        / KeyBlock.unsignedToDouble(words[high] - words[low]);
                mid = Math.clamp(low + (long) (fraction * (high - low)), low + 1, high - 1);
            } else {
                mid = (low + high) >>> 1;
            }
            if (Long.compareUnsigned(words[mid], word) < 0) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return high;
    }

    /** Whether the key block after position {@code i} may go on with {@code key}: its separator equals it. */
    boolean mayContinueAfter(int i, MemorySegment key) {
        return i + 1 < count && compareSeparator(i + 1, key, KeyBlock.searchWord(key, 0, key.byteSize(), 0)) == 0;
    }

    /**
     * Compares separator {@code i >= 1} with {@code key}, whose search word from offset 0 is {@code keyWord}: unequal
     * words decide (a lower word is a lower byte string), the bytes otherwise.
     */
    private int compareSeparator(int i, MemorySegment key, long keyWord) {
        int cmp = Long.compareUnsigned(words[i], keyWord);
        if (cmp != 0) {
            return cmp;
        }
        int start = ends[i - 1];
        return Bytes.compareUnsigned(separatorSegment, start, ends[i] - start, key, 0, key.byteSize());
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
        long[] words = new long[count];
        for (int i = 1; i < count; i++) {
            int start = ends[i - 1];
            words[i] = KeyBlock.searchWord(index.separatorSegment, start, ends[i] - start, 0);
        }
        index.words = words;
        for (int i = 2; i < count; i++) {
            int start = ends[i - 1];
            MemorySegment separator = index.separatorSegment.asSlice(start, ends[i] - start);
            if (index.compareSeparator(i - 1, separator, words[i]) > 0) {
                throw new CorruptionException(String.format(Locale.ROOT,
                        "key index separator %d below separator %d: separators must not decrease", i, i - 1), path,
                        fileOffset + regionAt + start);
            }
        }
        return index;
    }
}
