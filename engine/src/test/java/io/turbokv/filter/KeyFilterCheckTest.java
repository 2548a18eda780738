package io.turbokv.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class KeyFilterCheckTest {
    private static final Path FILE = Path.of("00000042.meta");
    private static final long PAYLOAD_OFFSET = 4096;

    private static MemorySegment smallFilter(Arena arena, int keys) {
        return KeyFilter.build(new SplittableRandom(keys).longs(keys).toArray(), keys, arena);
    }

    private static MemorySegment copy(Arena arena, MemorySegment filter, long length) {
        MemorySegment copy = arena.allocate(length);
        MemorySegment.copy(filter, 0, copy, 0, Math.min(length, filter.byteSize()));
        return copy;
    }

    @Test
    void wrongTagIsReportedWithExpectedFoundFileAndOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = smallFilter(arena, 20);
            filter.set(ValueLayout.JAVA_BYTE, KeyFilter.TAG, (byte) UsedKeyFilter.TAG_SORTED_HASHES);
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> KeyFilter.check(filter, FILE, PAYLOAD_OFFSET));
            assertEquals(FILE, e.file());
            assertEquals(PAYLOAD_OFFSET + KeyFilter.TAG, e.offset());
            assertTrue(e.getMessage().contains("expected=0x01 or 0x03 found=0x02"), e.getMessage());
        }
    }

    @Test
    void aFilterTaggedWithTheOtherFingerprintWidthIsRejectedByItsLength() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment narrow = smallFilter(arena, 20);
            narrow.set(ValueLayout.JAVA_BYTE, KeyFilter.TAG, (byte) KeyFilter.TAG_BINARY_FUSE16);
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> KeyFilter.check(narrow, FILE, PAYLOAD_OFFSET));
            assertTrue(e.getMessage().contains("key filter length"), e.getMessage());

            MemorySegment wide = KeyFilter.build(new SplittableRandom(20).longs(20).toArray(), 20, 16, arena);
            wide.set(ValueLayout.JAVA_BYTE, KeyFilter.TAG, (byte) KeyFilter.TAG_BINARY_FUSE8);
            e = assertThrows(CorruptionException.class, () -> KeyFilter.check(wide, FILE, PAYLOAD_OFFSET));
            assertTrue(e.getMessage().contains("key filter length"), e.getMessage());
        }
    }

    @Test
    void everyTruncationIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            for (int keys : new int[] {0, 1, 20}) {
                MemorySegment filter = smallFilter(arena, keys);
                for (long length = 0; length < filter.byteSize(); length++) {
                    MemorySegment truncated = filter.asSlice(0, length);
                    CorruptionException e = assertThrows(CorruptionException.class,
                            () -> KeyFilter.check(truncated, FILE, PAYLOAD_OFFSET), "length " + length);
                    assertTrue(e.getMessage().contains("found=" + length), e.getMessage());
                }
            }
        }
    }

    @Test
    void trailingBytesAreRejectedWithExpectedAndFoundLength() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = smallFilter(arena, 20);
            MemorySegment longer = copy(arena, filter, filter.byteSize() + 1);
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> KeyFilter.check(longer, FILE, PAYLOAD_OFFSET));
            assertTrue(e.getMessage().contains("expected=" + filter.byteSize() + " found=" + longer.byteSize()),
                    e.getMessage());
        }
    }

    @Test
    void segmentLengthOutOfRangeIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = smallFilter(arena, 20);
            for (int log2 : new int[] {0, 1, KeyFilter.MAX_SEGMENT_LENGTH_LOG2 + 1, 63, 64, 255}) {
                filter.set(ValueLayout.JAVA_BYTE, KeyFilter.SEGMENT_LENGTH_LOG2, (byte) log2);
                CorruptionException e = assertThrows(CorruptionException.class,
                        () -> KeyFilter.check(filter, FILE, PAYLOAD_OFFSET), "log2 " + log2);
                assertEquals(PAYLOAD_OFFSET + KeyFilter.SEGMENT_LENGTH_LOG2, e.offset());
            }
        }
    }

    @Test
    void segmentCountThatDisagreesWithTheLengthIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = smallFilter(arena, 1_000);
            long segmentCount = Bytes.u32(filter, KeyFilter.SEGMENT_COUNT);
            for (long wrong : new long[] {0, segmentCount - 1, segmentCount + 1, 0xFFFF_FFFFL}) {
                filter.set(Bytes.BE_INT, KeyFilter.SEGMENT_COUNT, (int) wrong);
                assertThrows(CorruptionException.class, () -> KeyFilter.check(filter, FILE, PAYLOAD_OFFSET),
                        "segment count " + wrong);
            }
        }
    }

    @Test
    void everyFlippedByteIsRejectedByCheckOrByTheFirstQueryThatReadsItsChunk() throws Exception {
        long[] probes = new SplittableRandom(7).longs(2_000).toArray();
        try (Arena arena = Arena.ofConfined()) {
            // 0 and 1 key: header only or one chunk; 20: one chunk; 5,000: two chunks, the last one shorter
            for (int keys : new int[] {0, 1, 20, 5_000}) {
                MemorySegment filter = smallFilter(arena, keys);
                boolean[] answers = new boolean[probes.length];
                for (int i = 0; i < probes.length; i++) {
                    answers[i] = KeyFilter.mayContain(filter, probes[i]);
                }
                long verifiedEnd = verifiedBitsEnd(filter);
                long step = filter.byteSize() > 1_000 ? 61 : 1;
                for (long at = 0; at < filter.byteSize(); at += step) {
                    for (int flip : new int[] {0x01, 0x80, 0xFF}) {
                        MemorySegment damaged = copy(arena, filter, filter.byteSize());
                        damaged.set(ValueLayout.JAVA_BYTE, at, (byte) (damaged.get(ValueLayout.JAVA_BYTE, at) ^ flip));
                        if (checkRejects(damaged)) {
                            continue;
                        }
                        boolean caught = false;
                        for (int i = 0; i < probes.length && !caught; i++) {
                            try {
                                assertEquals(answers[i], KeyFilter.mayContain(damaged, probes[i]),
                                        "keys " + keys + ", byte " + at + " flipped by " + flip + ", probe " + i);
                            } catch (CorruptionException e) {
                                assertTrue(e.getMessage().contains("crc mismatch"), e.getMessage());
                                caught = true;
                            }
                        }
                        // Verified bits are cleared by check and say nothing of the set: the only bytes left.
                        boolean verifiedBits = at >= KeyFilter.ALL_VERIFIED && at < verifiedEnd;
                        assertTrue(caught || verifiedBits, "keys " + keys + ": byte " + at + " flipped by " + flip
                                + " was neither rejected nor caught by a query");
                    }
                }
            }
        }
    }

    @Test
    void aChunkDamagedAfterCheckIsReportedAtItsFirstQueryWithChunkAndCrcs() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            long[] keys = new SplittableRandom(3).longs(5_000).toArray();
            MemorySegment filter = KeyFilter.build(keys.clone(), keys.length, arena);
            KeyFilter.check(filter, FILE, PAYLOAD_OFFSET);
            long last = filter.byteSize() - 1;
            filter.set(ValueLayout.JAVA_BYTE, last, (byte) (filter.get(ValueLayout.JAVA_BYTE, last) ^ 0x10));
            CorruptionException caught = null;
            for (long key : keys) {
                try {
                    KeyFilter.mayContain(filter, key);
                } catch (CorruptionException e) {
                    caught = e;
                    break;
                }
            }
            assertTrue(caught != null, "no query read the damaged chunk");
            assertTrue(caught.getMessage().contains("key filter chunk 1 crc mismatch: expected=0x"),
                    caught.getMessage());
            // Not mapped from a registered file: no file, the offset within the filter.
            assertEquals(null, caught.file());
            assertEquals(verifiedBitsEnd(filter) + 4 * 2 + KeyFilter.CHUNK_BYTES, caught.offset());
        }
    }

    @Test
    void allVerifiedIsSetOnceEveryChunkWasReadAndClearedByCheck() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            long[] keys = new SplittableRandom(4).longs(5_000).toArray();
            MemorySegment filter = KeyFilter.build(keys.clone(), keys.length, arena);
            assertEquals(0, filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED));
            KeyFilter.mayContain(filter, keys[0]);
            for (long key : keys) {
                assertTrue(KeyFilter.mayContain(filter, key));
            }
            assertEquals(1, filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED));
            KeyFilter.check(filter, FILE, PAYLOAD_OFFSET);
            for (long at = KeyFilter.ALL_VERIFIED; at < verifiedBitsEnd(filter); at++) {
                assertEquals(0, filter.get(ValueLayout.JAVA_BYTE, at), "byte " + at);
            }
        }
    }

    /** The end of the verified bits of a filter built by {@link KeyFilter#build}: where its CRC table starts. */
    private static long verifiedBitsEnd(MemorySegment filter) {
        long length = filter.byteSize();
        if (length == KeyFilter.HEADER_BYTES) {
            return KeyFilter.HEADER_BYTES;
        }
        // chunk count c: length = 19 + ceil(c / 8) + 4c + n, with n the body; found by trying every c
        for (long c = 1; c <= length / KeyFilter.CHUNK_BYTES + 1; c++) {
            long body = length - KeyFilter.VERIFIED_BITS - (c + 7) / 8 - 4 * c;
            if (body >= 0 && (body + KeyFilter.CHUNK_BYTES - 1) / KeyFilter.CHUNK_BYTES == c) {
                return KeyFilter.VERIFIED_BITS + (c + 7) / 8;
            }
        }
        throw new AssertionError("length " + length);
    }

    @Property(tries = 2_000)
    void anyHeaderWithAnyLengthIsRejectedOrQueriesStayInBounds(
                                                               @ForAll @IntRange(min = 0, max = 3) int tagChoice,
                                                               @ForAll long seed,
                                                               @ForAll @IntRange(min = 0,
                                                                       max = 255) int segmentLengthLog2,
                                                               @ForAll @IntRange(min = 0, max = 64) int segmentCount,
                                                               @ForAll @IntRange(min = -3, max = 3) int lengthError,
                                                               @ForAll long bodySeed,
                                                               @ForAll boolean signChunks) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = anyHeaderPayload(arena, tagChoice, seed, segmentLengthLog2, segmentCount,
                    lengthError, bodySeed, signChunks);
            if (!checkRejects(payload)) {
                queryAll(payload, new SplittableRandom(seed).longs(200).toArray());
            }
        }
    }

    /**
     * A payload of random bytes with the given header fields and a length {@code lengthError} off the one its
     * fields give (the layout's 19 + ceil(c / 8) + 4c + body, or the bare header when empty), then signed as a
     * writer would ({@link KeyFilter#sign}: a header CRC that matches whenever the length does, so the query path
     * is reached; chunk CRCs that match too when {@code signChunks}, else random ones, which queries report).
     * Tag choice 0 takes a random tag, 2 16-bit fingerprints (two bytes per slot), 1 and 3 8-bit ones.
     */
    static MemorySegment anyHeaderPayload(Arena arena, int tagChoice, long seed, int segmentLengthLog2,
                                          int segmentCount, int lengthError, long bodySeed, boolean signChunks) {
        long slotBytes = tagChoice == 2 ? 2 : 1;
        long bodyLength = segmentLengthLog2 > 20 ? 64 : ((segmentCount + 2L) << segmentLengthLog2) * slotBytes;
        long chunks = (bodyLength + KeyFilter.CHUNK_BYTES - 1) / KeyFilter.CHUNK_BYTES;
        long exact = segmentCount == 0 ? KeyFilter.HEADER_BYTES
                : KeyFilter.VERIFIED_BITS + (chunks + 7) / 8 + 4 * chunks + bodyLength;
        long length = Math.max(0, exact + lengthError);
        MemorySegment payload = arena.allocate(length);
        byte[] body = new byte[(int) length];
        new SplittableRandom(bodySeed).nextBytes(body);
        MemorySegment.copy(body, 0, payload, ValueLayout.JAVA_BYTE, 0, body.length);
        if (length >= KeyFilter.HEADER_BYTES) {
            int tag = tagChoice == 0 ? body[0]
                    : tagChoice == 2 ? KeyFilter.TAG_BINARY_FUSE16 : KeyFilter.TAG_BINARY_FUSE8;
            payload.set(ValueLayout.JAVA_BYTE, KeyFilter.TAG, (byte) tag);
            payload.set(Bytes.BE_LONG, KeyFilter.SEED, seed);
            payload.set(ValueLayout.JAVA_BYTE, KeyFilter.SEGMENT_LENGTH_LOG2, (byte) segmentLengthLog2);
            payload.set(Bytes.BE_INT, KeyFilter.SEGMENT_COUNT, segmentCount);
        }
        KeyFilter.sign(payload, signChunks);
        return payload;
    }

    private static boolean checkRejects(MemorySegment payload) {
        try {
            KeyFilter.check(payload, FILE, PAYLOAD_OFFSET);
            return false;
        } catch (CorruptionException e) {
            return true;
        }
    }

    /** A damaged chunk may be reported; any other exception, IndexOutOfBoundsException above all, fails the test. */
    private static void queryAll(MemorySegment payload, long[] probes) {
        for (long probe : probes) {
            try {
                KeyFilter.mayContain(payload, probe);
            } catch (CorruptionException e) {
                assertTrue(e.getMessage().contains("crc mismatch"), e.getMessage());
            }
        }
    }
}
