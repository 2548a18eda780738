package io.turbokv.sst;

/**
 * The size limits of the SST format, shared by the writer, the reader and callers that
 * classify values before writing (a value longer than {@link #MAX_MEDIUM_VALUE_SIZE} goes to a blob file).
 */
public final class SstLimits {
    /**
     * Values of at most {@value} bytes are stored inline, in the key block next to their key: a get of such a value
     * touches no value block (the pages a get touches decide its time once the store outgrows the CPU caches).
     */
    public static final int MAX_INLINE_VALUE_SIZE = 128;
    /** Values of at most {@value} bytes (and more than inline) share small value blocks. */
    public static final int MAX_SMALL_VALUE_SIZE = 4096;
    /** Values of at most {@value} bytes (and more than small) get a value block of their own. */
    public static final int MAX_MEDIUM_VALUE_SIZE = 64 << 20;
    /**
     * By default a small value block is emitted once it holds at least {@value} bytes ({@link SstOptions} sets
     * it per store, from {@value #MIN_BLOCK_BUDGET} to {@value #MAX_SMALL_VALUE_BLOCK_SIZE}).
     */
    public static final int DEFAULT_SMALL_VALUE_BLOCK_SIZE = 8 << 10;
    /**
     * The largest small value block budget, {@value} bytes: a small value's offset is a u32, and a reader decodes
     * a whole block to return one value, so larger blocks only cost gets.
     */
    public static final int MAX_SMALL_VALUE_BLOCK_SIZE = 1 << 20;
    /** The smallest key block or small value block budget, {@value} bytes. */
    public static final int MIN_BLOCK_BUDGET = 1 << 10;
    /** Blocks are addressed by a u16, so an SST holds at most {@value} blocks. */
    public static final int MAX_BLOCK_COUNT = 0xFFFF;
    /** Margin of blocks that {@link SstWriter#isFull} keeps free. */
    public static final int BLOCK_INDEX_CAPACITY_BUFFER = 16;
    /**
     * Default accounting budget of one key block, in bytes ({@code key length + inline value length + 20} per
     * entry); {@link SstOptions} sets it per store, from {@value #MIN_BLOCK_BUDGET} to
     * {@value #MAX_KEY_BLOCK_SIZE}.
     */
    public static final int DEFAULT_KEY_BLOCK_SIZE = 16 << 10;
    /**
     * The largest key block budget, {@value} bytes: its run budget ({@value #KEY_BLOCK_RUN_FACTOR} times as much,
     * 4 MiB) keeps a block's u24 positions in range with room to spare.
     */
    public static final int MAX_KEY_BLOCK_SIZE = 256 << 10;
    /** How many times its budget a key block may grow to keep a run of one hash (or one key's values) together. */
    public static final int KEY_BLOCK_RUN_FACTOR = 16;
    /** Bytes counted per key block entry on top of its key length. */
    public static final int KEY_BLOCK_ENTRY_META_OVERHEAD = 20;
    /** Entries per key block before it is flushed (unless the hash repeats), at the default budget. */
    public static final int DEFAULT_KEY_BLOCK_ENTRIES = DEFAULT_KEY_BLOCK_SIZE / KEY_BLOCK_ENTRY_META_OVERHEAD;
    /**
     * Accounting budget, {@value} bytes, up to which a key block grows past {@link #DEFAULT_KEY_BLOCK_SIZE} to keep a
     * run of entries with one hash (a key's values, or keys whose hashes collide) together; a longer run continues
     * in the next key block. Every key block therefore holds at most this many accounted bytes, or one entry, which
     * keeps its u24 entry count and positions in range (an entry costs at least
     * {@value #KEY_BLOCK_ENTRY_META_OVERHEAD} accounted bytes, more than its value reference).
     */
    public static final int DEFAULT_KEY_BLOCK_RUN_SIZE = KEY_BLOCK_RUN_FACTOR * DEFAULT_KEY_BLOCK_SIZE;
    /** Key blocks whose longest key is shorter than {@value} bytes are never compressed. */
    public static final int MIN_KEY_SIZE_FOR_COMPRESSION = 16;
    /**
     * The longest key, {@value} bytes: key block entries are addressed by u24 positions, so one entry (key plus the
     * longest value reference, an inline value of {@link #MAX_INLINE_VALUE_SIZE} bytes) must fit in {@code 2^24 - 1} bytes. A key block holding one such entry is
     * about 16 MiB, far below {@link #MAX_BLOCK_LENGTH}; a longer run of it takes a key block per entry.
     */
    public static final int MAX_KEY_LENGTH = 0xFF_FFFF - MAX_INLINE_VALUE_SIZE;
    /** The largest decoded block the reader accepts, {@value} bytes; larger lengths on disk are damage. */
    public static final int MAX_BLOCK_LENGTH = 256 << 20;
    /** SST files address blocks by u32 end offsets, so a file is at most {@value} bytes. */
    public static final long MAX_FILE_SIZE = 0xFFFF_FFFFL;

    private SstLimits() {}
}
