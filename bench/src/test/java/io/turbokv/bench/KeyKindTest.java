package io.turbokv.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The benchmark data is what the tables say it is; no store is opened here. */
class KeyKindTest {
    @Test
    void intKeysAreBigEndianIndicesSoSequentialOrderIsSortedOrder() {
        assertArrayEquals(new byte[] {0, 0, 1, 2}, KeyKind.INT_SEQ.bytes(0x0102));
        int[] order = KeyKind.INT_SEQ.writeOrder(1000);
        for (int i = 1; i < order.length; i++) {
            assertTrue(Arrays.compareUnsigned(KeyKind.INT_SEQ.bytes(order[i - 1]), KeyKind.INT_SEQ.bytes(order[i]))
                    < 0);
        }
    }

    @Test
    void shuffledWriteOrderIsAFixedPermutation() {
        int[] order = KeyKind.INT_RND.writeOrder(10_000);
        assertArrayEquals(order, KeyKind.INT_RND.writeOrder(10_000));
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertTrue(!Arrays.equals(order, sorted));
    }

    @Test
    void sixteenByteKeysOfPresentAndAbsentIndicesAreAllDistinct() {
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] key = KeyKind.BYTES16.bytes(i);
            assertEquals(16, key.length);
            assertTrue(seen.add(ByteBuffer.wrap(key)), "duplicate key at index " + i);
        }
    }

    @Test
    void unknownLabelNamesTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyKind.of("int"));
        assertTrue(e.getMessage().contains("int-seq, int-rnd or bytes16"), e.getMessage());
    }

    @Test
    void randomIndicesStayBelowTheBoundAndCoverIt() {
        RandomIndex random = new RandomIndex(1);
        boolean[] hit = new boolean[100];
        for (int i = 0; i < 10_000; i++) {
            int index = random.next(100);
            assertTrue(index >= 0 && index < 100, "index " + index);
            hit[index] = true;
        }
        for (int i = 0; i < hit.length; i++) {
            assertTrue(hit[i], "index " + i + " never drawn");
        }
    }
}
