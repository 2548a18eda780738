package io.turbokv.read;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class LookupsTest {
    @Property
    void sortByHashOrdersIndexesByUnsignedHash(@ForAll long[] hashes) {
        int[] order = new int[hashes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Lookups.sortByHash(order, hashes);
        boolean[] seen = new boolean[hashes.length];
        for (int i = 0; i < order.length; i++) {
            seen[order[i]] = true;
            if (i > 0) {
                assertTrue(Long.compareUnsigned(hashes[order[i - 1]], hashes[order[i]]) <= 0);
            }
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }
}
