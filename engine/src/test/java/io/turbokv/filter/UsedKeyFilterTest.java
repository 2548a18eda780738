package io.turbokv.filter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class UsedKeyFilterTest {
    private static final Path FILE = Path.of("00000009.meta");
    private static final long PAYLOAD_OFFSET = 512;

    /** The reference model: the distinct hashes in unsigned order. */
    private static TreeSet<Long> reference(long[] hashes) {
        TreeSet<Long> set = new TreeSet<>(Long::compareUnsigned);
        for (long hash : hashes) {
            set.add(hash);
        }
        return set;
    }

    private static long[] hashesOf(MemorySegment filter) {
        if (filter.byteSize() == 0) {
            return new long[0];
        }
        long[] hashes = new long[(int) UsedKeyFilter.size(filter)];
        MemorySegment.copy(filter, Bytes.BE_LONG, UsedKeyFilter.HASHES, hashes, 0, hashes.length);
        return hashes;
    }

    private static long[] toArray(TreeSet<Long> set) {
        return set.stream().mapToLong(Long::longValue).toArray();
    }

    /** Hashes with duplicates and both signs, so unsigned order differs from signed order. */
    private static long[] randomHashes(SplittableRandom random, int count) {
        long[] hashes = new long[count];
        for (int i = 0; i < count; i++) {
            hashes[i] = i > 0 && random.nextInt(4) == 0 ? hashes[random.nextInt(i)] : random.nextLong();
        }
        return hashes;
    }

    @Property(tries = 300)
    void buildHoldsExactlyTheDistinctHashesInUnsignedOrder(@ForAll @Size(max = 500) List<Long> values,
                                                           @ForAll long absent)
            throws Exception {
        long[] hashes = values.stream().mapToLong(Long::longValue).toArray();
        long[] input = hashes.clone();
        TreeSet<Long> expected = reference(hashes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(input, input.length, arena);
            UsedKeyFilter.check(filter, FILE, PAYLOAD_OFFSET);
            assertArrayEquals(hashes, input, "build must not reorder its input");
            assertArrayEquals(toArray(expected), hashesOf(filter));
            for (long hash : hashes) {
                assertTrue(UsedKeyFilter.contains(filter, hash));
            }
            assertEquals(expected.contains(absent), UsedKeyFilter.contains(filter, absent));
        }
    }

    @Test
    void containsAgreesWithTheReferenceOnALargeSet() {
        SplittableRandom random = new SplittableRandom(11);
        long[] hashes = randomHashes(random, 200_000);
        TreeSet<Long> expected = reference(hashes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(hashes, hashes.length, arena);
            assertEquals(1 + 8L * expected.size(), filter.byteSize());
            for (int i = 0; i < 200_000; i++) {
                long probe = random.nextBoolean() ? hashes[random.nextInt(hashes.length)] : random.nextLong();
                assertEquals(expected.contains(probe), UsedKeyFilter.contains(filter, probe));
            }
            for (long edge : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
                assertEquals(expected.contains(edge), UsedKeyFilter.contains(filter, edge));
            }
        }
    }

    @Test
    void emptySetIsAZeroLengthSegmentThatContainsNothing() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(new long[] {5, 6}, 0, arena);
            assertEquals(0, filter.byteSize());
            UsedKeyFilter.check(filter, FILE, PAYLOAD_OFFSET);
            assertFalse(UsedKeyFilter.contains(filter, 5));
            assertFalse(UsedKeyFilter.contains(filter, 0));
            assertEquals(0, UsedKeyFilter.merge(List.of(), arena).byteSize());
            assertEquals(0, UsedKeyFilter.merge(List.of(filter, MemorySegment.NULL), arena).byteSize());
        }
    }

    @Test
    void hashesAreStoredBigEndianInUnsignedOrderAfterTheTag() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(new long[] {-1, 0x0102030405060708L}, 2, arena);
            byte[] expected = {0x02, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, -1, -1, -1, -1, -1};
            assertArrayEquals(expected, filter.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void singleHashSetContainsOnlyThatHash() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(new long[] {-7, -7, -7}, 3, arena);
            assertEquals(9, filter.byteSize());
            assertTrue(UsedKeyFilter.contains(filter, -7));
            assertFalse(UsedKeyFilter.contains(filter, 7));
            assertFalse(UsedKeyFilter.contains(filter, -8));
            assertFalse(UsedKeyFilter.contains(filter, -6));
        }
    }

    @Property(tries = 200)
    void mergeHoldsTheUnionOfItsInputs(@ForAll @IntRange(min = 0, max = 12) int inputs,
                                       @ForAll @IntRange(min = 0, max = 400) int maxSize,
                                       @ForAll long seed)
            throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        long[] shared = randomHashes(random, 50);
        TreeSet<Long> union = new TreeSet<>(Long::compareUnsigned);
        try (Arena arena = Arena.ofConfined()) {
            List<MemorySegment> filters = new ArrayList<>();
            for (int i = 0; i < inputs; i++) {
                long[] hashes = randomHashes(random, random.nextInt(maxSize + 1));
                for (int j = 0; j < hashes.length; j++) {
                    if (random.nextInt(3) == 0) {
                        hashes[j] = shared[random.nextInt(shared.length)];
                    }
                }
                union.addAll(reference(hashes));
                filters.add(UsedKeyFilter.build(hashes, hashes.length, arena));
            }
            MemorySegment merged = UsedKeyFilter.merge(filters, arena);
            UsedKeyFilter.check(merged, FILE, PAYLOAD_OFFSET);
            assertArrayEquals(toArray(union), hashesOf(merged));
        }
    }

    @Test
    void mergeRejectsAMalformedInput() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment good = UsedKeyFilter.build(new long[] {1, 2}, 2, arena);
            MemorySegment bad = arena.allocate(10);
            bad.set(ValueLayout.JAVA_BYTE, 0, (byte) UsedKeyFilter.TAG_SORTED_HASHES);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UsedKeyFilter.merge(List.of(good, bad), arena));
            assertTrue(e.getMessage().contains("filter 1"), e.getMessage());
        }
    }

    @Test
    void wrongTagIsReportedWithExpectedFoundFileAndOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(new long[] {1, 2, 3}, 3, arena);
            filter.set(ValueLayout.JAVA_BYTE, UsedKeyFilter.TAG, (byte) KeyFilter.TAG_BINARY_FUSE8);
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> UsedKeyFilter.check(filter, FILE, PAYLOAD_OFFSET));
            assertEquals(FILE, e.file());
            assertEquals(PAYLOAD_OFFSET, e.offset());
            assertTrue(e.getMessage().contains("expected=0x02 found=0x01"), e.getMessage());
        }
    }

    @Test
    void everyTruncationExceptToNothingIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(new long[] {1, 2, 3}, 3, arena);
            for (long length = 1; length < filter.byteSize(); length++) {
                MemorySegment truncated = filter.asSlice(0, length);
                boolean wholeHashes = length > 1 && (length - 1) % 8 == 0;
                if (wholeHashes) {
                    // A cut at a hash boundary is a shorter valid set; the meta file's span and CRC catch it.
                    continue;
                }
                CorruptionException e = assertThrows(CorruptionException.class,
                        () -> UsedKeyFilter.check(truncated, FILE, PAYLOAD_OFFSET), "length " + length);
                assertTrue(e.getMessage().contains("found=" + length), e.getMessage());
            }
        }
    }

    @Test
    void lengthThatIsNotAWholeNumberOfHashesIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            for (int length : new int[] {1, 2, 8, 10, 16, 18}) {
                MemorySegment payload = arena.allocate(length);
                payload.set(ValueLayout.JAVA_BYTE, 0, (byte) UsedKeyFilter.TAG_SORTED_HASHES);
                assertThrows(CorruptionException.class, () -> UsedKeyFilter.check(payload, FILE, PAYLOAD_OFFSET),
                        "length " + length);
            }
        }
    }

    @Test
    void flippingAnyByteIsRejectedOrQueriesAndMergeStayInBounds() {
        long[] probes = new SplittableRandom(12).longs(500).toArray();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = UsedKeyFilter.build(new SplittableRandom(13).longs(6).toArray(), 6, arena);
            for (long at = 0; at < filter.byteSize(); at++) {
                for (int flip : new int[] {0x01, 0x80, 0xFF}) {
                    MemorySegment damaged = arena.allocate(filter.byteSize());
                    MemorySegment.copy(filter, 0, damaged, 0, filter.byteSize());
                    damaged.set(ValueLayout.JAVA_BYTE, at, (byte) (damaged.get(ValueLayout.JAVA_BYTE, at) ^ flip));
                    boolean rejected = checkRejects(damaged);
                    assertEquals(at == UsedKeyFilter.TAG, rejected, "byte " + at);
                    if (!rejected) {
                        queryAndMerge(arena, damaged, filter, probes);
                    }
                }
            }
        }
    }

    @Property(tries = 1_000)
    void anyPayloadIsRejectedOrQueriesAndMergeStayInBounds(@ForAll @IntRange(min = 0, max = 60) int length,
                                                           @ForAll boolean validTag,
                                                           @ForAll long seed) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = new byte[length];
            SplittableRandom random = new SplittableRandom(seed);
            random.nextBytes(bytes);
            if (validTag && length > 0) {
                bytes[0] = (byte) UsedKeyFilter.TAG_SORTED_HASHES;
            }
            MemorySegment payload = arena.allocate(length);
            MemorySegment.copy(bytes, 0, payload, ValueLayout.JAVA_BYTE, 0, length);
            if (!checkRejects(payload)) {
                MemorySegment other = UsedKeyFilter.build(random.longs(5).toArray(), 5, arena);
                queryAndMerge(arena, payload, other, random.longs(100).toArray());
            }
        }
    }

    private static boolean checkRejects(MemorySegment payload) {
        try {
            UsedKeyFilter.check(payload, FILE, PAYLOAD_OFFSET);
            return false;
        } catch (CorruptionException e) {
            return true;
        }
    }

    /** Any exception, IndexOutOfBoundsException above all, fails the test. */
    private static void queryAndMerge(Arena arena, MemorySegment payload, MemorySegment other, long[] probes) {
        for (long probe : probes) {
            UsedKeyFilter.contains(payload, probe);
        }
        UsedKeyFilter.merge(List.of(payload, other, payload), arena);
    }
}
