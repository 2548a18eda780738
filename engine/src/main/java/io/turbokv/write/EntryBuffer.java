package io.turbokv.write;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Entries of a write batch, appended to off-heap memory with no Java object per entry.
 *
 * <p>Each record (native byte order: it never leaves this process):
 * <pre>
 * offset size field
 * 0      8    key hash
 * 8      4    key length in bytes
 * 12     4    value length (VALUE), blob sequence number (BLOB), 0 (TOMBSTONE)
 * 16     1    kind: {@link EntryKind#code()}
 * 17     k    key bytes
 * 17+k   v    value bytes (only VALUE)
 * </pre>
 * The record offsets are kept in a {@code long[]} for sorting. The memory is one buffer borrowed from the store's
 * {@link WriteBufferPool}; it grows by doubling (a bigger buffer is borrowed, the old one returned after the copy)
 * and {@link #close()} returns it, after which the buffer must not be used (another batch may own that memory by
 * then). Not thread-safe: one thread appends at a time (its owner holds a lock), then one thread sorts and spills
 * it.
 */
final class EntryBuffer implements AutoCloseable {
    static final long HASH = 0;
    static final long KEY_LENGTH = 8;
    static final long VALUE_LENGTH = 12;
    static final long KIND = 16;
    static final long HEADER = 17;

    private final WriteBufferPool pool;
    /** The borrowed memory, null once returned by {@link #close()}. */
    private WriteBufferPool.Buffer lease;
    private MemorySegment memory;
    private long used;
    private long[] offsets;
    private int count;
    private long keyAndValueBytes;

    EntryBuffer(WriteBufferPool pool, long initialBytes, int initialEntries) {
        this.pool = pool;
        this.lease = pool.borrow(initialBytes);
        this.memory = lease.segment();
        this.offsets = new long[Math.max(initialEntries, 16)];
    }

    /** Appends a value entry. */
    void addValue(long hash, MemorySegment key, MemorySegment value) {
        long offset = reserve(hash, key, value.byteSize(), EntryKind.VALUE, (int) value.byteSize());
        MemorySegment.copy(value, 0, memory, offset + HEADER + key.byteSize(), value.byteSize());
    }

    /** Appends a key tombstone. */
    void addTombstone(long hash, MemorySegment key) {
        reserve(hash, key, 0, EntryKind.TOMBSTONE, 0);
    }

    /** Appends a reference to the blob file {@code blobSeq}. */
    void addBlob(long hash, MemorySegment key, int blobSeq) {
        reserve(hash, key, 0, EntryKind.BLOB, blobSeq);
    }

    private long reserve(long hash, MemorySegment key, long valueBytes, EntryKind kind, int lengthOrSeq) {
        long keyLength = key.byteSize();
        long recordBytes = HEADER + keyLength + valueBytes;
        ensureCapacity(recordBytes);
        long offset = used;
        memory.set(JAVA_LONG_UNALIGNED, offset + HASH, hash);
        memory.set(JAVA_INT_UNALIGNED, offset + KEY_LENGTH, (int) keyLength);
        memory.set(JAVA_INT_UNALIGNED, offset + VALUE_LENGTH, lengthOrSeq);
        memory.set(JAVA_BYTE, offset + KIND, kind.code());
        MemorySegment.copy(key, 0, memory, offset + HEADER, keyLength);
        used += recordBytes;
        offsets[count++] = offset;
        keyAndValueBytes += keyLength + valueBytes;
        return offset;
    }

    private void ensureCapacity(long recordBytes) {
        if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, offsets.length * 2);
        }
        if (used + recordBytes > memory.byteSize()) {
            long size = Math.max(memory.byteSize() * 2, used + recordBytes);
            WriteBufferPool.Buffer grown = pool.borrow(size);
            MemorySegment.copy(memory, 0, grown.segment(), 0, used);
            pool.release(lease);
            lease = grown;
            memory = grown.segment();
        }
    }

    /** Appends every entry of {@code other}, in its order. */
    void addAll(EntryBuffer other) {
        ensureCapacity(other.used);
        if (count + other.count > offsets.length) {
            offsets = Arrays.copyOf(offsets, Math.max(offsets.length * 2, count + other.count));
        }
        MemorySegment.copy(other.memory, 0, memory, used, other.used);
        for (int i = 0; i < other.count; i++) {
            offsets[count++] = used + other.offsets[i];
        }
        used += other.used;
        keyAndValueBytes += other.keyAndValueBytes;
    }

    /** Forgets every entry, keeping the memory for reuse. */
    void clear() {
        used = 0;
        count = 0;
        keyAndValueBytes = 0;
    }

    int count() {
        return count;
    }

    /** Key and value bytes held (the spill threshold counts these, as the Rust collector does). */
    long dataBytes() {
        return keyAndValueBytes;
    }

    long offset(int index) {
        return offsets[index];
    }

    long[] offsets() {
        return offsets;
    }

    MemorySegment memory() {
        return memory;
    }

    long hash(long offset) {
        return memory.get(JAVA_LONG_UNALIGNED, offset + HASH);
    }

    int keyLength(long offset) {
        return memory.get(JAVA_INT_UNALIGNED, offset + KEY_LENGTH);
    }

    int valueLengthOrSeq(long offset) {
        return memory.get(JAVA_INT_UNALIGNED, offset + VALUE_LENGTH);
    }

    EntryKind kind(long offset) {
        return EntryKind.ofCode(memory.get(JAVA_BYTE, offset + KIND));
    }

    MemorySegment key(long offset) {
        return memory.asSlice(offset + HEADER, keyLength(offset));
    }

    MemorySegment value(long offset) {
        return memory.asSlice(offset + HEADER + keyLength(offset), valueLengthOrSeq(offset));
    }

    /** Returns the memory to the pool. Idempotent. */
    @Override
    public void close() {
        if (lease != null) {
            WriteBufferPool.Buffer returned = lease;
            lease = null;
            memory = null; // a use after close fails here instead of writing into another owner's buffer
            pool.release(returned);
        }
    }
}
