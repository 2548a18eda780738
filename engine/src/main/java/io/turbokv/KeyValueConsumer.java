package io.turbokv;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Receives the entries of a scan ({@link TurboKV#forEach}). Both segments are views valid only for the duration
 * of the call: copy what you need to keep.
 */
@FunctionalInterface
public interface KeyValueConsumer {
    /**
     * One live value of {@code key}; in a multi-valued family, called once per value.
     *
     * @param key   the key, valid only until this call returns
     * @param value the value, valid only until this call returns
     * @throws IOException to stop the scan with this failure
     */
    void accept(MemorySegment key, MemorySegment value) throws IOException;
}
