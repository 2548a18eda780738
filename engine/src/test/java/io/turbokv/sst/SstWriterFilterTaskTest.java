package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.filter.KeyFilter;
import io.turbokv.io.FileLayer;
import io.turbokv.io.WriteBufferPool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SstWriter#finish(java.lang.foreign.SegmentAllocator, java.util.concurrent.Executor)}: the key filter built by
 * a task on another thread while the file is synced is the one {@code finish} builds itself, for hash- and
 * key-ordered SSTs, whether a pool thread or the finishing thread (a pool that never runs it) builds it.
 */
class SstWriterFilterTaskTest {
    private static final int KEYS = 20_000;

    @TempDir
    Path dir;

    @Test
    void aFilterBuiltOnAPoolIsTheFilterBuiltInline() throws IOException {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Arena arena = Arena.ofShared()) {
            for (boolean keyOrdered : new boolean[] {false, true}) {
                byte[] inline = write("inline-" + keyOrdered, keyOrdered, arena, null);
                AtomicReference<Thread> builder = new AtomicReference<>();
                byte[] pooled = write("pooled-" + keyOrdered, keyOrdered, arena, task -> pool.execute(() -> {
                    builder.set(Thread.currentThread());
                    task.run();
                }));
                byte[] never = write("never-" + keyOrdered, keyOrdered, arena, task -> {});
                assertArrayEquals(inline, pooled);
                assertArrayEquals(inline, never);
                assertNotEquals(Thread.currentThread(), builder.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Writes {@value #KEYS} keys, two values for every tenth, and returns the SST's key filter. */
    private byte[] write(String name, boolean keyOrdered, Arena arena, Executor filterBuilder)
            throws IOException {
        SstWriter writer = new SstWriter(FileLayer.standard().create(dir.resolve(name + ".sst")),
                WriteBufferPool.unpooled(), true, keyOrdered);
        MemorySegment key = arena.allocate(8);
        MemorySegment value = arena.allocate(100);
        for (int i = 0; i < KEYS; i++) {
            // hash order: hashes ascend; key order: keys ascend (big-endian i) while the hashes do not
            long hash = keyOrdered ? Long.reverse(i) * 31 : i * 1_000_003L;
            key.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0, i);
            writer.addValue(hash, key, value);
            if (i % 10 == 0) {
                writer.addValue(hash, key, value.asSlice(0, 50));
            }
        }
        SstSummary summary = filterBuilder == null ? writer.finish(arena) : writer.finish(arena, filterBuilder);
        for (int i = 0; i < KEYS; i += 97) {
            long hash = keyOrdered ? Long.reverse(i) * 31 : i * 1_000_003L;
            assertTrue(KeyFilter.mayContain(summary.keyFilter(), hash), name + " key " + i);
        }
        return summary.keyFilter().toArray(ValueLayout.JAVA_BYTE);
    }
}
