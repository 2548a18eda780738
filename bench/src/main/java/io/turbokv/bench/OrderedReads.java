package io.turbokv.bench;

import org.openjdk.jmh.infra.Blackhole;

/**
 * Reads in key order, by stores that keep one: TurboKV's key-ordered family (cursors), RocksDB (iterators) and LMDB
 * (cursors). Each call reads in a snapshot of its own, as the point reads do.
 */
public interface OrderedReads {
    /**
     * Visits up to {@code count} entries in ascending key order, from key {@code index} (inclusive) upwards; each
     * value goes to the blackhole.
     *
     * @param index     the key to start at (present or not)
     * @param count     the most entries to visit
     * @param blackhole receives the values
     * @return how many entries were visited
     * @throws Exception when the store fails
     */
    int range(long index, int count, Blackhole blackhole) throws Exception;

    /**
     * Visits every entry once in ascending key order; each value goes to the blackhole.
     *
     * @param blackhole receives the values
     * @return how many entries were visited
     * @throws Exception when the store fails
     */
    long scanInKeyOrder(Blackhole blackhole) throws Exception;
}
