package io.turbokv.bench;

import org.openjdk.jmh.infra.Blackhole;

/** A blackhole for the correctness checks that setups run before measuring. */
final class Sinks {
    private Sinks() {}

    /** A blackhole made outside JMH's harness (only for checks, never for measured code). */
    static Blackhole blackhole() {
        return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is "
                + "dangerous.");
    }
}
