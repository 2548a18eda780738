package io.turbokv.sst;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@link ByteBuffer} view of the caller's memory that an {@link SstWriter} block comes from as it is (a medium
 * value, a raw medium block), kept for the next block from the same segment: an SST's medium values come from a
 * few segments (a batch's entry buffer, the mapping of a compaction input), so the writer makes one view per
 * segment instead of a slice and a view per block. The segment is recognised by identity; a segment over 2 GiB,
 * which has no view of its whole, gets a view of the range each time.
 *
 * <p>The segment is the caller's: it must stay alive while a call that passed it runs, as it must without the
 * cache. The view is only used again for the very same segment object, which its owner may pass only while it is
 * alive, so a kept view never reads released memory; {@link #clear()} (the writer's finish and abandon) drops it,
 * so the writer does not keep the segment reachable after. Not thread-safe; one per writer.
 */
final class SourceView {
    private MemorySegment segment;
    private ByteBuffer view;

    /** {@code source[offset, offset + length)} (checked by the caller) as {@code [position, limit)} of a view. */
    ByteBuffer of(MemorySegment source, long offset, long length) {
        if (source != segment) {
            if (source.byteSize() > Integer.MAX_VALUE) {
                clear();
                return source.asSlice(offset, length).asByteBuffer().order(ByteOrder.nativeOrder());
            }
            segment = source;
            view = source.asByteBuffer().order(ByteOrder.nativeOrder());
        }
        view.limit((int) (offset + length));
        view.position((int) offset);
        return view;
    }

    /** Forgets the segment and its view. */
    void clear() {
        segment = null;
        view = null;
    }
}
