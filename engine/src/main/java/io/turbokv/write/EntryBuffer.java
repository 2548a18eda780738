package io.turbokv.write;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The entries of a write batch bound for one SST: the {@link EntryChunk}s its stripes filled, in the order they
 * were handed over. Appending a chunk appends a reference; records stay where their stripe wrote them.
 *
 * <p>A record is named by a <em>ref</em>: {@code chunk index << 32 | offset in the chunk}. Refs of one key are
 * in the order of its writes: all writes of a key go through one stripe, which hands its chunks over in order,
 * and within a chunk a later record has the larger offset.
 *
 * <p>Owns its chunks ({@link #close()} returns them all), which come from one batch's {@link BatchMemory}; its
 * {@link EntrySorter} borrows its scratch there too. Not thread-safe: one thread appends at a time (the
 * family's lock), then one thread sorts and spills it.
 */
final class EntryBuffer implements AutoCloseable {
    private final BatchMemory batchMemory;
    private EntryChunk[] chunks = new EntryChunk[8];
    /** The chunks' memory, by chunk index (what the spill reads, without a call per record). */
    private MemorySegment[] segments = new MemorySegment[8];
    private int chunkCount;
    private int count;
    private long dataBytes;

    /** An empty buffer for chunks of {@code batchMemory}. */
    EntryBuffer(BatchMemory batchMemory) {
        this.batchMemory = batchMemory;
    }

    /** {@return the batch's memory, which lent the chunks} */
    BatchMemory batchMemory() {
        return batchMemory;
    }

    /** Appends {@code chunk}, taking ownership of it. */
    void add(EntryChunk chunk) {
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
            segments = Arrays.copyOf(segments, chunkCount * 2);
        }
        chunks[chunkCount] = chunk;
        segments[chunkCount++] = chunk.segment();
        count += chunk.count();
        dataBytes += chunk.dataBytes();
    }

    int count() {
        return count;
    }

    /** Key and value bytes held (the spill threshold counts these, as the Rust collector does). */
    long dataBytes() {
        return dataBytes;
    }

    int chunkCount() {
        return chunkCount;
    }

    EntryChunk chunk(int index) {
        return chunks[index];
    }

    /** {@return the memory of the chunk holding record {@code ref}} */
    MemorySegment memory(long ref) {
        return segments[(int) (ref >>> 32)];
    }

    /** {@return where record {@code ref} starts in its chunk's {@link #memory}} */
    static long offset(long ref) {
        return ref & 0xFFFF_FFFFL;
    }

    static long ref(int chunk, long offset) {
        return (long) chunk << 32 | offset;
    }

    int keyLength(long ref) {
        return memory(ref).get(JAVA_INT_UNALIGNED, offset(ref) + EntryChunk.KEY_LENGTH);
    }

    int valueLengthOrSeq(long ref) {
        return memory(ref).get(JAVA_INT_UNALIGNED, offset(ref) + EntryChunk.VALUE_LENGTH);
    }

    EntryKind kind(long ref) {
        return EntryKind.ofCode(memory(ref).get(JAVA_BYTE, offset(ref) + EntryChunk.KIND));
    }

    /** {@return where the key of record {@code ref} starts in its chunk's {@link #memory}} */
    static long keyOffset(long ref) {
        return offset(ref) + EntryChunk.HEADER;
    }

    /** Returns every chunk to the pool. Idempotent. */
    @Override
    public void close() {
        for (int i = 0; i < chunkCount; i++) {
            chunks[i].close();
            chunks[i] = null;
            segments[i] = null;
        }
        chunkCount = 0;
        count = 0;
        dataBytes = 0;
    }
}
