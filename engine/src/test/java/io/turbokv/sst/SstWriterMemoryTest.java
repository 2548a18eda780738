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
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer streams: the heap it allocates is a small fraction of the file it writes. */
class SstWriterMemoryTest {
    @TempDir
    Path dir;

    /** About 2 s on a laptop core, so it runs by default. */
    @Test
    void writingA256MibSstAllocatesLittleHeap() throws IOException {
        writeAndMeasure(256L << 20);
    }

    private void writeAndMeasure(long valueBytes) throws IOException {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment noise = arena.allocate(1 << 20);
            for (long i = 0; i < noise.byteSize(); i += 8) {
                noise.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
            }
            MemorySegment key = arena.allocate(40);
            Path file = dir.resolve("00000001.sst");
            long before = threads.getThreadAllocatedBytes(thread);
            SstWriter writer = new SstWriter(FileLayer.standard().create(file));
            long written = 0;
            long hash = 0;
            while (written < valueBytes) {
                int shape = random.nextInt(100);
                int length = shape < 20 ? random.nextInt(9) : shape < 95 ? 9 + random.nextInt(4088)
                        : 4097 + random.nextInt(200_000);
                key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, hash);
                hash += 1 + random.nextInt(1 << 20);
                writer.addValue(hash, key, noise.asSlice(random.nextInt((1 << 20) - length), length));
                written += length;
            }
            SstSummary summary = writer.finish(arena);
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertTrue(summary.fileSize() > valueBytes);
            // The key hashes and the filter construction are off-heap, and the filter goes to the arena.
            assertTrue(allocated < summary.fileSize() / 20, String.format(
                    "allocated %d bytes for %d keys writing %d bytes", allocated, summary.keyCount(),
                    summary.fileSize()));
            try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
                 SstEntryIterator it = reader.iterator()) {
                long entries = 0;
                while (it.next()) {
                    entries++;
                }
                assertEquals(summary.entryCount(), entries);
            }
        }
    }
}
