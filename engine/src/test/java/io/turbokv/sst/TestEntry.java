package io.turbokv.sst;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One entry of a test model: what was written, or what was read back; shared by the SST tests and the fuzz targets.
 */
public record TestEntry(long hash, byte[] key, EntryKind kind, byte[] value, int blobSeq) {
    public static TestEntry value(long hash, byte[] key, byte[] value) {
        return new TestEntry(hash, key, EntryKind.VALUE, value, 0);
    }

    public static TestEntry blob(long hash, byte[] key, int blobSeq) {
        return new TestEntry(hash, key, EntryKind.BLOB, null, blobSeq);
    }

    public static TestEntry tombstone(long hash, byte[] key) {
        return new TestEntry(hash, key, EntryKind.TOMBSTONE, null, 0);
    }

    public boolean sameKey(TestEntry other) {
        return hash == other.hash && Arrays.equals(key, other.key);
    }

    /** Orders by (unsigned hash, unsigned key bytes). */
    public int compareKey(TestEntry other) {
        int cmp = Long.compareUnsigned(hash, other.hash);
        return cmp != 0 ? cmp : Arrays.compareUnsigned(key, other.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TestEntry e && hash == e.hash && Arrays.equals(key, e.key) && kind == e.kind
                && Arrays.equals(value, e.value) && blobSeq == e.blobSeq;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hash) * 31 + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        String k = key.length <= 40 ? HexFormat.of().formatHex(key) : key.length + " bytes";
        String v = value == null ? "" : value.length <= 16 ? HexFormat.of().formatHex(value) : value.length + " bytes";
        return String.format("(%016x, %s, %s %s%s)", hash, k, kind, v, kind == EntryKind.BLOB ? blobSeq : "");
    }
}
