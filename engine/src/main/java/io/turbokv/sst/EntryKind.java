package io.turbokv.sst;

/**
 * What an entry is: the one vocabulary for an entry's kind across the engine. The write path records it per
 * buffered entry ({@link #code()}), the key block encodes it together with the value's placement in its entry type
 * byte ({@code EntryType#kind}), and {@link SstEntryIterator} and {@link MergeIterator} yield it. A point lookup's
 * outcome in one SST ({@link LookupResult}) is a different question: whether older SSTs must still be consulted.
 */
public enum EntryKind {
    /** A value (inline, small or medium): {@link SstEntryIterator#value()}. */
    VALUE,
    /** A reference to a blob file: {@link SstEntryIterator#blobSeq()}. */
    BLOB,
    /** A key tombstone. */
    TOMBSTONE;

    private static final EntryKind[] BY_CODE = values();

    /** {@return this kind as one byte, for in-memory records; {@link #ofCode} reverses it} */
    public byte code() {
        return (byte) ordinal();
    }

    /**
     * {@return the kind whose {@link #code()} is {@code code}}
     *
     * @param code a kind's {@link #code()}
     * @throws IllegalArgumentException if {@code code} is no kind's code
     */
    public static EntryKind ofCode(byte code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("no entry kind has code " + code);
        }
        return BY_CODE[code];
    }
}
