package io.turbokv.sst;

/** The kind of an entry yielded by {@link SstEntryIterator}. */
public enum EntryKind {
    /** A value (inline, small or medium): {@link SstEntryIterator#value()}. */
    VALUE,
    /** A reference to a blob file: {@link SstEntryIterator#blobSeq()}. */
    BLOB,
    /** A key tombstone. */
    TOMBSTONE
}
