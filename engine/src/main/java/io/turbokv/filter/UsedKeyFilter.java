package io.turbokv.filter;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The used-key-hash filter of a meta file: the hashes of the keys that lookups found since the
 * previous commit, which compaction uses to split its output into warm and cold SSTs. Exact: the set is stored as
 * its sorted distinct 64-bit hashes (the seed's quotient filter with 64-bit fingerprints is "practically exact"
 * too), so {@link #contains} has no false positives beyond XXH64 collisions of different keys.
 *
 * <p><b>Layout</b> (all integers big-endian through {@link Bytes}):
 * <pre>
 * offset  size  field
 * 0       1     tag = {@value #TAG_SORTED_HASHES}: sorted distinct hashes
 * 1       8 n   n &gt;= 1 hashes, u64, strictly ascending as unsigned numbers
 * </pre>
 * The empty set is a zero-length payload (no tag). {@link #check} validates the tag and the length in constant
 * time; the order is the writer's promise, protected by the meta file's CRC, and a wrong order can make
 * {@link #contains} answer wrongly but never read out of bounds.
 *
 * <p>Thread-safe: every method is static and filter segments are only read.
 */
public final class UsedKeyFilter {
    /** The tag byte of a sorted-hashes filter; distinct from {@link KeyFilter}'s tags so a mix-up is caught. */
    public static final int TAG_SORTED_HASHES = 0x02;

    static final long TAG = 0;
    static final long HASHES = 1;
    static final int HASH_BYTES = Long.BYTES;

    private UsedKeyFilter() {}

    /**
     * Builds the filter of {@code hashes[0, count)} (duplicates and any order allowed; the array is not changed)
     * into a segment from {@code allocator}.
     *
     * @param hashes    the 64-bit key hashes
     * @param count     how many of {@code hashes} to take, from index 0
     * @param allocator where the filter's bytes go
     * @return the filter payload; zero-length when {@code count} is 0
     * @throws IndexOutOfBoundsException if {@code count} is negative or larger than {@code hashes.length}
     */
    public static MemorySegment build(long[] hashes, int count, SegmentAllocator allocator) {
        Objects.checkFromIndexSize(0, count, hashes.length);
        long[] sorted = Arrays.copyOf(hashes, count);
        // Flipping the sign bit makes the signed sort an unsigned one.
        for (int i = 0; i < count; i++) {
            sorted[i] ^= Long.MIN_VALUE;
        }
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < count; i++) {
            if (distinct == 0 || sorted[i] != sorted[distinct - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        for (int i = 0; i < distinct; i++) {
            sorted[i] ^= Long.MIN_VALUE;
        }
        return write(sorted, distinct, allocator);
    }

    /**
     * Merges several filters into one holding the union of their sets, by a k-way merge of the sorted hashes
     * that drops duplicates.
     *
     * @param filters   filter payloads that passed {@link #check}; empty ones are allowed
     * @param allocator where the merged filter's bytes go
     * @return the union's filter payload; zero-length when every input is empty
     * @throws IllegalArgumentException if an input is not a well-formed filter payload
     */
    public static MemorySegment merge(List<MemorySegment> filters, SegmentAllocator allocator) {
        long total = 0;
        for (int i = 0; i < filters.size(); i++) {
            requireWellFormed(filters.get(i), i);
            total += size(filters.get(i));
        }
        long[] merged = new long[Math.toIntExact(total)];
        int distinct = new SortedHashMerge(filters).mergeInto(merged);
        return write(merged, distinct, allocator);
    }

    /**
     * Whether {@code hash} is in the filter's set, by binary search straight over the meta file's bytes; allocates
     * nothing.
     *
     * @param filter a filter payload that passed {@link #check} (otherwise the read may go out of bounds)
     * @param hash   the 64-bit key hash
     * @return whether the set holds {@code hash}
     */
    public static boolean contains(MemorySegment filter, long hash) {
        long low = 0;
        long high = size(filter) - 1;
        long wanted = hash ^ Long.MIN_VALUE;
        while (low <= high) {
            long middle = (low + high) >>> 1;
            long found = hashAt(filter, middle) ^ Long.MIN_VALUE;
            if (found < wanted) {
                low = middle + 1;
            } else if (found > wanted) {
                high = middle - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /**
     * Validates the payload's tag and that its length is a whole number of hashes. Called once when the meta file
     * is opened; after it passes, {@link #contains} and {@link #merge} cannot read out of bounds.
     *
     * @param filter the payload, exactly the span the meta file gives it
     * @param file   the file the payload is in, for the error
     * @param offset the payload's offset in {@code file}, for the error
     * @throws CorruptionException if the tag is unknown or the length is not 0 or 1 + 8 n with n &gt;= 1
     */
    public static void check(MemorySegment filter, Path file, long offset) throws CorruptionException {
        String problem = problem(filter);
        if (problem != null) {
            throw new CorruptionException(problem, file, offset);
        }
    }

    /** The number of hashes in a well-formed filter. */
    static long size(MemorySegment filter) {
        return filter.byteSize() == 0 ? 0 : (filter.byteSize() - HASHES) / HASH_BYTES;
    }

    /** The {@code index}-th hash of a well-formed filter. */
    private static long hashAt(MemorySegment filter, long index) {
        return filter.get(Bytes.BE_LONG, HASHES + index * HASH_BYTES);
    }

    private static void requireWellFormed(MemorySegment filter, int index) {
        String problem = problem(filter);
        if (problem != null) {
            throw new IllegalArgumentException("used-key filter " + index + " of the merge: " + problem);
        }
    }

    /** What is wrong with the payload's framing, or {@code null} if nothing. */
    private static String problem(MemorySegment filter) {
        long length = filter.byteSize();
        if (length == 0) {
            return null;
        }
        int tag = Bytes.u8(filter, TAG);
        if (tag != TAG_SORTED_HASHES) {
            return String.format(Locale.ROOT, "used-key filter tag: expected=0x%02x found=0x%02x",
                    TAG_SORTED_HASHES, tag);
        }
        long hashBytes = length - HASHES;
        if (hashBytes == 0 || hashBytes % HASH_BYTES != 0) {
            long expected = HASHES + Math.max(1, hashBytes / HASH_BYTES) * HASH_BYTES;
            return String.format(Locale.ROOT, "used-key filter length: expected=%d (1 + 8 n, n >= 1) found=%d",
                    expected, length);
        }
        return null;
    }

    private static MemorySegment write(long[] sortedDistinct, int count, SegmentAllocator allocator) {
        if (count == 0) {
            return allocator.allocate(0);
        }
        MemorySegment filter = allocator.allocate(HASHES + (long) count * HASH_BYTES);
        filter.set(ValueLayout.JAVA_BYTE, TAG, (byte) TAG_SORTED_HASHES);
        MemorySegment.copy(sortedDistinct, 0, filter, Bytes.BE_LONG, HASHES, count);
        return filter;
    }
}
