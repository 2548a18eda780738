package io.turbokv.filter;

import java.lang.foreign.MemorySegment;

/**
 * Lets tests outside the filter package (the fuzz targets) re-sign a key filter of chosen bytes, so that it passes
 * {@link KeyFilter#check} and reaches the queries: {@link KeyFilter#sign}.
 */
public final class KeyFilterSigning {
    private KeyFilterSigning() {}

    /**
     * Recomputes the header CRC, and first every chunk CRC when {@code chunks} is set, of a payload whose
     * parameters agree with its length; leaves any other payload alone.
     *
     * @param filter the payload, writable
     * @param chunks whether to recompute the chunk CRCs too (then no query reports a damaged chunk)
     */
    public static void sign(MemorySegment filter, boolean chunks) {
        KeyFilter.sign(filter, chunks);
    }
}
