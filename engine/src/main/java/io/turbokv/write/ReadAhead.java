package io.turbokv.write;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import io.turbokv.sst.EntryKind;
import java.lang.foreign.MemorySegment;

/**
 * The record headers a spill reads, loaded {@value #RECORDS} records at a time, in SST order, by one tight loop.
 *
 * <p>Why: the spill visits a buffer's records in hash order, at random in tens of megabytes of chunks, and the
 * first read of each record misses the caches. Read one by one inside the spill's loop, whose body (the SST
 * writer's work) is long, each miss stalls the thread alone. Read here, the loads of a window do not depend on
 * each other, so the processor has them in flight at once; the loop then finds the headers in these arrays and the
 * records' first lines in the cache. The load also touches each value's last byte, so the writer's copy of the
 * value finds its last line in the cache as well.
 *
 * <p>Not thread-safe: one spill's (or one half's) loop.
 */
final class ReadAhead {
    /** Records loaded at once: enough misses in flight to hide the latency, few enough to stay in L1. */
    static final int RECORDS = 32;

    private final EntryBuffer buffer;
    private final EntrySorter sorted;
    private final int to;
    private final int[] keyLengths = new int[RECORDS];
    private final int[] valueLengthsOrSeqs = new int[RECORDS];
    private final byte[] kinds = new byte[RECORDS];
    /** Each value's last byte, read only to bring its line in (see the class comment). */
    private final byte[] touched = new byte[RECORDS];
    /** The window: records {@code [start, end)} in SST order. */
    private int start;
    private int end;

    /** Headers of the records {@code [from, to)} of {@code sorted}, whose refs name records of {@code buffer}. */
    ReadAhead(EntryBuffer buffer, EntrySorter sorted, int from, int to) {
        this.buffer = buffer;
        this.sorted = sorted;
        this.to = to;
        this.start = from;
        this.end = from;
    }

    /** {@return the key length of the {@code index}-th record in SST order} */
    int keyLength(int index) {
        return keyLengths[slot(index)];
    }

    /** {@return the value length (a value) or blob sequence number (a blob) of the {@code index}-th record} */
    int valueLengthOrSeq(int index) {
        return valueLengthsOrSeqs[slot(index)];
    }

    /** {@return the kind of the {@code index}-th record in SST order} */
    EntryKind kind(int index) {
        return EntryKind.ofCode(kinds[slot(index)]);
    }

    /** Where record {@code index} is in the arrays; loads the window starting at it first when it is outside. */
    private int slot(int index) {
        if (index >= end || index < start) {
            load(index);
        }
        return index - start;
    }

    private void load(int index) {
        start = index;
        end = Math.min(to, index + RECORDS);
        for (int i = start; i < end; i++) {
            long ref = sorted.ref(i);
            MemorySegment memory = buffer.memory(ref);
            long offset = EntryBuffer.offset(ref);
            int keyLength = memory.get(JAVA_INT_UNALIGNED, offset + EntryChunk.KEY_LENGTH);
            int valueLengthOrSeq = memory.get(JAVA_INT_UNALIGNED, offset + EntryChunk.VALUE_LENGTH);
            byte kind = memory.get(JAVA_BYTE, offset + EntryChunk.KIND);
            keyLengths[i - start] = keyLength;
            valueLengthsOrSeqs[i - start] = valueLengthOrSeq;
            kinds[i - start] = kind;
            long recordBytes = EntryChunk.HEADER + keyLength
                    + (kind == EntryKind.VALUE.code() ? Integer.toUnsignedLong(valueLengthOrSeq) : 0);
            touched[i - start] = memory.get(JAVA_BYTE, offset + recordBytes - 1);
        }
    }
}
