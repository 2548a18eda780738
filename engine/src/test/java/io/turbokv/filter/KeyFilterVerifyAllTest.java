package io.turbokv.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link KeyFilter#verifyAll} finds a damaged chunk wherever it is, without a query reading it. */
class KeyFilterVerifyAllTest {
    private static final Path FILE = Path.of("00000007.meta");

    /** Key counts from the empty filter through one chunk to many, for each fingerprint width. */
    @ParameterizedTest
    @CsvSource({"0, 8", "1, 8", "100, 8", "3000, 8", "40000, 8", "0, 16", "1, 16", "1500, 16", "40000, 16"})
    void anIntactFilterVerifiesWholeAndIsMarkedAllVerified(int keys, int bits) throws CorruptionException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = build(arena, keys, bits);
            KeyFilter.check(filter, FILE, 0);
            KeyFilter.verifyAll(filter);
            if (keys > 0) {
                assertEquals(1, filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"100, 8", "40000, 8", "1500, 16", "40000, 16"})
    void aFlipInAnyChunkIsReportedWithItsOffset(int keys, int bits) throws CorruptionException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment good = build(arena, keys, bits);
            long body = KeyFilter.fingerprintCount(Byte.toUnsignedInt(good.get(ValueLayout.JAVA_BYTE,
                    KeyFilter.SEGMENT_LENGTH_LOG2)), good.get(io.turbokv.io.Bytes.BE_INT, KeyFilter.SEGMENT_COUNT))
                    * (bits / 8L);
            long fingerprints = good.byteSize() - body;
            for (long at = fingerprints; at < good.byteSize(); at += KeyFilter.CHUNK_BYTES - 1) {
                MemorySegment filter = arena.allocate(good.byteSize());
                MemorySegment.copy(good, 0, filter, 0, good.byteSize());
                KeyFilter.check(filter, FILE, 0);
                filter.set(ValueLayout.JAVA_BYTE, at, (byte) (filter.get(ValueLayout.JAVA_BYTE, at) ^ 0x10));
                CorruptionException e = assertThrows(CorruptionException.class, () -> KeyFilter.verifyAll(filter));
                long chunkStart = fingerprints + (at - fingerprints) / KeyFilter.CHUNK_BYTES * KeyFilter.CHUNK_BYTES;
                assertTrue(e.getMessage().contains("key filter chunk"), e::getMessage);
                assertEquals(chunkStart, e.offset(), e::getMessage);
                assertEquals(0, filter.get(ValueLayout.JAVA_BYTE, KeyFilter.ALL_VERIFIED));
            }
        }
    }

    private static MemorySegment build(Arena arena, int keys, int bits) {
        long[] hashes = new SplittableRandom(keys * 31L + bits).longs(keys).toArray();
        return KeyFilter.build(hashes, keys, bits, arena);
    }
}
