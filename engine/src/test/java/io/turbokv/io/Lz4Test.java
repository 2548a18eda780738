package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Lz4Test {
    @Test
    void jniCodecLoadsUnderJdkFlags() {
        assertTrue(Lz4.implementation().contains("JNI"), Lz4.implementation());
    }

    @Test
    void roundTripsBetweenHeapAndNativeSegments() throws CorruptionException {
        byte[] input = new byte[10_000];
        Arrays.fill(input, 0, 5_000, (byte) 7);
        for (int i = 5_000; i < input.length; i++) {
            input[i] = (byte) (i * 13);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment compressed = arena.allocate(Lz4.maxCompressedLength(input.length));
            int length = Lz4.compress(MemorySegment.ofArray(input), compressed);
            assertTrue(length < input.length);
            MemorySegment output = arena.allocate(input.length);
            Lz4.decompress(compressed.asSlice(0, length), output, Path.of("x.sst"), 0);
            assertArrayEquals(input, output.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void damagedInputIsACorruptionNamingFileAndOffset() {
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xF0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment output = arena.allocate(1000);
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> Lz4.decompress(MemorySegment.ofArray(garbage), output, Path.of("7.sst"), 96));
            assertEquals(96, e.offset());
            assertTrue(e.getMessage().contains("file=7.sst"), e.getMessage());
        }
    }
}
