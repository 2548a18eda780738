package io.turbokv.compaction;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A value for every hash of the unsigned 64-bit space, stored as disjoint, adjacent pieces {@code [min, max]} that
 * cover the whole space; {@code null} is the initial value of every hash. {@link #update} and {@link #replace}
 * split pieces at the edges of their range and change only the pieces inside it.
 *
 * <p>Pieces are keyed by their first hash with the sign bit flipped, so that the {@link TreeMap}'s signed order is
 * the unsigned order of hashes. Not thread-safe.
 *
 * @param <V> the value type; values are replaced, never mutated in place
 */
final class IntervalMap<V> {
    /** Visits one piece. */
    interface PieceVisitor<V> {
        /** Called with the piece {@code [min, max]} (unsigned) and its value (may be {@code null}). */
        void visit(long min, long max, V value);
    }

    private final TreeMap<Long, V> pieces = new TreeMap<>();

    IntervalMap() {
        pieces.put(key(0), null);
    }

    private static long key(long hash) {
        return hash ^ Long.MIN_VALUE;
    }

    /** Makes {@code hash} the first hash of a piece, splitting the piece that holds it. */
    private void splitAt(long hash) {
        Map.Entry<Long, V> holder = pieces.floorEntry(key(hash));
        if (holder.getKey() != key(hash)) {
            pieces.put(key(hash), holder.getValue());
        }
    }

    /** The pieces inside {@code [min, max]} after splitting at its edges. */
    private NavigableMap<Long, V> isolate(long min, long max) {
        splitAt(min);
        if (max != -1L) {
            splitAt(max + 1);
        }
        return pieces.subMap(key(min), true, key(max), true);
    }

    /** Replaces the value of every piece inside {@code [min, max]} (unsigned, inclusive) with {@code f(value)}. */
    void update(long min, long max, UnaryOperator<V> f) {
        checkRange(min, max);
        for (Map.Entry<Long, V> piece : isolate(min, max).entrySet()) {
            piece.setValue(f.apply(piece.getValue()));
        }
    }

    /** Sets every hash of {@code [min, max]} to {@code value}, as one piece. */
    void replace(long min, long max, V value) {
        checkRange(min, max);
        isolate(min, max).clear();
        pieces.put(key(min), value);
    }

    /** Whether some piece overlapping {@code [min, max]} has a value that {@code test} accepts. */
    boolean anyIntersecting(long min, long max, Predicate<V> test) {
        checkRange(min, max);
        Long first = pieces.floorKey(key(min));
        for (V value : pieces.subMap(first, true, key(max), true).values()) {
            if (test.test(value)) {
                return true;
            }
        }
        return false;
    }

    /** Visits every piece in ascending order; together they cover the whole space. */
    void forEach(PieceVisitor<V> visitor) {
        Iterator<Map.Entry<Long, V>> it = pieces.entrySet().iterator();
        Map.Entry<Long, V> piece = it.next(); // the piece at hash 0 always exists
        while (piece != null) {
            Map.Entry<Long, V> next = it.hasNext() ? it.next() : null;
            long max = next == null ? -1L : key(next.getKey()) - 1;
            visitor.visit(key(piece.getKey()), max, piece.getValue());
            piece = next;
        }
    }

    /** The number of pieces (for tests). */
    int pieceCount() {
        return pieces.size();
    }

    private static void checkRange(long min, long max) {
        if (Long.compareUnsigned(min, max) > 0) {
            throw new IllegalArgumentException("range " + HashRange.toString(min, max) + ": min above max (unsigned)");
        }
    }
}
