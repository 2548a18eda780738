package io.turbokv;

import java.lang.foreign.MemorySegment;

/**
 * Receives a value without copying it. The segment is a view of mapped or cached memory, valid only for the
 * duration of the call: copy what you need to keep. Reading it after the call returns throws
 * {@link IllegalStateException}.
 */
@FunctionalInterface
public interface ValueConsumer {
    /** Called once per value found. */
    void accept(MemorySegment value);
}
