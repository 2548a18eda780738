package io.turbokv.bench;

/**
 * A seeded xorshift64* stream of indices below a bound: a few nanoseconds, no allocation, the same sequence for
 * every store. Not thread-safe: one per benchmark thread.
 */
public final class RandomIndex {
    private long state;

    /** A stream starting from {@code seed} (any value; zero is replaced). */
    public RandomIndex(long seed) {
        this.state = seed == 0 ? 0x2545_F491_4F6C_DD1DL : seed;
    }

    /** The next index in {@code [0, bound)}. */
    public int next(int bound) {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        long r = (x * 0x2545_F491_4F6C_DD1DL) >>> 32;
        return (int) ((r * bound) >>> 32);
    }
}
