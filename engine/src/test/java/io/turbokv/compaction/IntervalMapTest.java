package io.turbokv.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The interval map against a naive reference (one value per point of a small space) and at the space's ends. */
class IntervalMapTest {
    private static final int SPACE = 48;

    /** One operation: add {@code delta} over a range ({@code replace} false) or set it ({@code replace} true). */
    record Op(long min, long max, int delta, boolean replace) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.longs().between(0, SPACE - 1),
                Arbitraries.longs().between(0, 12), Arbitraries.integers().between(1, 9), Arbitraries.of(false, true))
                .as((min, width, delta, replace) -> new Op(min, Math.min(SPACE - 1, min + width), delta, replace));
        return op.list().ofMaxSize(30);
    }

    @Property(tries = 500)
    void matchesTheNaiveReference(@ForAll("ops") List<Op> ops) {
        IntervalMap<Integer> map = new IntervalMap<>();
        Integer[] naive = new Integer[SPACE];
        for (Op op : ops) {
            if (op.replace()) {
                map.replace(op.min(), op.max(), op.delta());
                for (long p = op.min(); p <= op.max(); p++) {
                    naive[(int) p] = op.delta();
                }
            } else {
                map.update(op.min(), op.max(), v -> (v == null ? 0 : v) + op.delta());
                for (long p = op.min(); p <= op.max(); p++) {
                    naive[(int) p] = (naive[(int) p] == null ? 0 : naive[(int) p]) + op.delta();
                }
            }
            Integer[] seen = new Integer[SPACE];
            long[] next = {0};
            map.forEach((min, max, value) -> {
                assertEquals(next[0], min, "pieces adjacent");
                next[0] = max + 1;
                for (long p = min; Long.compareUnsigned(p, max) <= 0 && p < SPACE; p++) {
                    seen[(int) p] = value;
                }
            });
            assertEquals(0, next[0], "pieces cover the space up to 2^64 - 1");
            assertEquals(java.util.Arrays.asList(naive), java.util.Arrays.asList(seen));
            for (int p = 0; p < SPACE; p++) {
                final int point = p;
                boolean expected = naive[p] != null && naive[p] > 4;
                assertEquals(expected, map.anyIntersecting(p, p, v -> v != null && v > 4), "point " + point);
            }
        }
    }

    @Test
    void theWholeUnsignedSpaceSplitsAtItsEnds() {
        IntervalMap<String> map = new IntervalMap<>();
        map.replace(-1L, -1L, "top");
        map.replace(Long.MIN_VALUE, Long.MIN_VALUE, "middle");
        map.update(0, 0, v -> "bottom");
        List<String> pieces = new ArrayList<>();
        map.forEach((min, max, v) -> pieces.add(Long.toUnsignedString(min) + ".." + Long.toUnsignedString(max)
                + "=" + v));
        assertEquals(List.of("0..0=bottom", "1..9223372036854775807=null", "9223372036854775808..9223372036854775808"
                + "=middle", "9223372036854775809..18446744073709551614=null",
                "18446744073709551615..18446744073709551615"
                        + "=top"),
                pieces);
        assertTrue(map.anyIntersecting(Long.MAX_VALUE, -1L, "top"::equals));
        assertFalse(map.anyIntersecting(1, Long.MAX_VALUE, v -> v != null));
    }

    @Test
    void scalingHandlesTheFullSpread() {
        assertEquals(7, HashRange.scaleDown(7, 0, -1L));
        assertEquals(7, HashRange.scaleUp(7, 0, -1L));
        assertEquals(-1L, HashRange.scaleUp(10, 0, 9)); // 10 * 2^64 / 10 saturates
        assertEquals(1L << 62, HashRange.scaleUp(1, 0, 3)); // 2^64 / 4
        assertEquals(Long.divideUnsigned(-1L, 3), HashRange.scaleUp(1, 0, 2)); // floor(2^64 / 3)
        assertEquals(5, HashRange.scaleDown(20, 0, (1L << 62) - 1)); // 20 / 4
        assertEquals(-1L, HashRange.saturatingAddUnsigned(-2L, 5));
    }
}
