package io.turbokv.sst;

import java.lang.foreign.MemorySegment;

/**
 * Receives the entries of one key from {@link SstReader#lookup}, in file order: values and blob references,
 * then the tombstone if there is one.
 *
 * <p>To keep the lookup free of heap allocation a value is passed as a range of a segment the reader already
 * holds, {@code bytes[offset, offset + length)}: the mapped file or the caller's {@link LookupScratch}. The range
 * is valid <em>only during the call</em>; the rest of {@code bytes} is none of the visitor's business. Copy what
 * must outlive the call. A visitor must not call {@code lookup} with the same scratch object.
 */
public interface EntryVisitor {
    /**
     * A value of {@code length} bytes at {@code bytes[offset]}; valid only during this call.
     *
     * @param bytes  the memory holding the value: a mapped file, a cached block or scratch memory
     * @param offset where the value starts in {@code bytes}
     * @param length the value's length in bytes
     */
    void onValue(MemorySegment bytes, long offset, long length);

    /**
     * A value stored in blob file {@code blobSeq}.
     *
     * @param blobSeq the blob file's sequence number
     */
    void onBlob(int blobSeq);

    /** The key's tombstone; always the last call of a lookup. */
    void onTombstone();
}
