package io.turbokv;

/**
 * Whether the SSTs a store writes compress their blocks. Chosen per open ({@link DbConfig.Builder#compression});
 * every block says how it is stored, so a store written with one opens with the other, and the choice applies to
 * the SSTs written from then on (compaction copies a medium value's block as it is).
 */
public enum Compression {
    /**
     * A block is LZ4-compressed when that makes it at least 12.5 % smaller, stored as is otherwise; key blocks whose
     * keys are all shorter than 16 bytes are never tried. The default.
     */
    LZ4,
    /** Every block is stored as is: no compression is tried when writing, none is decoded when reading. */
    NONE
}
