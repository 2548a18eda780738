package io.turbokv.meta;

import io.turbokv.io.Bytes;
import io.turbokv.io.StoreDirectory;
import io.turbokv.io.StoreFileNames;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes a meta file in the layout documented on {@link MetaFile}. Meta files are small (entry headers and
 * filters), so the whole file is built in one off-heap buffer and written with a single call.
 */
public final class MetaFileWriter {
    private MetaFileWriter() {}

    /**
     * Creates meta file {@code seq} of a store: writes it ({@link #write}), syncs it, and opens it, so that what a
     * commit publishes is what was read back and verified.
     *
     * @param store         the store's directory and the layer its writes go through
     * @param seq           the meta file's sequence number
     * @param family        the family the meta file belongs to
     * @param obsoleteSsts  the SSTs the commit makes obsolete
     * @param entries       the new SSTs the meta file lists
     * @param usedKeyFilter the hashes of keys read since the family's last commit
     * @return the meta file, open and verified
     * @throws IOException when writing, syncing or reading it back fails; the file may then exist (the caller's
     *                     rollback deletes it with the rest of the operation)
     */
    public static MetaFile create(StoreDirectory store, int seq, int family, int[] obsoleteSsts,
                                  List<MetaEntry> entries, MemorySegment usedKeyFilter)
            throws IOException {
        Path path = store.path(StoreFileNames.Kind.META, seq);
        try (WritableFile out = store.files().create(path)) {
            write(out, family, obsoleteSsts, entries, usedKeyFilter);
            out.sync();
        }
        return MetaFile.open(path, seq, store.metaCopies());
    }

    /**
     * Writes a complete meta file to {@code out}; does not sync or close it.
     *
     * @param out           the new, empty file
     * @param family        the family index, not negative
     * @param obsoleteSsts  the SSTs this file makes obsolete, strictly ascending (as unsigned u32)
     * @param entries       the SSTs this file adds, in the order readers will see them
     * @param usedKeyFilter the family's used-key filter, opaque bytes; empty when no key was read
     * @throws IllegalArgumentException when {@code family} is negative, {@code obsoleteSsts} is not strictly
     *                                  ascending, or the file would exceed 2 GiB - 1 bytes
     * @throws IOException              when writing fails
     */
    public static void write(WritableFile out, int family, int[] obsoleteSsts, List<MetaEntry> entries,
                             MemorySegment usedKeyFilter)
            throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(usedKeyFilter, "usedKeyFilter");
        if (family < 0) {
            throw new IllegalArgumentException("family: " + family + " (expected: >= 0)");
        }
        for (int i = 1; i < obsoleteSsts.length; i++) {
            if (Integer.compareUnsigned(obsoleteSsts[i - 1], obsoleteSsts[i]) >= 0) {
                throw new IllegalArgumentException("obsoleteSsts not strictly ascending at index " + i + ": "
                        + Integer.toUnsignedString(obsoleteSsts[i - 1]) + ", "
                        + Integer.toUnsignedString(obsoleteSsts[i]));
            }
        }
        long regionStart = MetaFile.OBSOLETE_LIST_OFFSET + MetaFile.OBSOLETE_SEQ_SIZE * obsoleteSsts.length
                + MetaFile.COUNT_SIZE + MetaFile.ENTRY_SIZE * entries.size() + MetaFile.USED_KEY_FILTER_END_SIZE;
        long regionLength = usedKeyFilter.byteSize();
        long keyRegionLength = 0;
        for (MetaEntry entry : entries) {
            regionLength += entry.filter().byteSize();
            if (entry.keyRange() != null) {
                keyRegionLength += entry.keyRange().min().length + entry.keyRange().max().length;
            }
        }
        long fileLength = regionStart + regionLength + keyRegionLength + MetaFile.TRAILER_SIZE;
        if (fileLength > MetaFile.MAX_FILE_SIZE) {
            throw new IllegalArgumentException("meta file would be " + fileLength + " bytes (expected: <= "
                    + MetaFile.MAX_FILE_SIZE + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment file = arena.allocate(fileLength);
            file.set(Bytes.BE_INT, MetaFile.MAGIC_OFFSET, MetaFile.MAGIC);
            file.set(ValueLayout.JAVA_BYTE, MetaFile.VERSION_OFFSET, (byte) MetaFile.FORMAT_VERSION);
            file.set(ValueLayout.JAVA_BYTE, MetaFile.CODEC_OFFSET, (byte) MetaFile.CODEC_LZ4);
            file.set(Bytes.BE_INT, MetaFile.FAMILY_OFFSET, family);
            file.set(Bytes.BE_INT, MetaFile.OBSOLETE_COUNT_OFFSET, obsoleteSsts.length);
            long position = MetaFile.OBSOLETE_LIST_OFFSET;
            for (int seq : obsoleteSsts) {
                file.set(Bytes.BE_INT, position, seq);
                position += MetaFile.OBSOLETE_SEQ_SIZE;
            }
            file.set(Bytes.BE_INT, position, entries.size());
            position += MetaFile.COUNT_SIZE;
            long filterEnd = 0;
            long keyRegionStart = regionStart + regionLength;
            long keyEnd = 0;
            for (MetaEntry entry : entries) {
                MemorySegment.copy(entry.filter(), 0, file, regionStart + filterEnd, entry.filter().byteSize());
                filterEnd += entry.filter().byteSize();
                writeEntry(file, position, entry, filterEnd);
                MetaEntry.KeyRange range = entry.keyRange();
                long minKeyEnd = keyEnd;
                if (range != null) {
                    file.set(Bytes.BE_INT, position + MetaFile.ENTRY_FLAGS, entry.flags() | MetaFile.KEY_RANGE_FLAG);
                    MemorySegment.copy(MemorySegment.ofArray(range.min()), 0, file, keyRegionStart + keyEnd,
                            range.min().length);
                    minKeyEnd = keyEnd + range.min().length;
                    MemorySegment.copy(MemorySegment.ofArray(range.max()), 0, file, keyRegionStart + minKeyEnd,
                            range.max().length);
                    keyEnd = minKeyEnd + range.max().length;
                }
                file.set(Bytes.BE_INT, position + MetaFile.ENTRY_MIN_KEY_END, (int) minKeyEnd);
                file.set(Bytes.BE_INT, position + MetaFile.ENTRY_MAX_KEY_END, (int) keyEnd);
                position += MetaFile.ENTRY_SIZE;
            }
            MemorySegment.copy(usedKeyFilter, 0, file, regionStart + filterEnd, usedKeyFilter.byteSize());
            file.set(Bytes.BE_INT, position, (int) regionLength);
            long trailer = fileLength - MetaFile.TRAILER_SIZE;
            file.set(Bytes.BE_INT, trailer,
                    MetaFile.checksum(file, regionStart, regionStart + filterEnd, trailer));
            out.write(file);
        }
    }

    private static void writeEntry(MemorySegment file, long at, MetaEntry entry, long filterEnd) {
        file.set(Bytes.BE_INT, at + MetaFile.ENTRY_SST_SEQ, entry.sstSeq());
        file.set(Bytes.BE_SHORT, at + MetaFile.ENTRY_BLOCK_COUNT, (short) entry.blockCount());
        file.set(Bytes.BE_LONG, at + MetaFile.ENTRY_MIN_HASH, entry.minHash());
        file.set(Bytes.BE_LONG, at + MetaFile.ENTRY_MAX_HASH, entry.maxHash());
        file.set(Bytes.BE_LONG, at + MetaFile.ENTRY_SST_SIZE, entry.sstSize());
        file.set(Bytes.BE_INT, at + MetaFile.ENTRY_FLAGS, entry.flags());
        file.set(Bytes.BE_LONG, at + MetaFile.ENTRY_ENTRY_COUNT, entry.entryCount());
        file.set(Bytes.BE_INT, at + MetaFile.ENTRY_FILTER_END, (int) filterEnd);
    }
}
