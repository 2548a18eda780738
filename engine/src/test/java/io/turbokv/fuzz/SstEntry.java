package io.turbokv.fuzz;

import io.turbokv.sst.EntryKind;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/** One SST entry as written, or as read back; {@code value} only for values, {@code blobSeq} only for blobs. */
record SstEntry(long hash, byte[] key, EntryKind kind, byte[] value, int blobSeq) {
    static SstEntry value(long hash, byte[] key, byte[] value) {
        return new SstEntry(hash, key, EntryKind.VALUE, value, 0);
    }

    static SstEntry blob(long hash, byte[] key, int blobSeq) {
        return new SstEntry(hash, key, EntryKind.BLOB, null, blobSeq);
    }

    static SstEntry tombstone(long hash, byte[] key) {
        return new SstEntry(hash, key, EntryKind.TOMBSTONE, null, 0);
    }

    boolean sameKey(SstEntry other) {
        return hash == other.hash && Arrays.equals(key, other.key);
    }

    /** Orders by (unsigned hash, unsigned key bytes), the SST's order. */
    int compareKey(SstEntry other) {
        int cmp = Long.compareUnsigned(hash, other.hash);
        return cmp != 0 ? cmp : Arrays.compareUnsigned(key, other.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SstEntry e && hash == e.hash && Arrays.equals(key, e.key) && kind == e.kind
                && Arrays.equals(value, e.value) && blobSeq == e.blobSeq;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hash) * 31 + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        String k = key.length <= 24 ? HexFormat.of().formatHex(key) : key.length + " bytes";
        String v = switch (kind) {
            case VALUE -> value.length <= 16 ? HexFormat.of().formatHex(value)
                    : value.length + " bytes " + HexFormat.of().formatHex(value, 0, 16) + "..";
            case BLOB -> "blob " + blobSeq;
            case TOMBSTONE -> "";
        };
        return String.format(Locale.ROOT, "(%016x, %s, %s %s)", hash, k, kind, v);
    }
}
