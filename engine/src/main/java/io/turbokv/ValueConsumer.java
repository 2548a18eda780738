package io.turbokv;

import java.lang.foreign.MemorySegment;

/**
 * Receives a value without copying it ({@link TurboKV#get(int, MemorySegment, ValueConsumer)},
 * {@link TurboKV#getMultiple(int, MemorySegment, ValueConsumer)}).
 *
 * <p>The segment is a view of a mapped file, of a cached block or of the reader's scratch memory, valid only for
 * the duration of the call: copy what you need to keep. This is the allocation-free path, so the view is not
 * guarded after the call: once the call returns, the memory behind it may be unmapped (access then throws
 * {@link IllegalStateException}) or reused for another block (access then reads bytes that are not this value).
 * Never keep it. For views that stay valid for longer, use a {@link ReadScope}, whose views are guarded: they
 * throw {@link IllegalStateException} once the scope is closed.
 */
@FunctionalInterface
public interface ValueConsumer {
    /**
     * Called once per value found; {@code value} is valid only until this call returns.
     *
     * @param value the value, valid only until this call returns
     */
    void accept(MemorySegment value);
}
