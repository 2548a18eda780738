package io.turbokv.fuzz;

import io.turbokv.filter.KeyFilterSigning;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Recomputes the checksum of a fuzzed meta, blob or control file in place, so that the fuzzer's bytes reach the
 * checks behind it (a fuzzer rarely guesses a CRC-32). The layouts are the ones {@code MetaFile}, {@code BlobFile},
 * {@code CurrentFile}, {@code DeletionFile} and {@code SchemaFile} document.
 */
final class Checksums {
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int TRAILER = 4;
    private static final int BLOB_LENGTH = 4;
    private static final int BLOB_HEADER = 8;

    private Checksums() {}

    /**
     * Re-signs each entry's key filter ({@link KeyFilterSigning#sign}: its header CRC, and its chunk CRCs too when
     * {@code chunks} is set), then sets the meta file's CRC-32 trailer (its last 4 bytes) to the CRC-32 of every
     * byte before it but the key filters' span. The spans are found as {@code MetaFile} finds them (from the
     * obsolete count at 10, the entry count after the obsolete list, and each 54-byte entry's filter end at +42); a
     * span outside the file is taken as empty, a filter span outside the region is left alone.
     */
    static void signMeta(byte[] file, boolean chunks) {
        if (file.length < TRAILER) {
            return;
        }
        long trailer = file.length - TRAILER;
        long start = trailer;
        long end = trailer;
        if (trailer >= 14) {
            long headersStart = 14 + 4 * u32(file, 10) + 4;
            if (headersStart <= trailer) {
                long count = u32(file, headersStart - 4);
                long regionStart = headersStart + 54 * count + 4;
                if (count > 0 && regionStart <= trailer) {
                    long filtersEnd = u32(file, regionStart - 4 - 54 + 42);
                    if (filtersEnd <= trailer - regionStart) {
                        start = regionStart;
                        end = regionStart + filtersEnd;
                        signKeyFilters(file, headersStart, count, regionStart, filtersEnd, chunks);
                    }
                }
            }
        }
        CRC32 crc = new CRC32();
        crc.update(file, 0, (int) start);
        crc.update(file, (int) end, (int) (trailer - end));
        MemorySegment.ofArray(file).set(BE_INT, trailer, (int) crc.getValue());
    }

    private static void signKeyFilters(byte[] file, long headersStart, long count, long regionStart, long filtersEnd,
                                       boolean chunks) {
        MemorySegment bytes = MemorySegment.ofArray(file);
        long filterStart = 0;
        for (long i = 0; i < count; i++) {
            long filterEnd = u32(file, headersStart + 54 * i + 42);
            if (filterStart <= filterEnd && filterEnd <= filtersEnd) {
                KeyFilterSigning.sign(bytes.asSlice(regionStart + filterStart, filterEnd - filterStart), chunks);
                filterStart = filterEnd;
            }
        }
    }

    private static long u32(byte[] file, long offset) {
        return Integer.toUnsignedLong(MemorySegment.ofArray(file).get(BE_INT, offset));
    }

    /**
     * Sets the CRC-32 trailer (the last 4 bytes) of a {@code CURRENT}, {@code .del} or {@code SCHEMA} file to the
     * CRC-32 of every byte before it.
     */
    static void signControlFile(byte[] file) {
        signTrailer(file);
    }

    private static void signTrailer(byte[] file) {
        if (file.length < TRAILER) {
            return;
        }
        CRC32 crc = new CRC32();
        crc.update(file, 0, file.length - TRAILER);
        MemorySegment.ofArray(file).set(BE_INT, file.length - TRAILER, (int) crc.getValue());
    }

    /** Sets the blob file's CRC-32 (bytes 4..8) to the CRC-32 of its length word and body. */
    static void signBlob(byte[] file) {
        if (file.length < BLOB_HEADER) {
            return;
        }
        CRC32 crc = new CRC32();
        crc.update(file, 0, BLOB_LENGTH);
        crc.update(file, BLOB_HEADER, file.length - BLOB_HEADER);
        MemorySegment.ofArray(file).set(BE_INT, BLOB_LENGTH, (int) crc.getValue());
    }
}
