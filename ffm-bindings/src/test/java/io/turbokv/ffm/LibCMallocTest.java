package io.turbokv.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LibC#malloc}: memory of the requested size, owned by its arena, unreachable once the arena closes. */
class LibCMallocTest {
    @Test
    void mallocIsLinkedWhereNativeAccessIsGranted() {
        assertTrue(LibC.isNativeAccessEnabled(), "the tests run with --enable-native-access (jdk-flags.txt)");
        assertTrue(LibC.isMallocAvailable());
    }

    @Test
    void memoryHasTheRequestedSizeAndAlignmentAndHoldsWhatIsWritten() {
        try (Arena arena = Arena.ofShared()) {
            for (long size : new long[] {1, 17, 4096, 1 << 20, (8 << 20) + 3}) {
                MemorySegment memory = LibC.malloc(size, arena);
                assertEquals(size, memory.byteSize());
                assertEquals(0, memory.address() % 16, "malloc aligns to 16 bytes");
                memory.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 2);
                memory.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
                assertEquals(1, memory.get(ValueLayout.JAVA_BYTE, 0));
                assertEquals(size == 1 ? 1 : 2, memory.get(ValueLayout.JAVA_BYTE, size - 1));
                assertThrows(IndexOutOfBoundsException.class, () -> memory.get(ValueLayout.JAVA_BYTE, size));
            }
        }
    }

    @Test
    void aUseAfterTheArenaClosedThrowsInsteadOfTouchingFreedMemory() {
        List<MemorySegment> freed = new ArrayList<>();
        Arena arena = Arena.ofShared();
        for (int i = 0; i < 100; i++) {
            freed.add(LibC.malloc(64 << 10, arena));
        }
        arena.close();
        for (MemorySegment memory : freed) {
            assertFalse(memory.scope().isAlive());
            assertThrows(IllegalStateException.class, () -> memory.set(ValueLayout.JAVA_LONG, 0, 7L));
        }
    }

    @Test
    void sizeBelowOneIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> LibC.malloc(0, arena));
        }
    }
}
