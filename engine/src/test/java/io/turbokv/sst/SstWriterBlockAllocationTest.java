package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writing a block allocates nothing on the heap: the block framing, LZ4, the CRC and the file write work on one
 * view per buffer ({@code BlockFraming}, the block builders, {@code SourceView}), and the block offset table is
 * off the heap. Measured as the heap a large SST costs beyond a small one (so the per-file objects cancel out),
 * per block more; what is left is the index's doubling arrays (12 bytes per key block) and the arenas of the
 * off-heap lists' growth. Before: about 600 bytes per block (a slice, two LZ4 buffer views, a CRC object and
 * view, the file's view), then 17.5 with a heap offset table (a doubling {@code int[]} and its encoded copy).
 */
class SstWriterBlockAllocationTest {
    /** Heap bytes per written block beyond the per-file objects. */
    private static final double MAX_BYTES_PER_BLOCK = 2;
    private static final int SMALL_ENTRIES = 2_000;
    private static final int LARGE_ENTRIES = 40_000;

    @TempDir
    Path dir;

    @Test
    void writingBlocksOfCompressible2KibValuesAllocatesNoHeapPerBlock() throws IOException {
        assertPerBlockBound(2048, true);
    }

    @Test
    void writingBlocksOfIncompressible2KibValuesAllocatesNoHeapPerBlock() throws IOException {
        assertPerBlockBound(2048, false);
    }

    @Test
    void writingMediumValueBlocksFromOneSegmentAllocatesNoHeapPerBlock() throws IOException {
        assertPerBlockBound(6000, true);
        assertPerBlockBound(6000, false);
    }

    private void assertPerBlockBound(int valueLength, boolean compressible) throws IOException {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(1 << 20);
            Random random = new Random(11);
            for (long i = 0; i < source.byteSize(); i += 8) {
                // Compressible: a counter that changes every 256 bytes; incompressible: noise.
                source.set(ValueLayout.JAVA_LONG_UNALIGNED, i, compressible ? i >>> 8 : random.nextLong());
            }
            MemorySegment key = arena.allocate(16);
            // Twice, so that the second round runs compiled code; only the second is measured.
            long[] measured = new long[4];
            for (int round = 0; round < 2; round++) {
                for (int size = 0; size < 2; size++) {
                    int entries = size == 0 ? SMALL_ENTRIES : LARGE_ENTRIES;
                    Path file = dir.resolve(String.format(Locale.ROOT, "%08d.sst",
                            valueLength * 10L + (compressible ? 0 : 4) + round * 2 + size + 1));
                    long before = threads.getThreadAllocatedBytes(thread);
                    SstSummary summary = write(file, entries, valueLength, source, key, arena);
                    long allocated = threads.getThreadAllocatedBytes(thread) - before;
                    measured[size * 2] = allocated;
                    measured[size * 2 + 1] = summary.blockCount();
                    checkReadable(file, summary, entries);
                }
            }
            long blocks = measured[3] - measured[1];
            double perBlock = (double) (measured[2] - measured[0]) / blocks;
            String figures = String.format(Locale.ROOT, "%d-byte %s values: %d B for %d blocks, %d B for %d"
                    + " blocks: %.2f B per block", valueLength,
                    compressible ? "compressible" : "incompressible", measured[0], measured[1], measured[2],
                    measured[3], perBlock);
            System.out.println(figures);
            assertTrue(blocks > 5_000, figures);
            assertTrue(perBlock < MAX_BYTES_PER_BLOCK, figures);
        }
    }

    /** Writes {@code entries} values of {@code valueLength} bytes at varying offsets of {@code source}. */
    private static SstSummary write(Path file, int entries, int valueLength, MemorySegment source,
                                    MemorySegment key, Arena filterArena)
            throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(file));
        long hash = 0;
        long span = source.byteSize() - valueLength;
        for (int i = 0; i < entries; i++) {
            hash += 1 + (i * 0x9E3779B9L & 0xFFFFF);
            key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, hash);
            key.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, ~hash);
            writer.addValue(hash, key, 0, key.byteSize(), source, (i * 4099L) % span, valueLength);
        }
        return writer.finish(filterArena);
    }

    private static void checkReadable(Path file, SstSummary summary, int entries) throws IOException {
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             SstEntryIterator it = reader.iterator()) {
            long found = 0;
            while (it.next()) {
                found++;
            }
            assertEquals(entries, found);
        }
    }
}
