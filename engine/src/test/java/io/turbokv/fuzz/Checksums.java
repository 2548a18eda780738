package io.turbokv.fuzz;

import io.turbokv.meta.MetaFileSigning;
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
     * Re-signs each entry's key filter (its header CRC, and its chunk CRCs too when {@code chunks} is set), then
     * the meta file's CRC-32 trailer, as {@code MetaFile} computes it ({@link MetaFileSigning#sign}).
     */
    static void signMeta(byte[] file, boolean chunks) {
        MetaFileSigning.sign(file, chunks);
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
