package io.turbokv.meta;

import io.turbokv.filter.KeyFilterSigning;
import io.turbokv.io.Bytes;
import java.lang.foreign.MemorySegment;

/**
 * Lets tests outside the meta package (the fuzz targets) re-sign a meta file of chosen bytes with {@code MetaFile}'s
 * own trailer computation, so that its bytes reach the checks behind the trailer.
 */
public final class MetaFileSigning {
    private MetaFileSigning() {}

    /**
     * Re-signs each entry's key filter ({@link KeyFilterSigning#sign}: its header CRC, and its chunk CRCs too when
     * {@code chunks} is set), then sets the CRC-32 trailer (the last 4 bytes) as {@link MetaFile#trailerCrc}
     * computes it. Spans are found as {@code MetaFile} finds them; a filter span outside the region is left alone.
     *
     * @param file   the whole file, changed in place; shorter than a trailer is left alone
     * @param chunks whether to recompute the key filters' chunk CRCs too
     */
    public static void sign(byte[] file, boolean chunks) {
        if (file.length < MetaFile.TRAILER_SIZE) {
            return;
        }
        MemorySegment bytes = MemorySegment.ofArray(file);
        long trailer = file.length - MetaFile.TRAILER_SIZE;
        signKeyFilters(bytes, trailer, chunks);
        bytes.set(Bytes.BE_INT, trailer, MetaFile.trailerCrc(bytes, trailer));
    }

    private static void signKeyFilters(MemorySegment file, long trailer, boolean chunks) {
        if (trailer < MetaFile.OBSOLETE_LIST_OFFSET) {
            return;
        }
        long headersStart = MetaFile.OBSOLETE_LIST_OFFSET
                + MetaFile.OBSOLETE_SEQ_SIZE * Bytes.u32(file, MetaFile.OBSOLETE_COUNT_OFFSET) + MetaFile.COUNT_SIZE;
        if (headersStart > trailer) {
            return;
        }
        long count = Bytes.u32(file, headersStart - MetaFile.COUNT_SIZE);
        long regionStart = headersStart + MetaFile.ENTRY_SIZE * count + MetaFile.USED_KEY_FILTER_END_SIZE;
        if (regionStart > trailer) {
            return;
        }
        long filterStart = 0;
        for (long i = 0; i < count; i++) {
            long filterEnd = Bytes.u32(file, headersStart + MetaFile.ENTRY_SIZE * i + MetaFile.ENTRY_FILTER_END);
            if (filterStart <= filterEnd && filterEnd <= trailer - regionStart) {
                KeyFilterSigning.sign(file.asSlice(regionStart + filterStart, filterEnd - filterStart), chunks);
                filterStart = filterEnd;
            }
        }
    }
}
