package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.openhft.hashing.LongHashFunction;
import org.junit.jupiter.api.Test;

class KeyHashTest {
    @Test
    void emptyKeyHashesToTheXxh64TestVector() {
        assertEquals(0xEF46DB3751D8E999L, KeyHash.hash(new byte[0]));
    }

    @Test
    void compositeKeyHashesAsItsConcatenation() {
        byte[] whole = {1, 2, 3, 4};
        byte[] framed = {9, 1, 2, 3, 4, 9};
        assertEquals(KeyHash.hash(whole), KeyHash.hash(framed, 1, 4));
    }

    @Test
    void knownStringHashesMatchReferenceXxh64() {
        // XXH64("abc", seed 0), from the xxHash reference implementation's test vectors.
        assertEquals(0x44BC2CF5AD770999L, KeyHash.hash("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void heapAndNativeSegmentsAndTheLibraryAgreeForEveryLength() {
        Random random = new Random(42);
        try (Arena arena = Arena.ofConfined()) {
            for (int length = 0; length < 300; length++) {
                byte[] key = new byte[length];
                random.nextBytes(key);
                MemorySegment offHeap = arena.allocate(length + 3).asSlice(3, length);
                MemorySegment.copy(key, 0, offHeap, ValueLayout.JAVA_BYTE, 0, length);
                long expected = LongHashFunction.xx(0).hashBytes(key);
                assertEquals(expected, KeyHash.hash(key), "heap, length " + length);
                assertEquals(expected, KeyHash.hash(offHeap), "native, length " + length);
            }
        }
    }

    @Test
    void keyInAClosedArenaThrowsInsteadOfCrashing() {
        MemorySegment key;
        try (Arena arena = Arena.ofConfined()) {
            key = arena.allocate(64);
        }
        MemorySegment closed = key;
        assertThrows(IllegalStateException.class, () -> KeyHash.hash(closed));
    }
}
