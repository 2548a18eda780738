package io.turbokv.sst;

/**
 * The entry type byte of a key block entry and the value reference that follows the key.
 * All integers big-endian.
 *
 * <pre>
 * type   meaning                 bytes after the key
 * 0      SMALL                   u16 block index, u16 size, u32 offset in block (8 bytes)
 * 1      BLOB                    u32 blob sequence number (4 bytes)
 * 2      KEY DELETED (tombstone) none
 * 3      MEDIUM                  u16 block index (2 bytes); the whole block is the value
 * 4..7   unused (4: fixed-block "mixed" marker; 7: MERGE, reserved)
 * 8..136 INLINE, length type-8   the value bytes (0..128, {@link SstLimits#MAX_INLINE_VALUE_SIZE})
 * 137..  unused; damage if found
 * </pre>
 *
 * <p>Within a multi-valued key group the values come first and the tombstone last.
 */
final class EntryType {
    static final int SMALL = 0;
    static final int BLOB = 1;
    static final int DELETED = 2;
    static final int MEDIUM = 3;
    static final int INLINE_MIN = 8;
    static final int INLINE_MAX = INLINE_MIN + SstLimits.MAX_INLINE_VALUE_SIZE;

    /** Offsets inside a SMALL reference. */
    static final int SMALL_BLOCK = 0;
    static final int SMALL_SIZE = 2;
    static final int SMALL_OFFSET = 4;
    static final int SMALL_REF_LENGTH = 8;
    static final int BLOB_REF_LENGTH = 4;
    static final int MEDIUM_REF_LENGTH = 2;

    private EntryType() {}

    /** {@return the kind of an entry of type {@code type}, a type {@link #refLength} accepts} */
    static EntryKind kind(int type) {
        return switch (type) {
            case DELETED -> EntryKind.TOMBSTONE;
            case BLOB -> EntryKind.BLOB;
            default -> EntryKind.VALUE;
        };
    }

    /** The inline entry type of a value of {@code length} bytes ({@code length <= MAX_INLINE_VALUE_SIZE}). */
    static int inline(int length) {
        return INLINE_MIN + length;
    }

    /** Bytes after the key for entry type {@code type}, or -1 for a type TurboKV never writes. */
    static int refLength(int type) {
        return switch (type) {
            case SMALL -> SMALL_REF_LENGTH;
            case BLOB -> BLOB_REF_LENGTH;
            case DELETED -> 0;
            case MEDIUM -> MEDIUM_REF_LENGTH;
            default -> type >= INLINE_MIN && type <= INLINE_MAX ? type - INLINE_MIN : -1;
        };
    }
}
