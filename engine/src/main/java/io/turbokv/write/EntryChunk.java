package io.turbokv.write;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.turbokv.io.WriteBufferPool;
import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;

/**
 * Records of a write batch appended, with no Java object per entry, to one buffer borrowed from the store's pool:
 * a stripe fills a chunk and hands it, whole, to the family's {@link EntryBuffer}; the spill that writes that
 * buffer returns the chunk. Nothing is ever copied from one chunk to another.
 *
 * <p>Each record (native byte order: it never leaves this process), one after the other from offset 0:
 * <pre>
 * offset size field
 * 0      8    key hash
 * 8      4    key length in bytes
 * 12     4    value length (VALUE), blob sequence number (BLOB), 0 (TOMBSTONE)
 * 16     1    kind: {@link EntryKind#code()}
 * 17     k    key bytes
 * 17+k   v    value bytes (only VALUE)
 * </pre>
 * A record never straddles two chunks: a record larger than a stripe's chunk gets a chunk of its own size.
 *
 * <p>Not thread-safe: one thread appends at a time (the stripe's lock), then one thread reads it (the spill).
 * {@link #close()} returns the buffer; the chunk drops its reference, so a use after close throws
 * {@link IllegalStateException} instead of touching memory lent to another owner.
 */
final class EntryChunk implements AutoCloseable {
    static final long HASH = 0;
    static final long KEY_LENGTH = 8;
    static final long VALUE_LENGTH = 12;
    static final long KIND = 16;
    static final long HEADER = 17;

    private final BatchMemory memory;
    /** The borrowed buffer, null once returned by {@link #close()}. */
    private WriteBufferPool.Buffer lease;
    private MemorySegment segment;
    private long used;
    private int count;
    private long dataBytes;

    /** A chunk of at least {@code minBytes} bytes, borrowed through {@code memory}. */
    EntryChunk(BatchMemory memory, long minBytes) {
        this.memory = memory;
        this.lease = memory.borrow(minBytes);
        this.segment = lease.segment();
    }

    /** {@return the bytes a record of a {@code keyLength}-byte key and {@code valueBytes} value bytes takes} */
    static long recordBytes(long keyLength, long valueBytes) {
        return HEADER + keyLength + valueBytes;
    }

    /** {@return whether a record of {@code recordBytes} bytes fits after the records already here} */
    boolean hasRoom(long recordBytes) {
        return used + recordBytes <= segment.byteSize();
    }

    /** Appends a value entry; the caller checked {@link #hasRoom}. */
    void addValue(long hash, MemorySegment key, MemorySegment value) {
        long offset = append(hash, key, value.byteSize(), EntryKind.VALUE, (int) value.byteSize());
        MemorySegment.copy(value, 0, segment, offset + HEADER + key.byteSize(), value.byteSize());
    }

    /** Appends a key tombstone; the caller checked {@link #hasRoom}. */
    void addTombstone(long hash, MemorySegment key) {
        append(hash, key, 0, EntryKind.TOMBSTONE, 0);
    }

    /** Appends a reference to the blob file {@code blobSeq}; the caller checked {@link #hasRoom}. */
    void addBlob(long hash, MemorySegment key, int blobSeq) {
        append(hash, key, 0, EntryKind.BLOB, blobSeq);
    }

    private long append(long hash, MemorySegment key, long valueBytes, EntryKind kind, int lengthOrSeq) {
        if (segment == null) {
            throw new IllegalStateException("a write batch chunk used after it went back to the pool");
        }
        long keyLength = key.byteSize();
        long offset = used;
        segment.set(JAVA_LONG_UNALIGNED, offset + HASH, hash);
        segment.set(JAVA_INT_UNALIGNED, offset + KEY_LENGTH, (int) keyLength);
        segment.set(JAVA_INT_UNALIGNED, offset + VALUE_LENGTH, lengthOrSeq);
        segment.set(JAVA_BYTE, offset + KIND, kind.code());
        MemorySegment.copy(key, 0, segment, offset + HEADER, keyLength);
        used = offset + recordBytes(keyLength, valueBytes);
        count++;
        dataBytes += keyLength + valueBytes;
        return offset;
    }

    /** {@return the records here} */
    int count() {
        return count;
    }

    /** {@return the bytes the records take, headers included: the first free offset} */
    long usedBytes() {
        return used;
    }

    /** {@return the key and value bytes held (the spill threshold counts these, as the Rust collector does)} */
    long dataBytes() {
        return dataBytes;
    }

    /** {@return the memory, valid until {@link #close()}} */
    MemorySegment segment() {
        return segment;
    }

    /** {@return the bytes of the record at {@code offset} of {@code segment}, header included} */
    static long recordBytesAt(MemorySegment segment, long offset) {
        long keyLength = segment.get(JAVA_INT_UNALIGNED, offset + KEY_LENGTH);
        boolean value = segment.get(JAVA_BYTE, offset + KIND) == EntryKind.VALUE.code();
        return HEADER + keyLength + (value ? Integer.toUnsignedLong(segment.get(JAVA_INT_UNALIGNED,
                offset + VALUE_LENGTH)) : 0);
    }

    /** Returns the memory to the pool. Idempotent. */
    @Override
    public void close() {
        if (lease != null) {
            WriteBufferPool.Buffer returned = lease;
            lease = null;
            segment = null; // a use after close fails here instead of writing into another owner's buffer
            memory.release(returned);
        }
    }
}
