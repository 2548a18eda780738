package io.turbokv.bench;

import io.turbokv.io.FileLayer;
import io.turbokv.io.KeyHash;
import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.SstOptions;
import io.turbokv.sst.SstSummary;
import io.turbokv.sst.SstWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The entries of one SST file in the order {@link SstWriter} requires: ascending unsigned key hash, then unsigned
 * key bytes. Sorting happens once, outside any measurement.
 */
final class SstData {
    private final Dataset data;
    private final long[] hashes;
    private final int[] indices;

    private record Entry(long hash, byte[] key, int index) {}

    SstData(Dataset data) {
        this.data = data;
        int n = data.entries();
        Entry[] entries = new Entry[n];
        for (int i = 0; i < n; i++) {
            byte[] key = data.keys().bytes(i);
            entries[i] = new Entry(KeyHash.hash(key), key, i);
        }
        Arrays.sort(entries, Comparator.<Entry>comparingLong(e -> e.hash ^ Long.MIN_VALUE)
                .thenComparing(Entry::key, Arrays::compareUnsigned));
        this.hashes = new long[n];
        this.indices = new int[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = entries[i].hash;
            indices[i] = entries[i].index;
        }
    }

    /** Writes every entry to a new SST file at {@code path} (replaced), syncs it and returns its summary. */
    SstSummary write(Path path) throws IOException {
        return write(path, SstOptions.DEFAULT);
    }

    /** As {@link #write(Path)}, with the block budgets of {@code options}. */
    SstSummary write(Path path, SstOptions options) throws IOException {
        Files.deleteIfExists(path);
        MemorySegment key = MemorySegment.ofArray(new byte[data.keys().lengthBytes()]);
        SstWriter writer = new SstWriter(FileLayer.standard().create(path), WriteBufferPool.unpooled(), true, false,
                options);
        boolean success = false;
        try {
            for (int i = 0; i < indices.length; i++) {
                data.keys().write(indices[i], key, 0);
                writer.addValue(hashes[i], key, data.value(indices[i]));
            }
            SstSummary summary = writer.finish();
            success = true;
            return summary;
        } finally {
            if (!success) {
                writer.abandon();
            }
        }
    }
}
